"""A manager tunes a reward while its member card previews live, reorders the catalogue from the
keyboard, then finds a voucher by a sloppily typed code and cancels it."""

from playwright.sync_api import expect

from rewards import services
from rewards.models import RewardKind, VoucherStatus
from tests.rewards.conftest import give


def test_manager_edits_reorders_and_cancels_a_voucher(
    live_server, page, snapshot, manager_a, merchant_a, shop_a, password
):
    from members.services.enrolment import enrol_member

    ana = give(shop_a, enrol_member(merchant=merchant_a, email="ana@example.com"), "300")
    coffee = merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)
    voucher = services.redeem_reward(member=ana, reward=coffee)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(manager_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")

    page.get_by_role("link", name="Rewards", exact=True).click()
    page.get_by_role("link", name="Free coffee").first.click()
    preview = page.locator("#reward-preview")
    expect(preview.get_by_role("heading", name="Free coffee")).to_be_visible()

    # The preview follows the form: a new name and an overpriced cost, before saving.
    page.get_by_label("Name", exact=True).fill("Free flat white")
    page.get_by_label("Points cost").fill("900")
    page.get_by_label("Points cost").blur()
    expect(preview.get_by_role("heading", name="Free flat white")).to_be_visible()
    expect(preview).to_contain_text("900 points = €9.00 of points for a €3.00 Coffee.")
    # The percent-only field is hidden for a free item and shows for a percent discount.
    expect(page.get_by_label("Maximum discount (€)")).to_be_hidden()
    page.get_by_label("Kind").select_option("percent_off")
    expect(page.get_by_label("Maximum discount (€)")).to_be_visible()
    page.get_by_label("Kind").select_option("free_item")
    snapshot(page, "reward-edit-preview")
    page.get_by_role("button", name="Save the reward").click()
    expect(page.get_by_text("Reward “Free flat white” saved.")).to_be_visible()

    # Reorder from the keyboard: the focus stays on the button after the list is swapped.
    page.get_by_role("link", name="Catalogue").click()
    down = page.get_by_role("button", name="Move Free flat white down")
    down.focus()
    page.keyboard.press("Enter")
    rows = page.locator("#catalogue tbody th")
    expect(rows.nth(1)).to_contain_text("Free flat white")
    expect(page.get_by_role("button", name="Move Free flat white down")).to_be_focused()
    snapshot(page, "reward-catalogue")

    # The voucher, typed in lower case with a dash.
    page.get_by_role("link", name="Vouchers").click()
    page.get_by_label("Voucher code").fill(f"{voucher.code[:4].lower()}-{voucher.code[4:]}")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("Points redemption: 300 points spent")).to_be_visible()
    page.get_by_role("link", name="Cancel this voucher").click()
    page.get_by_label("Reason").fill("Asked for tea instead")
    page.get_by_role("button", name="Cancel the voucher").click()
    expect(page.get_by_text("300 points went back to")).to_be_visible()
    snapshot(page, "voucher-cancelled")

    voucher.refresh_from_db()
    ana.refresh_from_db()
    assert voucher.status == VoucherStatus.CANCELLED and ana.points_balance == 300
