"""The periods an owner picks on the insights pages, and the period each is compared with.

A `Period` is two local dates of the merchant, both included. The presets end today (the
merchant's, from `loyalty.clock`) except "last month"; "custom" takes `from` and `to`.

The period before, which every figure is compared with:

- trailing periods (today, 7 / 30 / 90 days) and custom ones: as many days, just before;
- this month (to date) and last month: the month before, over the same days of the month,
  clipped to its end (1-31 March against 1-28 February; 1-12 May against 1-12 April);
- this year (to date): the same days a year earlier (1 Jan - 12 May 2026 against
  1 Jan - 12 May 2025; 29 February becomes the 28th).

`period_from_request` reads `?period=30d` (the default), or `?period=custom&from=…&to=…`;
a bad custom period raises `PeriodError` with a message for the page, which then shows the
default period with that message.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loyalty.clock import local_today
from loyalty.models import Merchant

DEFAULT = "30d"
MAX_DAYS = 3 * 366  # a custom period spans at most about three years
PRESETS: dict[str, str] = {
    "today": gettext_lazy("Today"),
    "7d": gettext_lazy("7 days"),
    "30d": gettext_lazy("30 days"),
    "90d": gettext_lazy("90 days"),
    "month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "year": gettext_lazy("This year"),
}
TRAILING = {"today": 1, "7d": 7, "30d": 30, "90d": 90}


class PeriodError(ValueError):
    """A custom period the page cannot show; the message says why, for the owner."""


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    preset: str = "custom"

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(self.days)]

    def __contains__(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    @property
    def label(self) -> str:
        return str(PRESETS.get(self.preset, _("Custom")))

    def previous(self) -> "Period":
        """The period this one is compared with (see the module's docstring)."""
        if self.preset in ("month", "last_month"):
            first = _months_back(self.first_day, 1)
            last_of_month = first.replace(day=monthrange(first.year, first.month)[1])
            last = min(first + (self.last_day - self.first_day), last_of_month)
            return Period(first, last, "previous")
        if self.preset == "year":
            return Period(_years_back(self.first_day), _years_back(self.last_day), "previous")
        last = self.first_day - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last, "previous")

    def query(self) -> dict[str, str]:
        """The GET parameters that give this period back."""
        if self.preset in PRESETS:
            return {"period": self.preset}
        return {
            "period": "custom",
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
        }


def _months_back(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def _years_back(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return day.replace(year=day.year - 1, day=28)
    return day.replace(year=day.year - 1)


def preset(name: str, today: date) -> Period:
    """The preset `name` as of the local date `today`."""
    if name in TRAILING:
        return Period(today - timedelta(days=TRAILING[name] - 1), today, name)
    if name == "month":
        return Period(today.replace(day=1), today, name)
    if name == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last, name)
    if name == "year":
        return Period(today.replace(month=1, day=1), today, name)
    raise PeriodError(_("Unknown period."))


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(
            _("The %(what)s date is not a date (YYYY-MM-DD): “%(value)s”.")
            % {"what": what, "value": value[:20]}
        ) from None


def custom(first: str, last: str, today: date) -> Period:
    """A period from two dates as typed, checked: in order, not after today, at most
    MAX_DAYS long."""
    if not first or not last:
        raise PeriodError(_("A custom period needs a start and an end date."))
    first_day, last_day = _date(first, _("start")), _date(last, _("end"))
    if first_day > last_day:
        raise PeriodError(_("The start date is after the end date."))
    if last_day > today:
        raise PeriodError(
            _("The end date is in the future; the last day with figures is %(today)s.")
            % {"today": today.isoformat()}
        )
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise PeriodError(
            _("A period can span at most %(days)s days; this one spans %(span)s.")
            % {"days": MAX_DAYS, "span": (last_day - first_day).days + 1}
        )
    return Period(first_day, last_day, "custom")


def period_from_request(merchant: Merchant, params) -> tuple[Period, str]:
    """The period the GET parameters ask for, and an error message ("" when none).

    An unknown preset or a bad custom period gives the default period and the message.
    """
    today = local_today(merchant)
    name = params.get("period", DEFAULT) or DEFAULT
    try:
        if name == "custom":
            return custom(params.get("from", ""), params.get("to", ""), today), ""
        return preset(name, today), ""
    except PeriodError as error:
        return preset(DEFAULT, today), str(error)
