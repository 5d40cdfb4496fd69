# ruff: noqa: RUF002, RUF003 (Russian dates are written with the Cyrillic letter for "year")
"""Dates and times as people read them, in the page's language: the formats Django's locales
lack, from CLDR through Babel.

Dates in numbers take Django's own locale formats by name, which follow the active language:
`{{ moment|date:"SHORT_DATETIME_FORMAT" }}` (03.12.2026, 09:05), "TIME_FORMAT". Dates with
words (month and day names), tables' included, are CLDR's, here, through Babel: Django's
Romanian and Russian month names are capitalised ("3 Decembrie 2026", "Декабрь 2026"), which
neither language writes, and its Russian MONTH_DAY_FORMAT gives the nominative "3 декабрь".
So: the medium date ("3 dec. 2026", "3 Dec 2026", "3 дек. 2026 г."), a day and month without
the year ("3 dec."), with the weekday, the month and year ("decembrie 2026"), each with the
short time if asked; a time joins its date with the language's own glue ("{1}, {0}"), as
Babel's format_datetime does. Templates: `{{ moment|day_time:"date" }}`, `{{ day|day }}`
(loyalty/templatetags/fidela.py).

The rule for every date a person reads: the words (month and day names) and the order are the
reader's language, the page's (`loyalty.languages.speak`); the clock is the merchant's, the
active time zone. `loyalty.clock.merchant_date` / `merchant_datetime` (numbers only) add the
merchant's country where the reader's language has no variant for it. Machine formats (ISO in
`<time datetime>`, input values, CSV, the API) stay as they are.
"""

from datetime import date, datetime

from babel.dates import (
    format_date,
    format_skeleton,
    format_time,
    get_datetime_format,
    get_month_names,
)
from django.utils import timezone

from loyalty.money import babel_locale

DATE = "medium"  # 3 dec. 2026, 3 Dec 2026, 3 дек. 2026 г. (CLDR's medium date)
LONG_DATE = "long"  # 3 decembrie 2026
DAY_MONTH = "MMMd"  # 3 dec.
WEEKDAY_DAY_MONTH = "MMMEd"  # joi, 3 dec.
# CLDR has no skeleton for the long weekday without the year: its full date has one.
LONG_WEEKDAY_DAY_MONTH = "full"  # joi, 3 decembrie 2026
LONG_DAY_MONTH = "MMMMd"  # 3 decembrie (a birthday)
WEEKDAY_DATE = "yMMMEd"  # joi, 3 dec. 2026
LONG_WEEKDAY_DATE = "full"  # joi, 3 decembrie 2026
MONTH_YEAR = "yMMMM"  # decembrie 2026, декабрь 2026 г.
SHORT_MONTH_YEAR = "yMMM"  # dec. 2026 (a chart's or a table's month)
SHORT_MONTH = "MMM"  # dec.
LENGTHS = frozenset({"short", "medium", "long", "full"})  # CLDR's own date lengths

# The names templates use: {{ day|day:"weekday" }}, {{ moment|day_time:"date" }}.
STYLES = {
    "date": DATE,
    "long_date": LONG_DATE,
    "day_month": DAY_MONTH,
    "weekday": WEEKDAY_DAY_MONTH,
    "long_weekday": LONG_WEEKDAY_DAY_MONTH,
    "long_day_month": LONG_DAY_MONTH,
    "weekday_year": WEEKDAY_DATE,
    "long_weekday_year": LONG_WEEKDAY_DATE,
    "month_year": MONTH_YEAR,
    "short_month_year": SHORT_MONTH_YEAR,
}


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _date_text(value: date | datetime, style: str, locale) -> str:
    if style in LENGTHS:
        return format_date(value, style, locale=locale)
    return format_skeleton(style, value, locale=locale)


def format_day(value: date | datetime, style: str = DAY_MONTH) -> str:
    """The day of `value` (a moment: on the active clock) as the language writes `style`, a
    CLDR skeleton or date length."""
    return _date_text(_local(value), style, babel_locale())


def format_day_time(moment: datetime, style: str = DAY_MONTH) -> str:
    """“3 dec., 09:05”, “3 Dec, 09:05”: a day as `style` and the short time, joined."""
    locale = babel_locale()
    local = _local(moment)
    glue = get_datetime_format("short", locale=locale)
    return (
        glue.replace("'", "")
        .replace("{0}", format_time(local, "short", locale=locale))
        .replace("{1}", _date_text(local, style, locale))
    )


def month_name(value: date | datetime) -> str:
    """“decembrie”, “декабрь”, “December”: the month alone, as a column heading names it."""
    return get_month_names("wide", "stand-alone", locale=babel_locale())[value.month]
