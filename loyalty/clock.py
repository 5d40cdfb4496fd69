"""The merchant's clock: "today", midnights and periods in the merchant's time zone.

Every page, report and job that speaks of a day asks here, so a sale at 00:30 in Bucharest
belongs to the day the shop lived it, not to UTC's.

`merchant_date` / `merchant_datetime` write a day or a moment in numbers (01.12.2026, 20:36)
on the merchant's clock. Whose formats: the reader's language, the page's or the message's
(the active one: a member reading Russian gets Russian formats), as written in the merchant's
country when Django has that variant (en_GB), else as the merchant's country writes dates
(an English reader of a Romanian shop sees 01.12.2026, not the American 12/01/2026), else the
language's own. Dates with words (month names) are loyalty.dates' and Django's named formats,
always in the reader's language.
"""

import functools
import importlib.util
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone, translation
from django.utils.formats import get_format

from loyalty.models import Merchant

DAY, WEEK, MONTH, YEAR = "day", "week", "month", "year"


def local_today(merchant: Merchant, now: datetime | None = None) -> date:
    """The merchant's date at `now` (default: this moment)."""
    return (now or timezone.now()).astimezone(merchant.tzinfo).date()


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """The aware moment the day starts in `tz` (DST-safe: the wall clock reads 00:00)."""
    return datetime.combine(day, time.min, tzinfo=tz)


def day_span(first_day: date, last_day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the local days `first_day` to `last_day`, both included."""
    return midnight(first_day, tz), midnight(last_day + timedelta(days=1), tz)


def period_start(period: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The local midnight that starts the day, week (Monday), month or year holding `now`;
    None for another period (no limit)."""
    today = now.astimezone(tz).date()
    first = {
        DAY: today,
        WEEK: today - timedelta(days=today.weekday()),
        MONTH: today.replace(day=1),
        YEAR: today.replace(month=1, day=1),
    }.get(period)
    return midnight(first, tz) if first is not None else None


# --- Dates and times as the merchant's country writes them, on the merchant's clock -----------


@functools.cache
def _locale_of(language: str, country: str) -> str:
    """The locale whose formats a reader's dates at a merchant take: the language as written in
    the merchant's country if Django knows it (en_GB), else the country's own (RO → ro:
    01.12.2026, 20:36), else the language alone (ru)."""
    for candidate in (f"{language}_{country.upper()}", country.lower(), language):
        try:
            if candidate and importlib.util.find_spec(f"django.conf.locale.{candidate}.formats"):
                return candidate
        except ModuleNotFoundError:  # no such locale package at all
            continue
    return language


def _merchant_format(merchant: Merchant, name: str) -> str:
    language = translation.get_language() or merchant.default_language or "en"
    locale = _locale_of(language.split("-")[0], merchant.country or "")
    return get_format(name, lang=locale.replace("_", "-").lower())


def merchant_datetime(moment: datetime, merchant: Merchant) -> str:
    """01.12.2026, 20:36: a moment on the merchant's clock, in their country's short format."""
    local = timezone.localtime(moment, merchant.tzinfo)
    return dateformat.format(local, _merchant_format(merchant, "SHORT_DATETIME_FORMAT"))


def merchant_date(day: date | datetime, merchant: Merchant) -> str:
    """01.12.2026: a day (a moment counts as the merchant's day it fell on)."""
    if isinstance(day, datetime):
        day = timezone.localtime(day, merchant.tzinfo).date()
    return dateformat.format(day, _merchant_format(merchant, "SHORT_DATE_FORMAT"))
