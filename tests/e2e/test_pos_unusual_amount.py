"""At the till: a slipped finger types 999 for 9.99. The panel asks before recording it; the
cashier changes it with the keyboard alone, then a real unusual amount is confirmed with Enter."""

from decimal import Decimal

from playwright.sync_api import expect

from loyalty.models import Purchase
from members.services.enrolment import enrol_member
from tests.e2e.pos_helpers import SMALL_TARGETS, TABLET, save_final_screen, sign_in_at_the_till


def test_a_cashier_is_asked_to_confirm_an_unusual_amount(
    live_server, new_page, snapshot, merchant_a, shop_a, cashier_a, password
):
    enrol_member(merchant=merchant_a, phone="+40721234567", first_name="Ana", last_name="Pop")
    page = new_page(viewport=TABLET)
    sign_in_at_the_till(page, live_server, cashier_a.email, password)
    page.evaluate("window.__noReload = true")
    page.get_by_label("Card, QR code, phone or email").fill("0721234567")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ana P.")).to_be_visible()

    amount = page.get_by_label("Amount (€)")
    amount.fill("999")
    amount.press("Enter")

    expect(page.get_by_text("€999.00 is an unusual amount. Confirm?")).to_be_visible()
    confirm = page.get_by_role("button", name="Confirm", exact=True)
    expect(confirm).to_be_focused()
    assert page.evaluate(SMALL_TARGETS) == []
    assert not Purchase.objects.exists()

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Change")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Amount (€)")).to_have_value("999.00")
    assert not Purchase.objects.exists()

    page.get_by_label("Amount (€)").fill("750")
    page.get_by_role("button", name="Record sale").click()
    expect(page.get_by_text("€750.00 is an unusual amount. Confirm?")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm", exact=True)).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="+750 points for Ana P.")).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    assert list(Purchase.objects.values_list("amount", flat=True)) == [Decimal("750.00")]
    save_final_screen(page, "pos-unusual-amount", snapshot)
