"""The same sale with the keyboard alone: type, Enter, type, Enter — and Escape back."""

from playwright.sync_api import expect

from loyalty.models import Purchase
from members.services.enrolment import enrol_member
from tests.e2e.pos_helpers import TABLET, save_final_screen, sign_in_at_the_till


def _focused_label(page) -> str:
    return page.evaluate(
        "(() => { const el = document.activeElement;"
        " return (el.labels && el.labels[0] ? el.labels[0].textContent : el.textContent)"
        ".trim(); })()"
    )


def test_a_whole_sale_without_a_mouse(
    live_server, new_page, snapshot, merchant_a, shop_a, cashier_a, password
):
    enrol_member(merchant=merchant_a, phone="+40721234567", first_name="Ana", last_name="Pop")
    page = new_page(viewport=TABLET)
    sign_in_at_the_till(page, live_server, cashier_a.email, password)
    search = page.get_by_label("Card, QR code, phone or email")
    expect(search).to_be_focused()

    # A scanner or the cashier types, then Enter.
    page.keyboard.type("0721 234 567")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ana P.")).to_be_visible()

    # The amount has the focus: type it and Enter.
    expect(page.get_by_label("Amount (€)")).to_be_focused()
    page.keyboard.type("23.50")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="+23 points for Ana P.")).to_be_visible()
    expect(page.locator("[data-balance]")).to_have_text("23 points · €0.23")

    # "Next customer" has the focus; Tab reaches the undo, and Escape goes back to the search.
    expect(page.get_by_role("link", name="Next customer")).to_be_focused()
    page.keyboard.press("Tab")
    assert _focused_label(page) == "Undo this sale"
    page.keyboard.press("Escape")
    expect(search).to_be_focused()
    expect(search).to_have_value("")

    # Enter on "Next customer" does the same; the search is ready for the next scan.
    page.keyboard.type("0721234567")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Amount (€)")).to_be_focused()
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="+5 points for Ana P.")).to_be_visible()
    expect(page.get_by_role("link", name="Next customer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(search).to_be_focused()
    assert Purchase.objects.count() == 2
    page.keyboard.type("0721234567")
    page.keyboard.press("Enter")
    expect(page.locator("[data-balance]")).to_have_text("28 points · €0.28")
    save_final_screen(page, "pos-keyboard-only", snapshot)
