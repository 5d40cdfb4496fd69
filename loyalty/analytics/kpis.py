"""The owner's key figures for a period, each against the period before it, from the rollups.

Everything here reads the merchant's total `DailyStat` rows (one query covers the period, the
period before and the 90 days before each of their ends) and `EnrolmentStat` (one grouped
query): never a purchase, a ledger entry or a member. The page's cost depends on the length of
the period, not on the size of the history. Flows (sales, points, enrolments) are summed over
the days; snapshots (`active_members_90d`) are read on one day, or the last day before it that
has a row when the nightly job missed one.

What each figure means (the page shows these definitions):

- revenue from members: members' sales net of refunds; share: of all revenue;
- active members: distinct members with a counted sale in the 90 days ending the period's
  last day;
- repeat purchase rate: members' sales by members who had bought on an earlier day, over all
  members' sales (`sales_repeat / sales_members`);
- visit frequency: members' sales in the 90 days ending the period's last day, per active
  member (so a 7-day period and a 90-day one speak of the same quarter's habit);
- average basket: revenue over sales, members and anonymous apart;
- retention (customer retention rate, CRR): (active at the end - new buyers in the period) /
  active at the start, where "active at the start" is the snapshot of the day before the
  period and a new buyer is a member whose first purchase ever falls in the period; kept
  between 0 and 100% (members returning after more than 90 days can lift it over 100%; new
  buyers of a long period who have lapsed again can push it under 0). Churn = 100% - retention;
- enrolments: cards enrolled in the period (by shop and staff member from `EnrolmentStat`);
- points issued: earned, bonuses and points added by hand (not merges, not cancelled
  vouchers' points coming back); points redeemed: spent on rewards, less the points cancelled
  vouchers gave back in the period; expired; redemption rate: redeemed / issued;
- tier moves: members moved up and down a tier;
- program return: revenue from members per unit of money the used vouchers cost
  (`revenue_members / vouchers_used_value`); 12.5 means each 1.00 of rewards came with
  12.50 of members' revenue.

Each `Figure` carries the value, the previous period's, the absolute change and the change in
% (None when the previous value is 0 or either is unknown). Rates are fractions (0.25); their
absolute change is in percentage points.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from loyalty.analytics.periods import Period
from loyalty.analytics.rollups import ACTIVE_DAYS
from loyalty.models import DailyStat, EnrolmentStat, Merchant

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The DailyStat columns the figures read.
COLUMNS = (
    "day",
    "sales_members",
    "sales_anonymous",
    "revenue_members",
    "revenue_anonymous",
    "new_members",
    "active_members_90d",
    "first_purchases",
    "sales_repeat",
    "points_issued",
    "points_added",
    "points_redeemed",
    "points_returned",
    "points_expired",
    "tier_ups",
    "tier_downs",
    "vouchers_used",
    "vouchers_used_value",
)
MONEY = frozenset({"revenue_members", "revenue_anonymous", "vouchers_used_value"})

Number = int | Decimal


@dataclass(frozen=True)
class Figure:
    """One KPI: this period's value against the period before. `kind` tells the page how to
    show it: money, count, rate (a fraction shown as %), ratio (12.5x) or number."""

    key: str
    kind: str
    value: Number | None
    previous: Number | None

    @property
    def change(self) -> Number | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_pct(self) -> Decimal | None:
        if self.change is None or not self.previous:
            return None
        return (Decimal(self.change) * 100 / abs(Decimal(self.previous))).quantize(Decimal("0.1"))

    @property
    def direction(self) -> str:
        """ "up", "down" or "same" ("" when there is nothing to compare)."""
        change = self.change
        if change is None:
            return ""
        return "up" if change > 0 else "down" if change < 0 else "same"


@dataclass
class Insights:
    period: Period
    previous: Period
    figures: dict[str, Figure]
    # One row per day of the period: (day, revenue, the previous period's day or None, its
    # revenue or None), for the chart and its table.
    revenue_by_day: list[tuple[date, Decimal, date | None, Decimal | None]]
    enrolments_by_shop: list[tuple[str, int]] = field(default_factory=list)
    enrolments_by_staff: list[tuple[str, int]] = field(default_factory=list)
    has_rows: bool = False


class _Days:
    """The total rows of a range of days, by day, with sums and snapshots."""

    def __init__(self, rows: list[dict]) -> None:
        self.by_day = {row["day"]: row for row in rows}
        self.sorted_days = sorted(self.by_day)

    def total(self, name: str, first: date, last: date) -> Number:
        zero: Number = ZERO if name in MONEY else 0
        return sum((row[name] for day, row in self.by_day.items() if first <= day <= last), zero)

    def sums(self, period: Period) -> dict[str, Number]:
        return {
            name: self.total(name, period.first_day, period.last_day)
            for name in COLUMNS
            if name not in ("day", "active_members_90d")
        }

    def snapshot(self, name: str, day: date) -> int:
        """The figure at the end of `day`: its row, or the last row before it."""
        if day in self.by_day:
            return self.by_day[day][name]
        earlier = [d for d in self.sorted_days if d < day]
        return self.by_day[earlier[-1]][name] if earlier else 0


def _ratio(part: Number, whole: Number, places: str = "0.0001") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places))


def _clamped(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return min(max(value, Decimal("0")), Decimal("1"))


def period_values(days: _Days, period: Period) -> dict[str, tuple[str, Number | None]]:
    """{key: (kind, value)} of one period, from its days' rows."""
    s = days.sums(period)
    revenue = s["revenue_members"] + s["revenue_anonymous"]
    active_end = days.snapshot("active_members_90d", period.last_day)
    active_start = days.snapshot("active_members_90d", period.first_day - timedelta(days=1))
    quarter_visits = days.total(
        "sales_members", period.last_day - timedelta(days=ACTIVE_DAYS - 1), period.last_day
    )
    retention = _clamped(_ratio(active_end - s["first_purchases"], active_start))
    issued = s["points_issued"] + s["points_added"]
    redeemed = s["points_redeemed"] - s["points_returned"]
    cost = s["vouchers_used_value"]
    return {
        "revenue_members": ("money", s["revenue_members"]),
        "revenue": ("money", revenue),
        "member_share": ("rate", _ratio(s["revenue_members"], revenue)),
        "active_members": ("count", active_end),
        "new_buyers": ("count", s["first_purchases"]),
        "repeat_rate": ("rate", _ratio(s["sales_repeat"], s["sales_members"])),
        "visit_frequency": ("number", _ratio(quarter_visits, active_end, "0.01")),
        "basket_members": ("money", _ratio(s["revenue_members"], s["sales_members"], "0.01")),
        "basket_anonymous": (
            "money",
            _ratio(s["revenue_anonymous"], s["sales_anonymous"], "0.01"),
        ),
        "retention": ("rate", retention),
        "churn": ("rate", None if retention is None else 1 - retention),
        "enrolments": ("count", s["new_members"]),
        "points_issued": ("count", issued),
        "points_redeemed": ("count", redeemed),
        "points_expired": ("count", s["points_expired"]),
        "redemption_rate": ("rate", _ratio(redeemed, issued)),
        "tier_ups": ("count", s["tier_ups"]),
        "tier_downs": ("count", s["tier_downs"]),
        "voucher_cost": ("money", cost),
        "program_return": ("ratio", _ratio(s["revenue_members"], cost, "0.01")),
    }


