"""The monthly recap: segments that moved, the campaigns of the month, and three suggestions
ranked by an expected value worked out here by hand."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from campaigns.automations.recap import recap
from campaigns.automations.recap_mail import send_recap
from campaigns.models import Campaign, CampaignKind, CampaignStatus, RfmSegmentCount
from members.models import Member, MemberScore
from members.services.enrolment import enrol_member
from rewards.models import Reward

pytestmark = pytest.mark.django_db
URL = "/portal/campaigns/recap/"


@pytest.fixture
def march(merchant_a):
    """Four members with 400.00 over 20 visits (a 20.00 basket); two flagged at risk; one
    with 150 points, enough for the cheapest reward (100); "About to sleep" grew from 10 to
    14 and "At risk" from 5 to 8 over March."""
    people = [enrol_member(merchant=merchant_a, email=f"p{n}@example.com") for n in range(4)]
    Member.objects.filter(pk__in=[p.pk for p in people]).update(
        lifetime_spend=Decimal("100.00"), purchase_count=5
    )
    Member.objects.filter(pk=people[0].pk).update(points_balance=150)
    for person in people[:2]:
        MemberScore.objects.create(
            merchant=merchant_a,
            member=person,
            as_of=date(2026, 3, 31),
            p_alive=0.2,
            expected_purchases_90d=0.5,
            predicted_value_90d=Decimal("5.00"),
            predicted_value_12m=Decimal("20.00"),
            at_risk=True,
        )
    Reward.objects.for_merchant(merchant_a).update(active=False)
    Reward.objects.create(merchant=merchant_a, name="Espresso", points_cost=100)
    for day, sleep, risk in ((date(2026, 2, 28), 10, 5), (date(2026, 3, 31), 14, 8)):
        for segment, members in (("about_to_sleep", sleep), ("at_risk", risk)):
            RfmSegmentCount.objects.create(
                merchant=merchant_a, day=day, segment=segment, members=members
            )
    Campaign.objects.create(
        merchant=merchant_a,
        name="March broadcast",
        kind=CampaignKind.BROADCAST,
        status=CampaignStatus.RUNNING,
        launched_at=datetime(2026, 3, 10, 9, 0, tzinfo=merchant_a.tzinfo),
    )
    Campaign.objects.create(
        merchant=merchant_a,
        name="April broadcast",
        kind=CampaignKind.BROADCAST,
        status=CampaignStatus.RUNNING,
        launched_at=datetime(2026, 4, 1, 0, 30, tzinfo=merchant_a.tzinfo),
    )
    return merchant_a


def test_segments_that_moved_most_come_first(march):
    moves = recap(march, date(2026, 3, 1)).segments

    assert [(m.segment, m.before, m.after, m.change) for m in moves] == [
        ("about_to_sleep", 10, 14, 4),
        ("at_risk", 5, 8, 3),
    ]


def test_the_campaigns_of_the_month_only(march):
    assert [r.campaign.name for r in recap(march, date(2026, 3, 1)).campaigns] == [
        "March broadcast"
    ]


def test_three_suggestions_by_expected_value(march):
    # Expected value = members x 0.03 (assumed: no measured lift yet) x 20.00 basket:
    # "About to sleep" 14 -> 8.40; at risk 2 -> 1.20; enough points for a reward 1 -> 0.60.
    answer = recap(march, date(2026, 3, 1))

    assert not answer.lift_measured and answer.average_basket == Decimal("20.00")
    assert [(s.title, s.expected_value) for s in answer.suggestions] == [
        ("Reach “About to sleep” before they drift", Decimal("8.40")),
        ("Win back the members at risk", Decimal("1.20")),
        ("Tell members what their points already buy", Decimal("0.60")),
    ]


def test_the_page_shows_the_recap_and_reads_the_month(manager_client, march):
    with time_machine.travel(datetime(2026, 4, 15, 12, 0, tzinfo=march.tzinfo), tick=False):
        html = manager_client.get(URL).content.decode()  # last month by default
        bad = manager_client.get(URL, {"month": "2026-13"}).content.decode()

    assert "Recap of March 2026" in html
    assert "Three things worth doing" in html and "about €8.40" in html
    assert "March broadcast" in html and "April broadcast" not in html
    assert "That month could not be read" in bad and "Recap of March 2026" in bad


def test_an_empty_month_says_what_to_do(manager_client, merchant_a):
    html = manager_client.get(URL).content.decode()

    assert "No campaign ran this month." in html
    assert "No segment counts yet" in html
    assert "Nothing stands out this month." in html


def test_cashiers_cannot_read_the_recap(cashier_client):
    assert cashier_client.get(URL).status_code == 403


def test_the_owners_get_the_recap_by_email_once_on_the_first(march, owner_a, smtp_server):
    first = datetime(2026, 4, 1, 7, 0, tzinfo=march.tzinfo)

    assert send_recap(march, first - timedelta(days=1)) is False  # not the first
    assert send_recap(march, first) is True
    assert send_recap(march, first + timedelta(hours=1)) is False  # once a month

    [email] = smtp_server.to(owner_a.email)
    body = email.get_content()
    assert email["Subject"] == f"{march.name}: your loyalty program in March 2026"
    assert "Reach “About to sleep” before they drift" in body
    assert "March broadcast" in body
    assert "/portal/campaigns/recap/?month=2026-03" in body
