"""The merchant's clock: "today", midnights and periods in the merchant's time zone.

Every page, report and job that speaks of a day asks here, so a sale at 00:30 in Bucharest
belongs to the day the shop lived it, not to UTC's.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

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
