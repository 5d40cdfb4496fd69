"""The POS page itself: the shop it works at, the search field ready, the counter."""

from loyalty.models import StaffMember
from tests.factories import UserFactory


def test_cashier_lands_on_the_search_of_their_shop(cashier_client):
    html = cashier_client.get("/pos/").content.decode()

    assert "You are at Old Town" in html
    assert 'id="pos-q"' in html
    search = html[html.index('id="pos-q"') :]
    assert "autofocus" in search[: search.index(">")]
    assert 'id="pos-counter"' in html


def test_the_page_loads_its_own_script_and_styles(cashier_client):
    html = cashier_client.get("/pos/").content.decode()

    assert "js/pos.js" in html
    assert "css/pos.css" in html


def test_manager_picks_a_shop_first_and_it_is_remembered(manager_client, shop_a2):
    assert "Which shop are you at?" in manager_client.get("/pos/").content.decode()

    manager_client.post("/pos/shop/", {"shop": shop_a2.pk})

    assert "You are at Station" in manager_client.get("/pos/").content.decode()


def test_a_manager_without_a_shop_is_sent_to_pick_one(manager_client):
    answer = manager_client.get("/pos/find/", {"q": "0721234567"})

    assert answer.status_code == 302
    assert answer["Location"] == "/pos/"


def test_htmx_requests_without_a_shop_redirect_the_whole_page(manager_client):
    answer = manager_client.get("/pos/sale/", HTTP_HX_REQUEST="true")

    assert answer["HX-Redirect"] == "/pos/"


def test_a_cashier_bound_to_no_shop_is_told_to_ask_the_owner(merchant_a, client):
    user = UserFactory(email="floating@example.com")
    StaffMember.objects.create(merchant=merchant_a, user=user, role="cashier")
    client.force_login(user)

    html = client.get("/pos/").content.decode()

    assert "Ask the owner to choose your shop" in html
    assert client.get("/pos/sale/").status_code == 302


def test_without_htmx_every_panel_is_a_whole_page(cashier_client):
    html = cashier_client.get("/pos/enrol/").content.decode()

    assert "<html" in html
    assert 'id="pos-enrol-title"' in html
