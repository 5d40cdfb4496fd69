"""Over random histories in time zones far from UTC, with sales clustered around local month
ends, reversals and refunds, the cohort rows equal the same figures computed here in Python
from the raw purchases."""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.analytics.cohorts import month_offset, rebuild_cohorts
from loyalty.models import CohortStat, Purchase
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase, reverse_purchase
from members.services.enrolment import enrol_member

pytestmark = pytest.mark.django_db


def expected_from_raw(merchant) -> dict[tuple[date, int], tuple[int, int]]:
    tz = merchant.tzinfo
    months: dict[int, set[date]] = defaultdict(set)
    for purchase in Purchase.objects.for_merchant(merchant).filter(member__isnull=False):
        if purchase.reversed_at is None and purchase.refunded_amount < purchase.amount:
            local = purchase.occurred_at.astimezone(tz)
            months[purchase.member_id].add(date(local.year, local.month, 1))
    counts: dict[tuple[date, int], int] = defaultdict(int)
    for bought in months.values():
        cohort = min(bought)
        for month in bought:
            counts[(cohort, month_offset(cohort, month))] += 1
    return {key: (members, counts[(key[0], 0)]) for key, members in counts.items() if members}


def random_history(merchant, shop, owner, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    members = [enrol_member(merchant=merchant, email=f"r{n}@example.com") for n in range(25)]
    for n in range(90):
        # Around a month's end in UTC: within 14 hours of midnight on the 1st.
        month = rng.randint(0, 14)
        first = datetime(2025 + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        moment = max(start, first + timedelta(minutes=rng.randint(-14 * 60, 14 * 60)))
        member = rng.choice([*members, None])
        amount = Decimal(rng.randint(300, 4000)) / 100
        purchase = record_purchase(
            shop=shop, member=member, external_id=f"R{n}", amount=amount, occurred_at=moment
        ).purchase
        fate = rng.random()
        if fate < 0.1:
            reverse_purchase(purchase=purchase, actor=owner, reason="mistake")
        elif fate < 0.2:
            refund_purchase(purchase=purchase, external_id=f"F{n}", amount=amount)
        elif fate < 0.3:
            half = (amount / 2).quantize(Decimal("0.01"))
            refund_purchase(purchase=purchase, external_id=f"F{n}", amount=half)


@pytest.mark.parametrize(
    ("zone", "seed"), [("Pacific/Auckland", 1), ("America/Los_Angeles", 2), ("Asia/Kolkata", 3)]
)
def test_cohorts_equal_the_raw_purchases(merchant_a, shop_a, owner_a, zone, seed):
    merchant_a.timezone = zone
    merchant_a.save(update_fields=["timezone"])
    random_history(merchant_a, shop_a, owner_a, seed)

    rebuild_cohorts(merchant_a)

    got = {
        (row.cohort, row.offset): (row.members, row.size)
        for row in CohortStat.objects.for_merchant(merchant_a)
    }
    assert got == expected_from_raw(merchant_a)
    assert len(got) > 5
