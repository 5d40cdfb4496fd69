from datetime import timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone
from django_q.models import Schedule

from loyalty import events, tasks
from loyalty.models import Event
from loyalty.points.purchases import record_purchase
from members.services.enrolment import enrol_member


def test_every_points_job_has_a_schedule(db):
    functions = set(Schedule.objects.values_list("func", flat=True))
    assert {
        "loyalty.tasks.drain_outbox",
        "loyalty.tasks.release_pending_points",
        "loyalty.tasks.expire_points",
        "loyalty.tasks.reevaluate_tiers",
        "loyalty.tasks.award_birthday_bonuses",
    } <= functions


def test_drain_outbox_hands_each_event_to_its_consumers_once(merchant_a, shop_a, monkeypatch):
    seen = []
    # Only this test's consumer, for the test's length: the real ones (webhooks) come back after.
    monkeypatch.setitem(events.CONSUMERS, "purchase.recorded", [])
    events.register_consumer("purchase.recorded", lambda event: seen.append(event.pk))
    member = enrol_member(merchant=merchant_a, email="drain@example.com")
    record_purchase(shop=shop_a, member=member, external_id="D1", amount=Decimal("9"))
    handled = tasks.drain_outbox()
    assert handled == Event.objects.count()
    assert len(seen) == 1
    assert tasks.drain_outbox() == 0  # safe to run twice: nothing is handed on again
    assert len(seen) == 1


def test_a_failing_consumer_leaves_its_event_for_the_next_run(merchant_a, shop_a, monkeypatch):
    calls = []

    def flaky(event):
        calls.append(event.pk)
        if len(calls) == 1:
            raise RuntimeError("webhook down")

    monkeypatch.setitem(events.CONSUMERS, "purchase.recorded", [])
    events.register_consumer("purchase.recorded", flaky)
    member = enrol_member(merchant=merchant_a, email="flaky@example.com")
    record_purchase(shop=shop_a, member=member, external_id="D2", amount=Decimal("9"))
    tasks.drain_outbox()
    event = Event.objects.get(type="purchase.recorded")
    assert event.processed_at is None
    tasks.drain_outbox()
    event.refresh_from_db()
    assert event.processed_at is not None
    assert calls == [event.pk, event.pk]


def test_the_release_job_makes_pending_points_spendable_once_their_day_comes(merchant_a, shop_a):
    program = merchant_a.program
    program.pending_days = 3
    program.save()
    member = enrol_member(merchant=merchant_a, email="wait@example.com")
    record_purchase(shop=shop_a, member=member, external_id="P1", amount=Decimal("40"))
    assert tasks.release_pending_points() == 0  # not yet
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert tasks.release_pending_points() == 1
        assert tasks.release_pending_points() == 0  # safe to run twice
    member.refresh_from_db()
    assert (member.points_balance, member.pending_points) == (40, 0)
