"""Over random small populations (ties, sales near local midnight, reversed and refunded sales,
sales after the day scored, members without a counted sale), the scores and segments the SQL
stores equal a brute-force computation here in Python from the same purchases."""

import itertools
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import MemberRfm, RfmSegmentCount
from campaigns.segments.rfm import recompute_rfm, segment_of
from loyalty.models import Purchase
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 30)
STATES = ("counted", "counted", "reversed", "refunded", "part")
_receipts = itertools.count(1)

purchases = st.lists(
    st.tuples(
        st.integers(min_value=-2, max_value=40),  # local days before DAY (negative: after it)
        st.sampled_from([0, 1, 12, 23]),  # local hour
        st.sampled_from([Decimal("5.00"), Decimal("12.50"), Decimal("40.00")]),
        st.sampled_from(STATES),
    ),
    max_size=4,
)
populations = st.lists(purchases, min_size=1, max_size=12)


def brute_force(rows: list[tuple[int, date, int, Decimal]]) -> dict[int, tuple]:
    """{member: (recency days, frequency, monetary, (R, F, M), segment)}: a score is
    1 + floor(5 * (members strictly below) / n)."""
    n = len(rows)

    def score(values: list, value) -> int:
        return 1 + 5 * sum(1 for other in values if other < value) // n

    days = [row[1] for row in rows]
    counts = [row[2] for row in rows]
    spends = [row[3] for row in rows]
    found = {}
    for member, last, frequency, monetary in rows:
        r, f, m = score(days, last), score(counts, frequency), score(spends, monetary)
        found[member] = ((DAY - last).days, frequency, monetary, (r, f, m), segment_of(r, f, m))
    return found


def create(merchant, shop, population) -> list[tuple[int, date, int, Decimal]]:
    """Write the purchases; return what counts per member as of DAY (member, last local day,
    purchases, net spend)."""
    tz = merchant.tzinfo
    expected = []
    for sales in population:
        member = MemberFactory(merchant=merchant)
        counted = []
        for days_before, hour, amount, state in sales:
            local_day = DAY - timedelta(days=days_before)
            refunded = {"refunded": amount, "part": Decimal("2.50")}.get(state, Decimal(0))
            Purchase.objects.create(
                merchant=merchant,
                shop=shop,
                member=member,
                external_id=f"P{next(_receipts)}",
                amount=amount,
                currency=merchant.currency,
                occurred_at=datetime.combine(local_day, time(hour, 30), tzinfo=tz),
                eligible_amount=amount,
                refunded_amount=refunded,
                reversed_at=timezone.now() if state == "reversed" else None,
            )
            if state != "reversed" and state != "refunded" and days_before >= 0:
                counted.append((local_day, amount - refunded))
        if counted:
            spend = sum((net for _day, net in counted), Decimal(0))
            expected.append((member.pk, max(day for day, _net in counted), len(counted), spend))
    return expected


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(population=populations)
def test_the_sql_scores_equal_a_brute_force_computation(merchant_a, shop_a, population):
    Purchase.objects.filter(merchant=merchant_a).delete()
    Member.objects.filter(merchant=merchant_a).delete()
    expected = brute_force(create(merchant_a, shop_a, population))

    assert recompute_rfm(merchant_a, DAY) == len(expected)

    stored = {
        row.member_id: (
            row.recency_days,
            row.frequency,
            row.monetary,
            (row.recency_score, row.frequency_score, row.monetary_score),
            row.segment,
        )
        for row in MemberRfm.objects.for_merchant(merchant_a)
    }
    assert stored == expected
    counts = RfmSegmentCount.objects.for_merchant(merchant_a).filter(day=DAY)
    assert dict(counts.values_list("segment", "members")) == dict(
        Counter(row[4] for row in expected.values())
    )
