"""The demo has two years of history: the old till's year through the purchase history import,
the program's year through the engine with the nightly jobs on their days, the daily statistics
rebuilt over both with the monthly cohorts, and CLV scores whose "at risk" list names demo
members who stopped coming.

One seed of a smaller demo (the CLV fit needs some hundred customers), checked from every side.
"""

from datetime import timedelta

import pytest
from django.db.models import F, Min
from django.utils import timezone

from loyalty.analytics.liability import monthly_figures
from loyalty.analytics.scores import at_risk
from loyalty.clock import local_today
from loyalty.demo.points import LAUNCH_DAYS
from loyalty.demo.seed import seed_demo
from loyalty.models import CohortStat, DailyStat, EntryKind, Merchant, PointsEntry, Purchase
from members.models import MemberSource
from tests.loyalty.points.helpers import assert_reconciled

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch) -> Merchant:
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 160)
    merchant, created = seed_demo()
    assert created
    return merchant


def _month(day) -> tuple[int, int]:
    return (day.year, day.month)


def test_the_demo_has_two_years_of_history_statistics_liability_and_members_at_risk(demo):
    merchant = demo
    today = local_today(merchant)
    tz = merchant.tzinfo
    purchases = Purchase.objects.for_merchant(merchant)
    first = purchases.aggregate(at=Min("occurred_at"))["at"].astimezone(tz).date()
    # Two years: the first purchase of the old till is about 730 days ago.
    assert 700 <= (today - first).days <= 730

    # The year before the launch came in through the history import: no points, and its
    # customers are imported members who hold the old till's id as their reference.
    launch = today - timedelta(days=LAUNCH_DAYS)
    old_till = purchases.filter(occurred_at__date__lt=launch - timedelta(days=1))
    assert old_till.count() > 100
    assert not PointsEntry.objects.filter(purchase__in=old_till).exists()
    assert set(old_till.values_list("member__source", flat=True)) == {MemberSource.IMPORT}
    assert all(
        ref.startswith("AROMA-")
        for ref in old_till.values_list("member__external_ref", flat=True).distinct()
    )
    # Since the launch, sales earned points at their own moment.
    earned = PointsEntry.objects.filter(merchant=merchant, kind=EntryKind.EARN)
    assert earned.filter(created_at__lt=timezone.now() - timedelta(days=300)).exists()

    # Cohorts of many months: members' first purchases fall in most of the 24 months.
    firsts = (
        purchases.filter(member__isnull=False)
        .values("member")
        .annotate(first=Min("occurred_at"))
        .values_list("first", flat=True)
    )
    assert len({_month(at.astimezone(tz)) for at in firsts}) >= 20
    # ...and the stored cohorts (rebuilt by the seed) thin out: a year on, fewer still come.
    cohorts = CohortStat.objects.filter(merchant=merchant)
    assert cohorts.filter(offset=0).count() >= 20
    year_on = cohorts.filter(offset=12)
    assert year_on.exists()
    assert sum(row.members for row in year_on) < sum(row.size for row in year_on) / 2

    # The daily statistics cover the whole history, one total row a day from the first day.
    totals = DailyStat.objects.filter(merchant=merchant, shop__isnull=True)
    assert totals.aggregate(first=Min("day"))["first"] == first
    assert totals.count() == (today - first).days + 1
    counted = purchases.filter(
        member__isnull=False, reversed_at__isnull=True, refunded_amount__lt=F("amount")
    )
    assert sum(row.sales_members for row in totals) == counted.count()

    # The liability has a past: points redeemed and expired in several months before this one,
    # as its monthly roll-forward reads them.
    months = monthly_figures(merchant, today)
    past = [figures for month, figures in months.items() if _month(month) != _month(today)]
    assert sum(1 for figures in past if figures["redeemed"]) >= 3
    assert sum(1 for figures in past if figures["expired"]) >= 3
    assert sum(1 for figures in past if figures["issued"]) >= 11

    # At risk: named demo members who bought often and stopped coming months ago.
    risky = list(at_risk(merchant))
    assert risky
    for member in risky:
        assert member.first_name and member.last_name
        assert member.purchase_count >= 2
        assert member.score.p_alive < 0.5
    assert any(member.last_purchase_at < timezone.now() - timedelta(days=60) for member in risky)

    assert_reconciled(merchant)
