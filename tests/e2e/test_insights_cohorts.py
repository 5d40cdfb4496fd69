"""An owner opens the cohorts page on a real history: the retention heatmap, a cell's counts
shown when the keyboard reaches it, and the members-by-tier chart.

The sales go through the real sales service and the cohorts through the real rebuild; the
months are counted back from today, so the test holds whenever it runs.
"""

from datetime import datetime, time

from django.utils import translation
from playwright.sync_api import expect

from loyalty.analytics.cohorts import add_months, rebuild_cohorts
from loyalty.clock import local_today
from loyalty.dates import SHORT_MONTH_YEAR, format_day
from members.services.enrolment import enrol_member
from tests.loyalty.analytics.helpers import sale

# Runs before the page's scripts: any Content-Security-Policy violation is kept.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI || "inline"}`);
});
"""


def test_owner_reads_the_heatmap_from_the_keyboard(
    live_server, page, snapshot, owner_a, merchant_a, shop_a, password
):
    this_month = local_today(merchant_a).replace(day=1)
    first, second = add_months(this_month, -3), add_months(this_month, -2)
    ana, bob, cara = (
        enrol_member(merchant=merchant_a, email=f"{name}@example.com")
        for name in ("ana", "bob", "cara")
    )
    for n, member in enumerate((ana, bob, cara)):  # three first purchases, three months ago
        sale(shop_a, member, datetime.combine(first.replace(day=3), time(10 + n)), "9.50", f"F{n}")
    sale(shop_a, ana, datetime.combine(second.replace(day=5), time(11)), "4.00", "AGAIN")
    rebuild_cohorts(merchant_a)

    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
    page.goto(f"{live_server.url}/portal/insights/cohorts/")

    expect(page.get_by_role("heading", name="Cohorts", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Cohorts", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    heatmap = page.locator("table.cohort-table")
    expect(heatmap).to_be_visible()
    with translation.override("en"):  # "Sept 2026": CLDR's British English
        month = format_day(first, SHORT_MONTH_YEAR)
    row = heatmap.get_by_role("row", name=month)
    expect(row.locator("td").nth(0)).to_have_text("3")  # the cohort's size
    cell = row.locator("td.heat-cell").nth(0)  # month 1: Ana came back
    tip = cell.locator(".heat-tip")
    expect(tip).to_be_hidden()

    # From the export link, the next Tab stop is the first cell of the heatmap.
    page.get_by_role("link", name="Export cohorts (CSV)").focus()
    page.keyboard.press("Tab")
    expect(cell).to_be_focused()
    expect(cell).to_have_attribute("title", "1 of 3 members")
    expect(tip).to_be_visible()
    expect(tip).to_have_text("1 of 3 members")
    expect(cell).to_contain_text("33%")
    snapshot(page, "insights-cohorts-focus")
    # The next Tab goes on along the row: month 2, reached, with nobody back (0 %).
    page.keyboard.press("Tab")
    expect(row.locator("td.heat-cell").nth(1)).to_be_focused()
    expect(row.locator("td.heat-cell").nth(1).locator(".heat-tip")).to_have_text("0 of 3 members")

    chart = page.locator("svg.chart-bars")
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text("Active members by tier")
    expect(chart.locator("rect")).not_to_have_count(0)
    # Nothing inline: the tooltips and colours are the stylesheet's.
    assert page.evaluate("window.__violations") == []
