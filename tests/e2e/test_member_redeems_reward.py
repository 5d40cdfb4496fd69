"""A member with points opens the rewards on their phone, redeems a coffee after confirming,
and sees the new voucher with its QR code and code, ready for the till."""

from playwright.sync_api import expect

from members.services.enrolment import enrol_member
from rewards.models import Voucher
from tests.e2e.sessions import sign_in_browser
from tests.loyalty.points.helpers import ring

PHONE = {"width": 390, "height": 844}


def _signed_in(new_page, live_server, member):
    page = new_page(viewport=PHONE)
    sign_in_browser(page.context, live_server, member.user)
    return page


def test_a_member_redeems_a_reward_and_sees_the_voucher_with_its_qr(
    live_server, new_page, snapshot, merchant_a, shop_a
):
    member = enrol_member(merchant=merchant_a, email="dana@example.com", first_name="Dana")
    ring(shop_a, member, "340.00")
    page = _signed_in(new_page, live_server, member)

    page.goto(f"{live_server.url}/m/aroma/")
    expect(page.get_by_text("You can have Free coffee now.")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Rewards").click()

    coffee = page.get_by_role("article", name="Free coffee")
    expect(coffee.get_by_text("You can redeem this now")).to_be_visible()
    expect(
        page.get_by_role("article", name="15% off one purchase").get_by_text("Locked: reach Silver")
    ).to_be_visible()
    snapshot(page, "member-rewards")
    page.get_by_role("link", name="Redeem Free coffee").click()

    expect(page.get_by_role("heading", name="Redeem Free coffee?")).to_be_visible()
    page.get_by_role("button", name="Yes, redeem for 300 points").click()

    voucher = Voucher.objects.get(member=member)
    expect(page).to_have_url(f"{live_server.url}/m/aroma/vouchers/{voucher.pk}")
    expect(page.get_by_text("Free coffee is yours")).to_be_visible()
    qr = page.get_by_role("img", name="QR code of your voucher, to scan at the till")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 220
    expect(page.locator("[data-voucher-code]")).to_have_text(voucher.display_code)
    snapshot(page, "member-voucher")

    page.get_by_role("link", name="Card", exact=True).click()
    expect(page.get_by_text("40 points", exact=False).first).to_be_visible()
    member.refresh_from_db()
    assert member.points_balance == 40
