"""A manager opens Campaigns, then RFM segments, on the hand-made history of
tests/campaigns/test_rfm.py scored a month apart: the chart, the table with its change, no
Content-Security-Policy violation."""

from playwright.sync_api import expect

from campaigns.segments.rfm import recompute_rfm
from tests.campaigns.test_rfm import TODAY, make_history
from tests.campaigns.test_rfm_page import MONTH_BEFORE
from tests.e2e.test_insights_cohorts import LISTEN


def test_manager_reads_the_segments_and_their_change(
    live_server, page, snapshot, owner_a, merchant_a, shop_a, manager_a, password
):
    make_history(merchant_a, shop_a, owner_a)
    recompute_rfm(merchant_a, MONTH_BEFORE)
    recompute_rfm(merchant_a, TODAY)

    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(manager_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
    page.goto(f"{live_server.url}/portal/campaigns/")
    page.get_by_role("link", name="RFM segments").first.click()

    expect(page).to_have_url(f"{live_server.url}/portal/campaigns/segments/rfm/")
    expect(page.get_by_role("heading", name="RFM segments", exact=True)).to_be_visible()
    chart = page.locator("svg.chart-bars")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(11)
    # Can't lose them: 1 member now, none on 31 May.
    row = page.get_by_role("row", name="Can't lose them")
    expect(row.locator("td").nth(0)).to_have_text("1")
    expect(row.locator("td").nth(1)).to_have_text("+1")
    expect(page.get_by_role("row", name="At risk").locator("td").nth(1)).to_have_text("-1")
    snapshot(page, "campaigns-rfm")
    assert page.evaluate("window.__violations") == []
