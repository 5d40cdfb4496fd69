"""The period picker's periods and the periods they are compared with."""

from datetime import date, datetime

import pytest
import time_machine
from django.http import QueryDict

from loyalty.analytics.periods import Period, PeriodError, custom, period_from_request, preset

TODAY = date(2026, 5, 12)  # a Tuesday


@pytest.mark.parametrize(
    ("name", "first", "last", "prev_first", "prev_last"),
    [
        ("today", date(2026, 5, 12), TODAY, date(2026, 5, 11), date(2026, 5, 11)),
        ("7d", date(2026, 5, 6), TODAY, date(2026, 4, 29), date(2026, 5, 5)),
        # 30 days: 13 Apr … 12 May; the 30 before: 14 Mar … 12 Apr.
        ("30d", date(2026, 4, 13), TODAY, date(2026, 3, 14), date(2026, 4, 12)),
        ("90d", date(2026, 2, 12), TODAY, date(2025, 11, 14), date(2026, 2, 11)),
        # This month to date against the same days of April.
        ("month", date(2026, 5, 1), TODAY, date(2026, 4, 1), date(2026, 4, 12)),
        # April (30 days) against March's first 30 days.
        ("last_month", date(2026, 4, 1), date(2026, 4, 30), date(2026, 3, 1), date(2026, 3, 30)),
        ("year", date(2026, 1, 1), TODAY, date(2025, 1, 1), date(2025, 5, 12)),
    ],
)
def test_presets_and_the_period_before(name, first, last, prev_first, prev_last):
    period = preset(name, TODAY)
    assert (period.first_day, period.last_day) == (first, last)
    before = period.previous()
    assert (before.first_day, before.last_day) == (prev_first, prev_last)


def test_a_month_is_compared_with_the_month_before_clipped_to_its_end():
    # Last month on 15 March is February (28 days), against January's 1st to 28th.
    february = preset("last_month", date(2026, 3, 15))
    assert (february.first_day, february.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert february.previous() == Period(date(2026, 1, 1), date(2026, 1, 28), "previous")
    # March to date on the 31st, against 1-28 February (February has no 29th to 31st).
    march = preset("month", date(2026, 3, 31))
    assert march.previous() == Period(date(2026, 2, 1), date(2026, 2, 28), "previous")
    # January against December of the year before.
    assert preset("month", date(2026, 1, 9)).previous() == Period(
        date(2025, 12, 1), date(2025, 12, 9), "previous"
    )


def test_this_year_on_29_february_is_compared_with_28_february():
    leap = preset("year", date(2028, 2, 29))
    assert leap.previous() == Period(date(2027, 1, 1), date(2027, 2, 28), "previous")


def test_a_custom_period_is_compared_with_as_many_days_just_before():
    period = custom("2026-03-10", "2026-03-19", TODAY)  # 10 days
    assert period.days == 10
    assert period.previous() == Period(date(2026, 2, 28), date(2026, 3, 9), "previous")
    assert period.query() == {"period": "custom", "from": "2026-03-10", "to": "2026-03-19"}


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("", "2026-05-01", "needs a start and an end date"),
        ("2026-13-01", "2026-05-01", "The start date is not a date"),
        ("2026-05-02", "2026-05-01", "The start date is after the end date."),
        ("2026-05-01", "2026-05-13", "The end date is in the future"),
        ("2023-05-01", "2026-05-12", "at most 1098 days; this one spans 1108"),
    ],
)
def test_custom_periods_are_checked_with_clear_errors(first, last, message):
    with pytest.raises(PeriodError, match=message):
        custom(first, last, TODAY)


def test_three_years_exactly_is_allowed():
    assert custom("2023-05-11", "2026-05-12", TODAY).days == 1098


def test_the_request_gives_30_days_by_default_and_the_default_with_the_error(merchant_a):
    moment = datetime(2026, 5, 12, 12, 0, tzinfo=merchant_a.tzinfo)
    with time_machine.travel(moment, tick=False):
        period, error = period_from_request(merchant_a, QueryDict(""))
        assert (period.preset, period.first_day, error) == ("30d", date(2026, 4, 13), "")
        period, error = period_from_request(merchant_a, QueryDict("period=year"))
        assert (period.first_day, period.label) == (date(2026, 1, 1), "This year")
        period, error = period_from_request(
            merchant_a, QueryDict("period=custom&from=2026-05-03&to=2026-05-01")
        )
        assert period.preset == "30d" and error == "The start date is after the end date."
        period, error = period_from_request(merchant_a, QueryDict("period=fortnight"))
        assert period.preset == "30d" and error == "Unknown period."
