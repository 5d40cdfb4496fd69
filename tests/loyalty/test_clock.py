"""The merchant's clock: days and periods begin at the merchant's midnight, across DST."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from loyalty.clock import DAY, MONTH, WEEK, YEAR, day_span, local_today, midnight, period_start

BUCHAREST = ZoneInfo("Europe/Bucharest")


def test_today_is_the_merchants_date_not_utcs(merchant_a):
    merchant_a.timezone = "Europe/Bucharest"
    just_after_local_midnight = datetime(2026, 3, 31, 21, 30, tzinfo=UTC)  # 00:30 on 1 April

    assert local_today(merchant_a, just_after_local_midnight) == date(2026, 4, 1)


@pytest.mark.parametrize(
    ("period", "start"),
    [
        (DAY, datetime(2026, 7, 15, tzinfo=BUCHAREST)),
        (WEEK, datetime(2026, 7, 13, tzinfo=BUCHAREST)),  # the Monday
        (MONTH, datetime(2026, 7, 1, tzinfo=BUCHAREST)),
        (YEAR, datetime(2026, 1, 1, tzinfo=BUCHAREST)),  # winter time, not summer's offset
        ("ever", None),
    ],
)
def test_a_period_starts_at_the_local_midnight(period, start):
    now = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)

    assert period_start(period, now, BUCHAREST) == start


def test_a_year_starts_at_midnight_even_from_summer_time():
    start = period_start(YEAR, datetime(2026, 7, 15, 9, 0, tzinfo=UTC), BUCHAREST)

    assert start.astimezone(UTC) == datetime(2025, 12, 31, 22, 0, tzinfo=UTC)


def test_a_span_of_days_ends_at_the_midnight_after_the_last_day():
    start, end = day_span(date(2026, 3, 28), date(2026, 3, 29), BUCHAREST)  # DST starts 29th

    assert start == midnight(date(2026, 3, 28), BUCHAREST)
    assert end.astimezone(UTC) == datetime(2026, 3, 29, 21, 0, tzinfo=UTC)  # 00:00 EEST
