"""At the till on a tablet, a customer without their card: the cashier types part of the
name, picks the member from the list by keyboard, and "Record sale" is on the screen."""

from playwright.sync_api import expect

from loyalty.models import Identification
from members.services.enrolment import enrol_member
from tests.e2e.pos_helpers import SMALL_TARGETS, TABLET, save_final_screen, sign_in_at_the_till


def _focused_text(page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def _bottom_of(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"]


def test_a_cashier_finds_a_member_by_part_of_the_name(
    live_server, new_page, snapshot, merchant_a, shop_a, cashier_a, password
):
    enrol_member(merchant=merchant_a, phone="+40721000111", first_name="Alex", last_name="Ene")
    dan = enrol_member(merchant=merchant_a, phone="+40721234123", first_name="Dan", last_name="Ene")
    page = new_page(viewport=TABLET)
    sign_in_at_the_till(page, live_server, cashier_a.email, password)
    search = page.get_by_label("Card, QR code, phone or email")
    expect(search).to_be_focused()
    # Right after the sign-in (its message shown): the sale form would fit above the fold.
    page.keyboard.type("ene")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="2 members found")).to_be_visible()
    listed = page.locator(".pos-name-list button")
    expect(listed).to_have_count(2)
    expect(listed.nth(1)).to_have_text("Dan E. · ••• ••• 123")
    assert page.evaluate(SMALL_TARGETS) == []
    # The first name listed has the focus; Tab goes to the next, Enter picks it.
    assert _focused_text(page).startswith("Alex E.")
    page.keyboard.press("Tab")
    assert _focused_text(page).startswith("Dan E.")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Dan E.")).to_be_visible()
    expect(page.get_by_label("Amount (€)")).to_be_focused()
    record = page.get_by_role("button", name="Record sale")
    expect(record).to_be_visible()
    assert _bottom_of(record) <= TABLET["height"]
    expect(page.get_by_label("Check a voucher")).to_be_visible()
    assert Identification.objects.get().member_id == dan.pk
    save_final_screen(page, "pos-name-search", snapshot)


def test_record_sale_is_above_the_fold_right_after_the_sign_in(
    live_server, new_page, merchant_a, shop_a, cashier_a, password
):
    enrol_member(merchant=merchant_a, phone="+40721234567", first_name="Ana", last_name="Pop")
    page = new_page(viewport=TABLET)
    sign_in_at_the_till(page, live_server, cashier_a.email, password)
    expect(page.locator(".messages")).to_be_visible()  # the sign-in message is still there

    page.get_by_label("Card, QR code, phone or email").fill("0721 234 567")
    page.keyboard.press("Enter")

    record = page.get_by_role("button", name="Record sale")
    expect(record).to_be_visible()
    assert _bottom_of(record) <= TABLET["height"]
