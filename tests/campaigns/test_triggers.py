"""What starts an automation: outbox events as they are drained, and the nightly pass; once per
occasion, only for running automations of the member's merchant and its audience."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.automations.triggers import enter_scheduled, enter_scheduled_everywhere
from campaigns.models import (
    Campaign,
    CampaignEntry,
    CampaignKind,
    CampaignStatus,
    Trigger,
    Variant,
)
from loyalty import tasks
from members.models import MemberStatus
from members.services.enrolment import enrol_member
from rewards.models import Reward
from tests.loyalty.points.helpers import configure, ring

pytestmark = pytest.mark.django_db


def automation(merchant, trigger, *, status=CampaignStatus.RUNNING, days=None) -> Campaign:
    launched = datetime(2020, 1, 1, tzinfo=merchant.tzinfo) if status == "running" else None
    campaign = Campaign.objects.create(
        launched_at=launched,
        merchant=merchant,
        name=f"{trigger} automation",
        kind=CampaignKind.AUTOMATION,
        trigger=trigger,
        trigger_days=days,
        status=status,
        holdout_percent=0,
    )
    Variant.objects.create(merchant=merchant, campaign=campaign, name="A")
    return campaign


def entries(campaign):
    return list(
        CampaignEntry.objects.filter(campaign=campaign)
        .order_by("pk")
        .values_list("member__email", "occasion")
    )


def test_joining_starts_the_welcome_series_once(merchant_a, merchant_b):
    welcome = automation(merchant_a, Trigger.JOINED)
    draft = automation(merchant_a, Trigger.JOINED, status=CampaignStatus.DRAFT)
    other = automation(merchant_b, Trigger.JOINED)

    enrol_member(merchant=merchant_a, email="ana@example.com")
    tasks.drain_outbox()
    tasks.drain_outbox()

    assert entries(welcome) == [("ana@example.com", "")]
    assert entries(draft) == [] and entries(other) == []


def test_the_first_purchase_starts_its_automation_and_the_second_does_not(merchant_a, shop_a):
    first = automation(merchant_a, Trigger.FIRST_PURCHASE)
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")

    ring(shop_a, ana, "10.00")
    tasks.drain_outbox()
    ring(shop_a, ana, "12.00")
    tasks.drain_outbox()

    assert entries(first) == [("ana@example.com", "")]


def test_a_sale_that_reaches_a_rewards_cost_says_which_reward(merchant_a, shop_a):
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    Reward.objects.for_merchant(merchant_a).update(active=False)
    cake = Reward.objects.create(merchant=merchant_a, name="Cake", points_cost=100)
    reachable = automation(merchant_a, Trigger.REWARD_REACHABLE)
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")

    ring(shop_a, ana, "90.00")  # 90 points: not yet
    tasks.drain_outbox()
    assert entries(reachable) == []
    ring(shop_a, ana, "20.00")  # 110: the cake is within reach
    ring(shop_a, ana, "20.00")  # 130: still the cake, no second entry
    tasks.drain_outbox()

    assert entries(reachable) == [("ana@example.com", f"reward:{cake.pk}")]


def test_a_blocked_member_does_not_enter(merchant_a):
    welcome = automation(merchant_a, Trigger.JOINED)
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    ana.status = MemberStatus.BLOCKED
    ana.save(update_fields=["status"])

    tasks.drain_outbox()

    assert entries(welcome) == []


def test_a_lapse_of_exactly_n_days_starts_the_win_back(merchant_a, shop_a):
    win_back = automation(merchant_a, Trigger.NO_PURCHASE, days=30)
    tz = merchant_a.tzinfo
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    bob = enrol_member(merchant=merchant_a, email="bob@example.com")
    with time_machine.travel(datetime(2026, 2, 1, 23, 30, tzinfo=tz), tick=False):
        ring(shop_a, ana, "10.00")  # late on 1 February, local
    with time_machine.travel(datetime(2026, 2, 2, 9, 0, tzinfo=tz), tick=False):
        ring(shop_a, bob, "10.00")

    night = datetime(2026, 3, 3, 2, 0, tzinfo=tz)  # 30 days after 1 February
    assert enter_scheduled(merchant_a, night) == 1
    assert enter_scheduled(merchant_a, night) == 0

    assert entries(win_back) == [("ana@example.com", "lapse:2026-02-01")]
    assert enter_scheduled(merchant_a, night + timedelta(days=1)) == 1  # Bob's turn


def test_birthdays_enter_once_a_year(merchant_a):
    birthday = automation(merchant_a, Trigger.BIRTHDAY)
    tz = merchant_a.tzinfo
    enrol_member(merchant=merchant_a, email="ana@example.com", birthday="1990-03-02")
    enrol_member(merchant=merchant_a, email="bob@example.com", birthday="1990-03-03")

    enter_scheduled(merchant_a, datetime(2026, 3, 2, 2, 0, tzinfo=tz))
    enter_scheduled(merchant_a, datetime(2026, 3, 2, 23, 0, tzinfo=tz))
    enter_scheduled(merchant_a, datetime(2027, 3, 2, 2, 0, tzinfo=tz))

    assert entries(birthday) == [("ana@example.com", "2026"), ("ana@example.com", "2027")]


def test_the_anniversary_of_joining_in_the_merchants_time_zone(merchant_a):
    anniversary = automation(merchant_a, Trigger.ANNIVERSARY)
    tz = merchant_a.tzinfo
    # 00:30 on 2 March in Bucharest is still 1 March in UTC.
    enrol_member(
        merchant=merchant_a,
        email="ana@example.com",
        joined_at=datetime(2025, 3, 2, 0, 30, tzinfo=tz),
    )
    enrol_member(
        merchant=merchant_a,
        email="new@example.com",
        joined_at=datetime(2026, 3, 2, 0, 30, tzinfo=tz),
    )

    assert enter_scheduled_everywhere(datetime(2026, 3, 2, 3, 0, tzinfo=tz)) == 1

    assert entries(anniversary) == [("ana@example.com", "2026")]


def test_events_from_before_the_automation_started_enter_nobody(merchant_a):
    enrol_member(merchant=merchant_a, email="ana@example.com")  # joined, not drained yet
    welcome = automation(merchant_a, Trigger.JOINED)
    welcome.launched_at = timezone.now()
    welcome.save(update_fields=["launched_at"])

    tasks.drain_outbox()

    assert entries(welcome) == []


def test_a_batch_of_joins_reads_the_running_automations_once(merchant_a):
    welcome = automation(merchant_a, Trigger.JOINED)
    for n in range(5):
        enrol_member(merchant=merchant_a, email=f"member{n}@example.com")

    with CaptureQueriesContext(connection) as queries:
        tasks.drain_outbox()

    reads = [q["sql"] for q in queries.captured_queries if 'FROM "campaigns_campaign"' in q["sql"]]
    assert len(reads) == 1
    assert len(entries(welcome)) == 5
