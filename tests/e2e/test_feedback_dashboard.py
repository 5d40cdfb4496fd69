"""The owner reads the feedback dashboard: the NPS with its margin of error and its answers,
the band chart over the months (and its table), then filters the comments by topic, which
HTMX redraws in place. Nothing inline runs (the Content-Security-Policy holds).

The answers are written as rows (answering is another part's service); their times are
counted back from now, so the test holds whenever it runs.
"""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from loyalty.clock import local_today, midnight
from tests.feedback.dash_kit import make_answer, make_answers, make_survey

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI || "inline"}`);
});
"""


def test_owner_reads_the_nps_and_filters_the_comments(
    live_server, page, snapshot, owner_a, merchant_a, shop_a, password
):
    survey = make_survey(merchant_a)
    now = timezone.now()
    # The last day of last month and today: two neighbouring months, both in 90 days.
    last_month = midnight(local_today(merchant_a).replace(day=1), merchant_a.tzinfo) - timedelta(
        hours=12
    )
    for at in (last_month, now - timedelta(minutes=5)):
        # 12 promoters, 5 passives, 3 detractors a month: NPS +45 over the 40 answers.
        make_answers(survey, [10] * 12 + [8] * 5 + [2] * 3, at, shop=shop_a)
    make_answer(
        survey,
        3,
        now - timedelta(minutes=3),
        comment="Waited twenty minutes for a latte",
        sentiment="negative",
        topics=["waiting"],
        language="en",
        shop=shop_a,
    )
    make_answer(
        survey,
        10,
        now - timedelta(minutes=2),
        comment="Croissants to die for",
        sentiment="positive",
        topics=["quality"],
        language="en",
        shop=shop_a,
    )

    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback").click()
    page.get_by_role("link", name="90 days").click()

    expect(page.get_by_role("heading", name="Feedback", exact=True)).to_be_visible()
    nps = page.locator("#figure-nps")
    # 24 promoters + 1, 6 detractors + 1 of 42: NPS 100 * (25 - 7) / 42 = +43.
    expect(nps.locator(".nps-value")).to_contain_text("+43")
    expect(nps.locator(".nps-margin")).to_contain_text("±")
    expect(nps).to_contain_text("From 42 answers")
    chart = page.locator("svg.chart-nps")
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text("NPS per month, with its 95% margin of error")
    expect(chart.locator(".nps-band polygon")).to_have_count(1)
    expect(chart.locator("circle.nps-point")).to_have_count(2)
    page.get_by_text("Show as table").click()
    expect(page.locator("#months-table")).to_be_visible()
    snapshot(page, "feedback-dashboard")

    page.get_by_role("navigation", name="Feedback sections").get_by_role(
        "link", name="Comments"
    ).click()
    expect(page.get_by_role("heading", name="Comments", exact=True)).to_be_visible()
    comments = page.locator("#comments")
    expect(comments).to_contain_text("Croissants to die for")
    expect(comments).to_contain_text("Waited twenty minutes for a latte")
    page.get_by_label("Topic").select_option(label="Waiting time")
    expect(comments).not_to_contain_text("Croissants to die for")
    expect(comments).to_contain_text("Waited twenty minutes for a latte")
    assert "topic=waiting" in page.url
    snapshot(page, "feedback-comments-filtered")
    assert page.evaluate("window.__violations") == []
