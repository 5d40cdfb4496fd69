"""The cashier's own counter for today, counted from what was recorded."""

from loyalty.models import Purchase
from loyalty.pos.queries import staff_counter
from loyalty.pos.services import new_form_token
from tests.loyalty.pos.conftest import HX, sell


def test_it_counts_members_found_sales_linked_and_enrolments(
    cashier_client, cashier_a, merchant_a, ana
):
    cashier_client.get("/pos/find/", {"q": "0721234567"}, **HX)
    cashier_client.get("/pos/find/", {"q": "0721234567"}, **HX)  # the same member: once
    sell(cashier_client, ana, "10.00")
    sell(cashier_client, None, "5.00")  # no member: not linked
    cashier_client.post("/pos/enrol/", {"token": new_form_token(), "phone": "0733123456"}, **HX)

    assert staff_counter(merchant_a, cashier_a) == {"found": 1, "linked": 1, "enrolled": 1}


def test_an_undone_sale_no_longer_counts(cashier_client, cashier_a, merchant_a, ana):
    sell(cashier_client, ana, "10.00")
    sale = Purchase.objects.get()
    cashier_client.post(
        f"/pos/purchases/{sale.pk}/undo/",
        {"token": new_form_token(), "purchase": sale.pk},
        **HX,
    )

    assert staff_counter(merchant_a, cashier_a)["linked"] == 0


def test_each_person_has_their_own_counter(
    cashier_client, manager_at_shop, cashier_a, manager_a, merchant_a, ana
):
    sell(manager_at_shop, ana, "10.00")

    assert staff_counter(merchant_a, cashier_a)["linked"] == 0
    assert staff_counter(merchant_a, manager_a)["linked"] == 1


def test_the_page_shows_the_counter_and_htmx_answers_update_it(cashier_client, ana):
    answer = sell(cashier_client, ana, "10.00")

    html = answer.content.decode()
    assert 'id="pos-counter"' in html
    assert 'hx-swap-oob="true"' in html
    assert "<strong>1</strong> sales linked" in html
