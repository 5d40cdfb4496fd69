"""The outbox keeps the daily statistics current with one rebuild per day and drained batch:
many sales of a day rebuild it once, and every one of them is counted; an event whose
consumers fail leaves the day for the next event to rebuild."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty import events, tasks
from loyalty.analytics.consumer import rebuild_days_of
from loyalty.clock import local_today
from loyalty.models import DailyStat
from loyalty.points.purchases import record_purchase
from members.services.enrolment import enrol_member

pytestmark = pytest.mark.django_db


def rebuilds(queries) -> int:
    """The rebuilds in a run: each replaces the day's rows with one DELETE."""
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].startswith("DELETE") and "loyalty_dailystat" in query["sql"]
    )


def total_today(merchant) -> DailyStat:
    return DailyStat.objects.get(merchant=merchant, shop=None, day=local_today(merchant))


def test_a_batch_of_sales_of_one_day_rebuilds_it_once_and_counts_them_all(merchant_a, shop_a):
    member = enrol_member(merchant=merchant_a, email="batch@example.com")
    for n in range(6):
        record_purchase(shop=shop_a, member=member, external_id=f"B{n}", amount=Decimal("10"))

    with CaptureQueriesContext(connection) as queries:
        tasks.drain_outbox()

    # Seven events (one joining, six sales), all of today: one rebuild.
    assert rebuilds(queries) == 1
    day = total_today(merchant_a)
    assert (day.sales_members, day.revenue_members, day.new_members) == (6, Decimal("60.00"), 1)


def test_outside_a_drain_every_event_rebuilds(merchant_a, shop_a):
    member = enrol_member(merchant=merchant_a, email="alone@example.com")
    record_purchase(shop=shop_a, member=member, external_id="C1", amount=Decimal("5"))
    event = events.Event.objects.get(merchant=merchant_a, type="purchase.recorded")
    with CaptureQueriesContext(connection) as queries:
        rebuild_days_of(event)
        rebuild_days_of(event)
    assert rebuilds(queries) == 2


def test_an_event_whose_consumers_failed_leaves_the_day_to_the_next(
    merchant_a, shop_a, monkeypatch
):
    member = enrol_member(merchant=merchant_a, email="fail@example.com")
    record_purchase(shop=shop_a, member=member, external_id="F1", amount=Decimal("7"))
    record_purchase(shop=shop_a, member=member, external_id="F2", amount=Decimal("8"))
    first = events.Event.objects.filter(merchant=merchant_a, type="purchase.recorded")
    first_pk = first.order_by("pk").values_list("pk", flat=True)[0]

    def fails_after_the_rebuild(event):
        if event.pk == first_pk:
            raise RuntimeError("a webhook consumer broke")

    # The statistics' consumer first, then one that fails for the first sale only: the first
    # sale's rebuild is rolled back with it, so the second sale must rebuild the day again.
    monkeypatch.setitem(
        events.CONSUMERS, "purchase.recorded", [rebuild_days_of, fails_after_the_rebuild]
    )
    monkeypatch.setitem(events.CONSUMERS, "member.joined", [])
    tasks.drain_outbox()

    day = total_today(merchant_a)
    assert (day.sales_members, day.revenue_members) == (2, Decimal("15.00"))
    assert events.Event.objects.get(pk=first_pk).processed_at is None
