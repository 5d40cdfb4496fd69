"""The campaign pages: create a draft with two variants, see its plan, launch it after a
confirmation, read its results; other merchants' campaigns are a 404."""

import pytest
import time_machine

from campaigns.automations.audience import enter
from campaigns.automations.runner import run_campaigns
from campaigns.models import Campaign, CampaignEntry, CampaignStatus, MessageTemplate
from loyalty.models import AuditEvent
from members.services.enrolment import enrol_member
from rewards.models import Reward

pytestmark = pytest.mark.django_db
NEW = "/portal/campaigns/new/"
FORM = {
    "name": "Spring comeback",
    "kind": "broadcast",
    "trigger": "",
    "segment": "",
    "holdout_percent": "10",
    "conversion_days": "14",
    "a_channel": "email",
    "a_subject": "We miss you",
    "a_body": "Come back for a coffee on us, {{ first_name }}.",
    "test_b": "on",
    "b_channel": "email",
    "b_subject": "Double points this week",
    "b_body": "Every coffee counts twice until Sunday.",
    "b_bonus": "50",
}


@pytest.fixture
def forty_members(merchant_a):
    return [enrol_member(merchant=merchant_a, email=f"m{n}@example.com") for n in range(40)]


def test_the_form_shows_the_audience_and_what_a_test_can_tell(manager_client, forty_members):
    html = manager_client.get(NEW).content.decode()

    assert "What this test can tell" in html
    assert '<dd class="stat-value">40</dd>' in html  # members reached
    assert '<dd class="stat-value">4</dd>' in html  # held out: 10%


def test_the_plan_pane_follows_the_holdout(manager_client, forty_members):
    html = manager_client.post(
        "/portal/campaigns/plan/", {"holdout_percent": "25", "conversion_days": "14"}
    ).content.decode()

    assert '<dd class="stat-value">30</dd>' in html and '<dd class="stat-value">10</dd>' in html
    # Nobody bought in the last weeks: a rate of 0 still gives a detectable lift.
    assert "The smallest lift this test can detect" in html


def test_a_manager_creates_a_draft_with_two_variants(manager_client, merchant_a, forty_members):
    answer = manager_client.post(NEW, FORM)

    campaign = Campaign.objects.for_merchant(merchant_a).get()
    assert answer.status_code == 302 and answer["Location"] == f"/portal/campaigns/{campaign.pk}/"
    assert campaign.status == CampaignStatus.DRAFT
    steps = {
        variant.name: [(s.action, s.bonus_points) for s in variant.steps.all()]
        for variant in campaign.variants.all()
    }
    assert steps == {"A": [("message", None)], "B": [("message", None), ("bonus_points", 50)]}
    assert AuditEvent.objects.filter(action="campaigns.campaign.created").count() == 1


def test_the_form_reports_every_problem_at_once_and_saves_nothing(manager_client, merchant_a):
    bad = {**FORM, "kind": "automation", "a_subject": "", "b_body": ""}

    html = manager_client.post(NEW, bad).content.decode()

    assert "Choose what starts the automation." in html
    assert "An email needs a subject." in html
    assert "Write variant B" in html
    assert not Campaign.objects.for_merchant(merchant_a).exists()


def test_launch_asks_first_then_puts_the_audience_in_their_groups(
    manager_client, merchant_a, forty_members
):
    manager_client.post(NEW, FORM)
    campaign = Campaign.objects.for_merchant(merchant_a).get()
    url = f"/portal/campaigns/{campaign.pk}/launch/"

    confirm = manager_client.get(url).content.decode()
    assert "Launch the campaign" in confirm
    assert not CampaignEntry.objects.filter(campaign=campaign).exists()

    answer = manager_client.post(url, follow=True)

    assert "Launched: 40 members entered the campaign." in answer.content.decode()
    entries = CampaignEntry.objects.filter(campaign=campaign)
    assert entries.count() == 40
    assert 0 < entries.filter(variant__isnull=True).count() < 12  # about 10% held out
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING

    again = manager_client.post(url, follow=True).content.decode()
    assert "This campaign was launched already." in again
    assert entries.count() == 40


def test_the_results_show_every_group_and_a_verdict(manager_client, merchant_a, forty_members):
    manager_client.post(NEW, FORM)
    campaign = Campaign.objects.for_merchant(merchant_a).get()
    manager_client.post(f"/portal/campaigns/{campaign.pk}/launch/")

    html = manager_client.get(f"/portal/campaigns/{campaign.pk}/").content.decode()

    assert "Results" in html and "Variant A" in html and "Variant B" in html
    assert "Holdout" in html
    assert "Change it, or wait." in html  # nobody bought: no difference yet
    assert '<svg class="chart chart-bars"' in html


def test_the_hub_lists_campaigns_or_says_how_to_start(manager_client, merchant_a, forty_members):
    assert "No campaigns yet." in manager_client.get("/portal/campaigns/").content.decode()

    manager_client.post(NEW, FORM)
    manager_client.post(NEW, {**FORM, "name": "Winter warmers"})

    spring = Campaign.objects.for_merchant(merchant_a).get(name="Spring comeback")
    enter(spring, [m.pk for m in forty_members[:3]])

    html = manager_client.get("/portal/campaigns/").content.decode()
    assert "Spring comeback" in html and "Draft" in html
    assert html.index("Winter warmers") < html.index("Spring comeback")  # newest first
    rows = html.split("<tr")
    spring_row = next(row for row in rows if "Spring comeback" in row)
    winter_row = next(row for row in rows if "Winter warmers" in row)
    assert '<td class="num">3</td>' in spring_row and '<td class="num">0</td>' in winter_row


