"""A manager creates a broadcast with two variants and a holdout, sees what the test can
tell before launching, launches it after the confirmation, and reads its results."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from campaigns.automations.runner import run_campaigns
from campaigns.messaging.send import send_due_messages
from campaigns.models import Campaign, CampaignEntry
from loyalty.points.purchases import record_purchase
from tests.e2e.test_csp import LISTEN
from tests.factories import MemberFactory


def test_manager_launches_a_broadcast_with_a_holdout_and_reads_its_results(
    live_server, page, snapshot, manager_a, merchant_a, shop_a, password
):
    for n in range(40):
        MemberFactory(
            merchant=merchant_a,
            first_name=f"Reader{n}",
            email=f"reader{n}@example.com",
            email_marketing=True,
        )
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(manager_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")

    page.get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_role("link", name="New campaign").first.click()
    plan = page.locator("#campaign-plan")
    expect(plan).to_contain_text("40")
    page.get_by_label("Name").fill("Autumn tasting")
    page.get_by_label("Holdout (%)").fill("25")
    page.get_by_label("Holdout (%)").press("Tab")  # the plan follows (HTMX)
    expect(plan.locator(".stat").nth(2)).to_contain_text("10")
    expect(plan).to_contain_text("The smallest lift this test can detect")
    page.get_by_label("Subject", exact=True).fill("Our autumn tasting, {{ first_name }}")
    page.get_by_label("Message", exact=True).fill("New beans this week: come and taste them.")
    page.get_by_label("Test a second variant (B)").check()
    page.get_by_label("Subject (B)").fill("Autumn tasting: 50 points for you")
    page.get_by_label("Message (B)").fill("Come and taste: 50 bonus points are on your card.")
    page.get_by_label("Bonus points (B)").fill("50")
    snapshot(page, "campaign-form")
    page.get_by_role("button", name="Save as a draft").click()

    expect(page.get_by_text("Campaign saved as a draft.")).to_be_visible()
    page.get_by_role("link", name="Launch…").click()
    expect(page.get_by_role("heading", name=re.compile("Launch “Autumn tasting”"))).to_be_visible()
    page.get_by_role("button", name="Launch the campaign").click()
    expect(page.get_by_text("Launched: 40 members entered the campaign.")).to_be_visible()

    # The worker's jobs: the steps, the sending; then some treated members come back.
    campaign = Campaign.objects.get(merchant=merchant_a)
    run_campaigns()
    send_due_messages()
    treated = CampaignEntry.objects.filter(campaign=campaign, variant__isnull=False)
    for n, entry in enumerate(treated.select_related("member")[:6]):
        record_purchase(
            shop=shop_a, member=entry.member, external_id=f"back-{n}", amount=Decimal("12.00")
        )

    page.reload()
    results = page.locator("table.campaign-results")
    expect(results.get_by_role("row", name=re.compile("Variant A"))).to_be_visible()
    expect(results.get_by_role("row", name=re.compile("Variant B"))).to_be_visible()
    expect(results.get_by_role("row", name=re.compile("Holdout"))).to_be_visible()
    expect(page.locator(".verdict")).to_contain_text(re.compile("Keep it|Stop it|Change it"))
    expect(page.locator("svg.chart-bars")).to_be_visible()
    snapshot(page, "campaign-results")
    assert page.evaluate("window.__violations") == []
