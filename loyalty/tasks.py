"""django-q2 entry points: thin wrappers over the services, each idempotent."""

import logging

from django.db import transaction
from django.utils import timezone

from loyalty import ratelimit
from loyalty.analytics import cohorts, rollups
from loyalty.analytics.scores import score_all_merchants
from loyalty.events import consumers_of, draining_batch
from loyalty.models.points import Event
from loyalty.points import balances, jobs
from members.services.profile import apply_pending_birthdays

logger = logging.getLogger(__name__)


def drain_outbox(batch: int = 500) -> int:
    """Hand unprocessed events to their consumers, oldest first. Returns how many it handled.

    Rows are claimed with SKIP LOCKED on PostgreSQL, so several workers can drain at once; an
    event whose consumer fails stays unprocessed and is tried again on the next run.
    """
    handled = 0
    while True:
        with transaction.atomic():
            events = list(
                Event.objects.select_for_update(skip_locked=True)
                .filter(processed_at__isnull=True)
                .order_by("id")[:batch]
            )
            if not events:
                return handled
            done = []
            with draining_batch() as batch_keys:
                for event in events:
                    keys_before = set(batch_keys)
                    try:
                        with transaction.atomic():
                            for consumer in consumers_of(event.type):
                                consumer(event)
                    except Exception:  # one bad event must not stop the others
                        logger.exception("outbox: consumer failed for event %s", event.pk)
                        # What its consumers did was rolled back: let the next event redo it.
                        batch_keys.intersection_update(keys_before)
                        continue
                    done.append(event.pk)
            Event.objects.filter(pk__in=done).update(processed_at=timezone.now())
            handled += len(done)
            if len(events) < batch or not done:
                return handled


def release_pending_points() -> int:
    return jobs.release_pending_points()


def expire_points() -> int:
    return jobs.expire_points()


def reevaluate_tiers() -> int:
    return jobs.reevaluate_tiers()


def award_birthday_bonuses() -> int:
    # A changed birthday whose waiting time is over counts from today's run on.
    apply_pending_birthdays()
    return jobs.award_birthday_bonuses()


def prune_rate_counters() -> int:
    """Daily: forget the rate limits' counters of windows that ended."""
    return ratelimit.prune()


def score_clv() -> int:
    """Nightly: fit the CLV models per merchant and store every member's score."""
    return score_all_merchants()


def rebuild_daily_stats() -> int:
    """Nightly: every merchant's statistics of yesterday and today, recomputed from raw rows."""
    return rollups.rebuild_recent()


def count_balances() -> int:
    """Nightly: every merchant's members' balances counted (the liability's outstanding
    points), for the changes no outbox event recounts (expiry, adjustments, tier jobs)."""
    return balances.count_all_merchants()


def rebuild_cohorts() -> int:
    """Nightly: every merchant's monthly cohorts, recomputed from the purchases."""
    return cohorts.rebuild_all_cohorts()