def test_cashiers_and_other_merchants_cannot_see_campaigns(
    manager_client, cashier_client, client, owner_b, merchant_b, merchant_a, forty_members
):
    manager_client.post(NEW, FORM)
    campaign = Campaign.objects.for_merchant(merchant_a).get()

    assert cashier_client.get(NEW).status_code == 403
    client.force_login(owner_b)
    assert client.get(f"/portal/campaigns/{campaign.pk}/").status_code == 404
    assert client.post(f"/portal/campaigns/{campaign.pk}/launch/").status_code == 404


def test_each_variants_words_become_a_message_template(manager_client, merchant_a):
    manager_client.post(NEW, FORM)

    names = list(
        MessageTemplate.objects.for_merchant(merchant_a)
        .order_by("name")
        .values_list("name", flat=True)
    )
    assert names == ["Spring comeback · A", "Spring comeback · B"]


def test_an_unknown_variable_is_named_and_nothing_saved(manager_client, merchant_a):
    html = manager_client.post(NEW, {**FORM, "a_body": "Hello {{ nickname }}"}).content.decode()

    assert "nickname" in html
    assert not Campaign.objects.for_merchant(merchant_a).exists()


def test_a_variant_can_give_a_voucher_for_a_reward(manager_client, merchant_a, forty_members):
    coffee = Reward.objects.for_merchant(merchant_a).live().order_by("points_cost").first()

    manager_client.post(NEW, {**FORM, "b_reward": str(coffee.pk)})

    campaign = Campaign.objects.for_merchant(merchant_a).get()
    steps = list(campaign.variants.get(name="B").steps.values_list("action", "reward_id"))
    assert steps == [("message", None), ("bonus_points", None), ("voucher", coffee.pk)]
    html = manager_client.get(f"/portal/campaigns/{campaign.pk}/").content.decode()
    assert coffee.name in html


def test_a_welcome_series_is_built_step_by_step_on_a_draft(manager_client, merchant_a):
    manager_client.post(NEW, {**FORM, "kind": "automation", "trigger": "joined", "test_b": ""})
    campaign = Campaign.objects.for_merchant(merchant_a).get()
    variant = campaign.variants.get()
    new = f"/portal/campaigns/{campaign.pk}/variants/{variant.pk}/steps/new/"

    second = {
        "delay_days": "3",
        "action": "message",
        "channel": "in_app",
        "subject": "Hi",
        "body": "Your first reward is near, {{ first_name }}.",
    }
    manager_client.post(new, second)
    manager_client.post(new, {"delay_days": "10", "action": "bonus_points", "bonus_points": "50"})
    bad = manager_client.post(new, {"delay_days": "1", "action": "voucher"}).content.decode()

    assert "Choose the reward the voucher is for." in bad
    steps = list(variant.steps.values_list("position", "delay_days", "action"))
    assert steps == [(1, 0, "message"), (2, 3, "message"), (3, 10, "bonus_points")]
    middle = variant.steps.get(position=2)
    remove = f"/portal/campaigns/{campaign.pk}/steps/{middle.pk}/delete/"
    assert "Remove step 2 of variant A?" in manager_client.get(remove).content.decode()
    manager_client.post(remove)
    assert list(variant.steps.values_list("position", "action")) == [
        (1, "message"),
        (2, "bonus_points"),
    ]


def test_a_launched_campaigns_steps_no_longer_change(manager_client, merchant_a, forty_members):
    manager_client.post(NEW, FORM)
    campaign = Campaign.objects.for_merchant(merchant_a).get()
    manager_client.post(f"/portal/campaigns/{campaign.pk}/launch/")
    variant = campaign.variants.get(name="A")
    new = f"/portal/campaigns/{campaign.pk}/variants/{variant.pk}/steps/new/"

    answer = manager_client.post(
        new, {"delay_days": "1", "action": "bonus_points", "bonus_points": "5"}, follow=True
    )

    assert "A launched campaign&#x27;s steps can no longer change." in answer.content.decode()
    assert variant.steps.count() == 1


def test_a_broadcast_set_for_later_is_scheduled_and_goes_out_then(
    manager_client, merchant_a, forty_members
):
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        manager_client.post(NEW, {**FORM, "scheduled_at": "2026-03-03T10:00"})
        campaign = Campaign.objects.for_merchant(merchant_a).get()
        answer = manager_client.post(f"/portal/campaigns/{campaign.pk}/launch/", follow=True)
        assert "Scheduled: it goes out at the time you set." in answer.content.decode()
        run_campaigns()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED and not campaign.entries.exists()
    # 10:00 in Bucharest is 08:00 UTC.
    assert campaign.scheduled_at.isoformat() == "2026-03-03T08:00:00+00:00"

    with time_machine.travel("2026-03-03 08:01:00+00:00", tick=False):
        run_campaigns()

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING and campaign.entries.count() == 40