def read_days(merchant: Merchant, first: date, last: date) -> _Days:
    """The merchant's total rows from `first` to `last` (one query)."""
    rows = (
        DailyStat.objects.for_merchant(merchant)
        .filter(shop__isnull=True, day__gte=first, day__lte=last)
        .values(*COLUMNS)
    )
    return _Days(list(rows))


def _enrolments(merchant: Merchant, period: Period) -> tuple[list, list]:
    """Enrolments of the period by shop and by staff member, most first (one query)."""
    rows = (
        EnrolmentStat.objects.for_merchant(merchant)
        .filter(day__gte=period.first_day, day__lte=period.last_day)
        .values(
            "shop__name",
            "enrolled_by__email",
            "enrolled_by__first_name",
            "enrolled_by__last_name",
        )
        .annotate(n=Sum("members"))
        .order_by()
    )
    by_shop: dict[str, int] = defaultdict(int)
    by_staff: dict[str, int] = defaultdict(int)
    for row in rows:
        by_shop[row["shop__name"] or ""] += row["n"]
        name = " ".join(
            part for part in (row["enrolled_by__first_name"], row["enrolled_by__last_name"]) if part
        )
        by_staff[name or row["enrolled_by__email"] or ""] += row["n"]

    def ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    return ordered(by_shop), ordered(by_staff)


def insights(merchant: Merchant, period: Period) -> Insights:
    """The key figures of `period` against `period.previous()`, in two queries."""
    previous = period.previous()
    first = min(previous.first_day, previous.last_day - timedelta(days=ACTIVE_DAYS)) - timedelta(
        days=1
    )
    days = read_days(merchant, first, period.last_day)
    now, before = period_values(days, period), period_values(days, previous)
    figures = {
        key: Figure(key=key, kind=kind, value=value, previous=before[key][1])
        for key, (kind, value) in now.items()
    }
    previous_days = previous.dates()
    revenue_by_day = []
    for index, day in enumerate(period.dates()):
        row = days.by_day.get(day)
        revenue = (row["revenue_members"] + row["revenue_anonymous"]) if row else ZERO
        then = previous_days[index] if index < len(previous_days) else None
        then_row = days.by_day.get(then) if then else None
        then_revenue = (
            (then_row["revenue_members"] + then_row["revenue_anonymous"]) if then_row else ZERO
        )
        revenue_by_day.append((day, revenue, then, then_revenue if then else None))
    by_shop, by_staff = _enrolments(merchant, period)
    return Insights(
        period=period,
        previous=previous,
        figures=figures,
        revenue_by_day=revenue_by_day,
        enrolments_by_shop=by_shop,
        enrolments_by_staff=by_staff,
        has_rows=bool(days.by_day),
    )
