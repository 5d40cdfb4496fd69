"""A new customer on a phone-sized screen: not found, enrolled in a few taps, first sale."""

from playwright.sync_api import expect

from members.models import Member
from tests.e2e.pos_helpers import (
    PHONE,
    SMALL_TARGETS,
    save_final_screen,
    sign_in_at_the_till,
)


def test_a_cashier_enrols_a_new_member_and_records_their_first_sale(
    live_server, new_page, snapshot, merchant_a, shop_a, cashier_a, password
):
    page = new_page(viewport=PHONE)
    sign_in_at_the_till(page, live_server, cashier_a.email, password)

    page.get_by_label("Card, QR code, phone or email").fill("0733 123 456")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("heading", name="No member found")).to_be_visible()
    expect(page.get_by_label("Phone", exact=True)).to_have_value("0733 123 456")
    expect(page.get_by_label("Agrees to receive offers by email")).not_to_be_checked()
    expect(page.get_by_label("Agrees to receive offers by SMS")).not_to_be_checked()
    assert page.evaluate(SMALL_TARGETS) == []
    page.get_by_label("First name (optional)").fill("Dan")
    page.get_by_role("button", name="Enrol").click()

    expect(page.get_by_text("Enrolled. Card number")).to_be_visible()
    member = Member.objects.get(phone="+40733123456")
    expect(page.get_by_text(f"Card number {member.card_number}")).to_be_visible()
    expect(page.get_by_role("heading", name="Dan")).to_be_visible()
    page.get_by_label("Amount (€)").fill("12.00")
    page.get_by_role("button", name="Record sale").click()

    expect(page.get_by_role("heading", name="+12 points for Dan")).to_be_visible()
    expect(page.locator("#pos-counter")).to_contain_text("1 enrolled")
    member.refresh_from_db()
    assert (member.purchase_count, member.enrolled_by_id) == (1, cashier_a.pk)
    # Nothing sticks out of a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_final_screen(page, "pos-enrol-and-sell", snapshot)
