"""A member redeems a reward at the till and the voucher is used on the next purchase."""

from decimal import Decimal

from playwright.sync_api import expect

from loyalty.points.purchases import record_purchase
from members.services.enrolment import enrol_member
from rewards.models import Voucher, VoucherStatus
from tests.e2e.pos_helpers import TABLET, save_final_screen, sign_in_at_the_till


def test_a_cashier_redeems_a_reward_and_uses_the_voucher_on_the_next_sale(
    live_server, new_page, snapshot, merchant_a, shop_a, cashier_a, password
):
    ana = enrol_member(merchant=merchant_a, phone="+40721234567", first_name="Ana")
    record_purchase(shop=shop_a, member=ana, external_id="R-1", amount=Decimal("320"))
    page = new_page(viewport=TABLET)
    sign_in_at_the_till(page, live_server, cashier_a.email, password)

    page.get_by_label("Card, QR code, phone or email").fill("0721234567")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_text("Rewards they can have now")).to_be_visible()
    page.get_by_role("link", name="Redeem Free coffee").click()
    expect(page.get_by_role("heading", name="Redeem Free coffee?")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_text("issued:")).to_be_visible()
    voucher = Voucher.objects.get()
    # Masked on the POS; filled in whole only to use on this sale.
    expect(page.get_by_text(f"Voucher {voucher.masked_code} issued")).to_be_visible()
    expect(page.get_by_label("Voucher code (optional)")).to_have_value(voucher.display_code)
    expect(page.locator("[data-balance]")).to_contain_text("20 points")
    page.get_by_label("Amount (€)").fill("4.00")
    page.get_by_role("button", name="Record sale").click()

    expect(page.get_by_text(f"Voucher {voucher.masked_code} used")).to_be_visible()
    expect(page.get_by_role("heading", name="+4 points for Ana")).to_be_visible()
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.USED
    assert voucher.used_purchase.amount == Decimal("4.00")
    save_final_screen(page, "pos-redeem-and-use", snapshot)
