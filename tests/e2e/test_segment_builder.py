"""A manager builds a segment of two rules in an OR group, watches the live count follow the
rules, saves it and finds it in the list with its members."""

import re

from playwright.sync_api import expect

from campaigns.models import MemberTag, Segment
from tests.e2e.test_csp import LISTEN
from tests.factories import MemberFactory


def test_manager_builds_an_or_segment_with_a_live_count(
    live_server, page, snapshot, manager_a, merchant_a, password
):
    MemberFactory(merchant=merchant_a, first_name="Wilhelmina", lifetime_spend=500)
    MemberFactory(merchant=merchant_a, first_name="Cornelius", lifetime_spend=150)
    tagged = MemberFactory(merchant=merchant_a, first_name="Bartholomew", lifetime_spend=20)
    MemberTag.objects.create(merchant=merchant_a, member=tagged, tag="vip")
    MemberFactory(merchant=merchant_a, first_name="Desdemona", lifetime_spend=10)

    page.add_init_script(LISTEN)  # counts Content-Security-Policy violations on each page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(manager_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")

    page.get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_role("link", name="Segments", exact=True).first.click()
    page.get_by_role("link", name="New segment").first.click()
    count = page.locator("#segment-count .count-value")
    expect(count).to_have_text("4 members")  # no rules yet: every active member
    page.get_by_label("Name").fill("Big spenders or VIPs")

    # A group matching any of its rules, with its first rule: lifetime spend of 100 or more.
    page.get_by_role("button", name="Add a group").click()
    group_match = page.locator("#id_r-0-match")
    expect(group_match).to_have_value("any")
    page.locator("#id_r-0-0-field").select_option("lifetime_spend")
    expect(page.locator('input[name="r-0-0-was"]')).to_have_value("lifetime_spend")
    page.locator("#id_r-0-0-op").select_option("gte")
    page.locator("#id_r-0-0-value").fill("100")
    page.locator("#id_r-0-0-value").press("Tab")
    expect(count).to_have_text("2 members")
    expect(page.locator("#segment-count")).to_contain_text("Wilhelmina")

    # OR a tag: the field select brings the tag's operators and a text box for the word.
    page.locator("#r-0").get_by_role("button", name="Add a rule").click()
    page.locator("#id_r-0-1-field").select_option("tag")
    expect(page.locator('input[name="r-0-1-was"]')).to_have_value("tag")
    expect(page.locator("#id_r-0-1-op")).to_have_value("is")
    page.locator("#id_r-0-1-value").fill("vip")
    page.locator("#id_r-0-1-value").press("Enter")  # refreshes; removes no rule
    expect(count).to_have_text("3 members")
    expect(page.locator(".rule")).to_have_count(2)
    expect(page.locator("#segment-count")).to_contain_text("Bartholomew")
    # AND instead of OR: nobody spent 100 and carries the tag.
    group_match.select_option("all")
    expect(count).to_have_text("0 members")
    page.locator("#id_r-0-match").select_option("any")
    expect(count).to_have_text("3 members")
    snapshot(page, "segment-builder")
    assert page.evaluate("window.__violations") == []  # HTMX and the builder run under the CSP

    page.get_by_role("button", name="Save the segment").click()
    expect(page.get_by_text("Segment “Big spenders or VIPs” saved.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Big spenders or VIPs"))
    expect(row.locator(".segment-members")).to_have_text("3")
    segment = Segment.objects.get(merchant=merchant_a)
    assert segment.rules == {
        "match": "all",
        "rules": [
            {
                "match": "any",
                "rules": [
                    {"field": "lifetime_spend", "op": "gte", "value": "100"},
                    {"field": "tag", "op": "is", "value": "vip"},
                ],
            }
        ],
    }
    snapshot(page, "segment-list")
