"""loyalty.ratelimit: a hit counter that holds under real concurrency and per window."""

import pytest
import time_machine

from loyalty import ratelimit
from tests.loyalty.points.test_concurrency import run_together

WINDOW = 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_hits_at_once_are_counted_thirty_times():
    with time_machine.travel("2025-06-01 10:00:05+00:00", tick=False):
        counts = run_together([lambda: ratelimit.hit("t:race", WINDOW) for _n in range(30)])

        assert sorted(counts) == list(range(1, 31)), counts
        assert ratelimit.count("t:race", WINDOW) == 30


@pytest.mark.django_db
def test_a_new_window_starts_from_zero():
    with time_machine.travel("2025-06-01 10:00:05+00:00", tick=False) as clock:
        assert [ratelimit.hit("t:win", WINDOW) for _n in range(3)] == [1, 2, 3]
        clock.shift(WINDOW)

        assert ratelimit.count("t:win", WINDOW) == 0
        assert ratelimit.hit("t:win", WINDOW) == 1


@pytest.mark.django_db
def test_keys_are_counted_apart():
    ratelimit.hit("t:one", WINDOW)
    ratelimit.hit("t:one", WINDOW)

    assert ratelimit.hit("t:two", WINDOW) == 1
    assert ratelimit.count("t:one", WINDOW) == 2


@pytest.mark.django_db
def test_a_released_hit_no_longer_counts_and_never_goes_below_zero():
    with time_machine.travel("2025-06-01 10:00:05+00:00", tick=False):
        first = ratelimit.take("t:rel", WINDOW)
        second = ratelimit.take("t:rel", WINDOW)
        assert second.count == 2
        second.release()
        first.release()
        first.release()

        assert ratelimit.count("t:rel", WINDOW) == 0


@pytest.mark.django_db
def test_a_release_after_the_window_leaves_the_new_window_alone():
    with time_machine.travel("2025-06-01 10:00:05+00:00", tick=False) as clock:
        old = ratelimit.take("t:late", WINDOW)
        clock.shift(WINDOW)
        ratelimit.hit("t:late", WINDOW)
        old.release()

        assert ratelimit.count("t:late", WINDOW) == 1


@pytest.mark.django_db
def test_a_very_long_key_is_still_counted():
    key = "t:" + "x" * 1000

    assert [ratelimit.hit(key, WINDOW) for _n in range(2)] == [1, 2]


@pytest.mark.django_db
def test_the_daily_prune_forgets_windows_that_ended():
    from loyalty.models import RateCounter
    from loyalty.tasks import prune_rate_counters

    with time_machine.travel("2025-06-01 10:00:05+00:00", tick=False) as clock:
        ratelimit.hit("t:old", WINDOW)
        ratelimit.hit("t:long", 24 * 3600)
        clock.shift(2 * WINDOW)
        ratelimit.hit("t:new", WINDOW)

        assert prune_rate_counters() == 1
        assert set(RateCounter.objects.values_list("key", flat=True)) == {"t:long", "t:new"}


@pytest.mark.django_db
def test_the_prune_runs_daily():
    from django_q.models import Schedule

    from loyalty.schedules import sync_schedules

    sync_schedules()
    schedule = Schedule.objects.get(func="loyalty.tasks.prune_rate_counters")
    assert schedule.schedule_type == Schedule.DAILY
