"""A coffee card fills up at the till (a sale, then "+1 stamp") and the member sees it on
their phone: the stamps, what is left, and the filled card's voucher."""

from playwright.sync_api import expect

from members.services.enrolment import enrol_member
from rewards.models import RewardKind, StampCard, StampEarnOn, Voucher, VoucherSource
from tests.e2e.pos_helpers import PHONE, TABLET, save_final_screen, sign_in_at_the_till
from tests.e2e.sessions import sign_in_browser


def _member_page(new_page, live_server, member):
    page = new_page(viewport=PHONE)
    sign_in_browser(page.context, live_server, member.user)
    page.goto(f"{live_server.url}/m/aroma/")
    return page


def test_a_stamp_card_fills_at_the_till_and_shows_on_the_member_page(
    live_server, new_page, snapshot, merchant_a, shop_a, cashier_a, password
):
    StampCard.objects.create(
        merchant=merchant_a,
        name="Coffee card",
        earn_on=StampEarnOn.PURCHASE,
        stamps_needed=3,
        item_word="coffees",
        reward=merchant_a.rewards.get(kind=RewardKind.FREE_ITEM),
    )
    ana = enrol_member(
        merchant=merchant_a, email="ana.stamps@example.com", phone="+40721234567", first_name="Ana"
    )
    till = new_page(viewport=TABLET)
    sign_in_at_the_till(till, live_server, cashier_a.email, password)
    till.get_by_label("Card, QR code, phone or email").fill("0721234567")
    till.get_by_role("button", name="Find", exact=True).click()
    cards = till.get_by_role("region", name="Stamp cards")
    expect(cards.get_by_role("img", name="0 of 3 stamps")).to_be_visible()
    expect(cards.get_by_text("3 more coffees for free coffee")).to_be_visible()

    # A sale stamps the card by itself; the cashier adds one for a coffee rung up earlier.
    till.get_by_label("Amount (€)").fill("4.00")
    till.get_by_role("button", name="Record sale").click()
    expect(till.get_by_role("heading", name="+4 points for Ana")).to_be_visible()
    till.get_by_role("link", name="Back to the member").click()
    expect(cards.get_by_role("img", name="1 of 3 stamps")).to_be_visible()
    cards.get_by_role("button", name="+1 stamp on Coffee card").press("Enter")
    expect(till.get_by_text("Stamp added to Coffee card.")).to_be_visible()
    expect(cards.get_by_role("img", name="2 of 3 stamps")).to_be_visible()
    expect(cards.get_by_text("1 more coffees for free coffee")).to_be_visible()

    phone = _member_page(new_page, live_server, ana)
    expect(phone.get_by_role("img", name="2 of 3 stamps")).to_be_visible()
    expect(phone.locator(".stamp-space.stamped")).to_have_count(2)

    cards.get_by_role("button", name="+1 stamp on Coffee card").click()
    expect(till.get_by_text("Coffee card is full: voucher")).to_be_visible()
    voucher = Voucher.objects.get(member=ana, source=VoucherSource.STAMP_CARD)
    expect(till.get_by_text(f"Coffee card is full: voucher {voucher.masked_code}")).to_be_visible()
    expect(cards.get_by_role("img", name="0 of 3 stamps")).to_be_visible()
    save_final_screen(till, "pos-stamp-card-filled", snapshot)

    phone.reload()
    expect(phone.get_by_text("1 card filled so far.")).to_be_visible()
    expect(phone.get_by_role("img", name="0 of 3 stamps")).to_be_visible()
    save_final_screen(phone, "member-stamp-card", snapshot)
