"""At the till on a tablet: find a member by a phone typed with spaces, record €23.50 with the
keypad, and see the points earned and the new balance — without a page reload."""

from decimal import Decimal

from playwright.sync_api import expect

from loyalty.models import Purchase
from members.services.enrolment import enrol_member
from tests.e2e.pos_helpers import (
    SMALL_TARGETS,
    TABLET,
    save_final_screen,
    sign_in_at_the_till,
)


def test_a_cashier_finds_a_member_by_phone_and_records_a_sale(
    live_server, new_page, snapshot, merchant_a, shop_a, cashier_a, password
):
    ana = enrol_member(merchant=merchant_a, phone="+40721234567", first_name="Ana", last_name="Pop")
    page = new_page(viewport=TABLET)
    sign_in_at_the_till(page, live_server, cashier_a.email, password)
    expect(page.get_by_text("You are at Old Town")).to_be_visible()
    search = page.get_by_label("Card, QR code, phone or email")
    expect(search).to_be_focused()
    page.evaluate("window.__noReload = true")

    search.fill("0721 234 567")
    page.get_by_role("button", name="Find", exact=True).click()

    expect(page.get_by_role("heading", name="Ana P.")).to_be_visible()
    expect(page.get_by_text(ana.masked_phone)).to_be_visible()
    assert page.evaluate(SMALL_TARGETS) == []
    for key in "23.50":
        page.locator(f".pos-keypad [data-key='{key}']").click()
    expect(page.get_by_label("Amount (€)")).to_have_value("23.50")
    page.get_by_role("button", name="Record sale").click()

    expect(page.get_by_role("heading", name="+23 points for Ana P.")).to_be_visible()
    expect(page.get_by_text("23 base")).to_be_visible()
    expect(page.locator("[data-balance]")).to_have_text("23 points · €0.23")
    expect(page.locator("#pos-counter")).to_contain_text("1 sales linked")
    assert page.evaluate("window.__noReload") is True  # HTMX swapped; nothing reloaded
    sale = Purchase.objects.get()
    assert (sale.member_id, sale.amount, sale.shop_id) == (ana.pk, Decimal("23.50"), shop_a.pk)
    save_final_screen(page, "pos-find-and-sell", snapshot)
