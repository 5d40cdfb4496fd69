"""Who may open what: cashier, manager and owner of merchant A, the anonymous and the newcomer.

Within the merchant a page above one's role is a 403 (it exists; the person may not use it).
"""

import pytest

from loyalty.models import ROLE_RANK, Role
from members.models import Member
from tests.factories import UserFactory
from tests.loyalty.pos.conftest import found_at_the_till
from tests.urlwalk import staff_routes

ROUTES = staff_routes()
PORTAL_ROUTES = [route for route in ROUTES if route.namespace == "portal"]


def _open(client, url):
    """GET the page, or POST to it when it only takes POST, as its own form would."""
    answer = client.get(url)
    if answer.status_code == 405:
        answer = client.post(url)
    return answer


def _above(role: str) -> list:
    return [
        route
        for route in ROUTES
        if route.required_role is not None
        and ROLE_RANK[Role(route.required_role)] > ROLE_RANK[Role(role)]
    ]


def test_every_portal_and_pos_view_declares_the_role_it_needs():
    undeclared = [str(route) for route in ROUTES if route.required_role is None]
    assert undeclared == []


# --- Cashier ---------------------------------------------------------------------------------


def test_cashier_is_sent_from_the_portal_to_the_pos(cashier_client):
    answer = cashier_client.get("/portal/")
    assert answer.status_code == 302
    assert answer["Location"] == "/pos/"


def test_cashier_sees_the_shop_they_work_at(cashier_client):
    answer = cashier_client.get("/pos/")
    assert answer.status_code == 200
    assert "You are at Old Town" in answer.content.decode()


def test_cashier_gets_403_on_every_portal_page_above_cashier(cashier_client, ids_of_a):
    pages = [route for route in _above(Role.CASHIER) if route.namespace == "portal"]
    assert len(pages) >= 12
    for route in pages:
        assert _open(cashier_client, route.url(ids_of_a)).status_code == 403, route


def test_every_portal_page_but_the_dashboard_the_switcher_and_ones_own_is_above_cashier():
    for_cashiers = {str(r) for r in PORTAL_ROUTES if r.required_role == Role.CASHIER}
    assert for_cashiers == {"portal:dashboard", "portal:switch_merchant", "portal:my_language"}


def test_cashier_cannot_open_staff_settings(cashier_client):
    assert cashier_client.get("/portal/settings/staff/").status_code == 403


def test_cashier_cannot_choose_the_pos_shop(cashier_client, shop_a2):
    answer = cashier_client.post("/pos/shop/", {"shop": shop_a2.pk})

    assert answer.status_code == 403
    assert "You are at Old Town" in cashier_client.get("/pos/").content.decode()


def test_the_403_page_explains_the_role(cashier_client):
    answer = cashier_client.get("/portal/settings/")
    assert answer.status_code == 403
    assert "Your role does not include this page" in answer.content.decode()


# --- Manager ---------------------------------------------------------------------------------


def test_manager_sees_the_dashboard(manager_client):
    answer = manager_client.get("/portal/")
    assert answer.status_code == 200
    assert "Aroma Café" in answer.content.decode()


def test_manager_sees_the_settings_index_without_owner_sections(manager_client):
    answer = manager_client.get("/portal/settings/")
    assert answer.status_code == 200
    assert "managed by the owner" in answer.content.decode()
    assert "/portal/settings/staff/" not in answer.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/portal/settings/profile/",
        "/portal/settings/shops/",
        "/portal/settings/shops/new/",
        "/portal/settings/staff/",
        "/portal/settings/api-keys/",
        "/portal/settings/audit/",
    ],
)
def test_manager_cannot_open_owner_settings(manager_client, url):
    assert manager_client.get(url).status_code == 403


def test_manager_gets_403_on_every_owner_page(manager_client, ids_of_a):
    pages = _above(Role.MANAGER)
    assert len(pages) >= 10
    for route in pages:
        assert _open(manager_client, route.url(ids_of_a)).status_code == 403, route


def test_manager_chooses_the_shop_of_the_pos(manager_client, shop_a2):
    assert "Which shop are you at?" in manager_client.get("/pos/").content.decode()

    answer = manager_client.post("/pos/shop/", {"shop": shop_a2.pk})

    assert answer.status_code == 302
    assert "You are at Station" in manager_client.get("/pos/").content.decode()


# --- Owner -----------------------------------------------------------------------------------


def test_owner_opens_every_portal_and_pos_page(owner_client, ids_of_a, shop_a):
    # The POS opens a member only once found at the till in this session.
    found_at_the_till(owner_client, shop_a, Member.objects.get(pk=ids_of_a["member_id"]))
    opened = 0
    for route in ROUTES:
        url = route.url(ids_of_a)
        answer = owner_client.get(url, follow=True)
        if answer.status_code == 405:
            continue  # POST-only: its form is on another page
        assert answer.status_code == 200, route
        opened += 1
    assert opened >= 14


def test_owner_settings_index_leads_to_the_business_profile(owner_client):
    answer = owner_client.get("/portal/settings/")
    assert answer.status_code == 302
    assert answer["Location"] == "/portal/settings/profile/"


# --- Not staff -------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in_from_every_staff_page(client, ids_of_a):
    for route in ROUTES:
        url = route.url(ids_of_a)
        answer = _open(client, url)
        assert answer.status_code == 302, route
        assert answer["Location"].startswith("/accounts/login/?next="), route


def test_start_sends_anonymous_visitor_to_sign_in(client):
    answer = client.get("/start/")
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/"


@pytest.mark.parametrize("url", ["/portal/", "/pos/", "/start/"])
def test_signed_in_person_without_a_merchant_is_sent_to_onboarding(client, db, url):
    client.force_login(UserFactory())

    answer = client.get(url)

    assert answer.status_code == 302
    assert answer["Location"] == "/welcome/"


@pytest.mark.parametrize(
    ("persona", "home"),
    [("owner_client", "/portal/"), ("manager_client", "/portal/"), ("cashier_client", "/pos/")],
)
def test_start_sends_staff_to_their_home(request, persona, home):
    answer = request.getfixturevalue(persona).get("/start/")
    assert answer.status_code == 302
    assert answer["Location"] == home
