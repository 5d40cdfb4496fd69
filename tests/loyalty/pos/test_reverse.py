"""Reversing a sale from the till is a manager's: a cashier is refused by the view itself."""

from loyalty.models import AuditEvent, Purchase
from loyalty.pos.services import new_form_token
from tests.loyalty.pos.conftest import HX, sell


def reverse(client, sale, reason="Wrong customer", token=None):
    return client.post(
        f"/pos/purchases/{sale.pk}/reverse/",
        {"token": token or new_form_token(), "reason": reason},
        **HX,
    )


def test_a_cashier_cannot_reverse_a_sale(cashier_client, ana):
    sell(cashier_client, ana, "10.00")
    sale = Purchase.objects.get()

    assert reverse(cashier_client, sale).status_code == 403
    sale.refresh_from_db()
    assert sale.reversed_at is None


def test_a_manager_reverses_any_sale_with_a_reason(cashier_client, manager_at_shop, manager_a, ana):
    sell(cashier_client, ana, "10.00")
    sale = Purchase.objects.get()

    answer = reverse(manager_at_shop, sale)

    assert answer.status_code == 200
    sale.refresh_from_db()
    assert sale.reversed_by == manager_a
    event = AuditEvent.objects.get(action="loyalty.purchase.reversed")
    assert event.data["reason"] == "Wrong customer"


def test_a_reversal_needs_a_reason(manager_at_shop, cashier_client, ana):
    sell(cashier_client, ana, "10.00")

    assert reverse(manager_at_shop, Purchase.objects.get(), reason="").status_code == 422
    assert Purchase.objects.get().reversed_at is None


def test_the_cashier_screen_says_refunds_need_a_manager(cashier_client, ana):
    sell(cashier_client, ana, "10.00")
    html = cashier_client.get(f"/pos/members/{ana.pk}/", **HX).content.decode()

    assert "Refunds and manual point changes need a manager" in html
