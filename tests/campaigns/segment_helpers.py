"""The clock of the rule segment tests: a fixed moment and local days of the merchants' zone."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from loyalty.clock import midnight

NOW = datetime(2030, 3, 15, 10, 0, tzinfo=UTC)  # 12:00 in Bucharest, the merchants' zone
TODAY = date(2030, 3, 15)
ZONE = ZoneInfo("Europe/Bucharest")


def at_local(day: date, hour: int = 12) -> datetime:
    """A moment on a local day of the merchants' zone."""
    return midnight(day, ZONE) + timedelta(hours=hour)
