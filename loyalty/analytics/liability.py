"""The points liability and its breakage: what the program owes its members, IFRS 15 style.

Under IFRS 15 a point is a promise the merchant sold with the purchase: its value is deferred
when the point is issued and recognised as revenue when the point is redeemed, or when it
expires. The part of the points that will never be redeemed (the breakage) is recognised in
proportion, so the liability on the books is what is outstanding less what history says will
lapse. The figures here:

- **Outstanding points** are the members' positive available balances plus their pending points,
  as the dashboard counts them, valued at the program's point value today. A negative balance
  (a refund clawed back points already spent) is the member's debt to the merchant, not a
  liability, so it is not netted against the others; it is shown apart (`debt_points`).
- **Expected breakage** comes from the merchant's own history: of the points that resolved in
  the trailing window (the month in question and the 11 before it, so `WINDOW_MONTHS` months;
  for "now", up to today), the share that expired: ``expired / (redeemed + expired)``, from the
  daily statistics (`DailyStat`, total rows). A voucher cancelled after its redemption gives its
  points back as an adjustment, so its redemption still counts as redeemed: the rate errs low,
  and the liability high, which is the prudent side. With nothing resolved in the window there
  is not enough history: breakage is 0 and the liability is the full value.
- **Liability** = outstanding value x (1 - expected breakage), rounded once, to the cent.
- **Per month** (the merchant's local months, since the rollups' days are local): points issued
  (value deferred), redeemed (recognised at redemption), expired (recognised at expiry),
  clawed back and adjusted, and the closing outstanding points, the running total of
  issued - redeemed - expired - clawed back + adjusted from the first day of statistics, with
  the closing liability at that month's breakage rate. The ledger nets members' debts, so the
  last closing equals outstanding - debt when the rollups are current.
- **Points expiring** in the next 30 / 60 / 90 days: after-earning expiry reads the open lots
  by their date (`lot_merchant_expiring` index); inactivity expiry reads the members whose last
  purchase (or joining, if they never bought) puts all their points past the program's months
  within the horizon, counted with the outstanding points. Points already due and not yet
  taken by the nightly job count in every horizon.

The outstanding points come from the stored balance count (`loyalty.points.balances`: the
outbox's drain recounts after each batch of sales, the nightly job once a day, the page's
"count now" button on demand), so the page never sums a million members; it says when they
were counted. Money is valued at today's point value (the program's setting); the pages read
only the rollups, the balance count and, for after-earning expiry, one query over open lots.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from loyalty.clock import local_today
from loyalty.models import DailyStat, Merchant
from loyalty.models.points import ExpiryMode, PointsLot, Program
from loyalty.points.balances import EXPIRY_HORIZONS, latest_count
from loyalty.points.ledger import add_months, get_program

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")  # breakage rates are kept to four places: 0.2500 is 25.00 %
WINDOW_MONTHS = 12
ZERO_RATE = Decimal("0.0000")


@dataclass(frozen=True)
class Outstanding:
    """The points members hold now (positive balances and pending) and their value."""

    available: int
    pending: int
    debt: int  # the sum of negative balances, as a positive number: owed by members
    value: Decimal

    @property
    def points(self) -> int:
        return self.available + self.pending


@dataclass(frozen=True)
class Breakage:
    """The expected breakage and its basis: which months, what resolved, the rate."""

    first_day: date  # the window's first local day (the first of a month)
    last_day: date  # its last: today, or a past month's last day
    redeemed: int
    expired: int
    rate: Decimal  # expired / (redeemed + expired), four places; 0 without history

    @property
    def resolved(self) -> int:
        return self.redeemed + self.expired

    @property
    def enough_history(self) -> bool:
        return self.resolved > 0

    @property
    def percent(self) -> Decimal:
        return (self.rate * 100).quantize(CENT)


@dataclass(frozen=True)
class Month:
    """One local month of the roll-forward: opening + changes = closing, and their values."""

    month: date  # its first day
    opening: int
    issued: int
    redeemed: int
    expired: int
    clawed_back: int
    adjusted: int  # signed
    breakage: Breakage
    point_value: Decimal

    @property
    def closing(self) -> int:
        return (
            self.opening
            + self.issued
            - self.redeemed
            - self.expired
            - self.clawed_back
            + self.adjusted
        )

    @property
    def value_deferred(self) -> Decimal:
        return value_of(self.issued, self.point_value)

    @property
    def value_redeemed(self) -> Decimal:
        return value_of(self.redeemed, self.point_value)

    @property
    def value_expired(self) -> Decimal:
        return value_of(self.expired, self.point_value)

    @property
    def closing_value(self) -> Decimal:
        return value_of(self.closing, self.point_value)

    @property
    def closing_liability(self) -> Decimal:
        return liability_of(self.closing, self.point_value, self.breakage.rate)


@dataclass(frozen=True)
class Expiring:
    """Points that expire within a number of days from now, and their value."""

    days: int
    points: int
    value: Decimal


@dataclass(frozen=True)
class Liability:
    """Everything the liability page shows, as of one moment."""

    as_of: date  # the merchant's today
    program: Program
    outstanding: Outstanding
    counted_at: datetime  # when the balances were counted (`loyalty.points.balances`)
    breakage: Breakage
    months: list[Month] = field(default_factory=list)
    expiring: list[Expiring] = field(default_factory=list)  # empty: points never expire

    @property
    def point_value(self) -> Decimal:
        return self.program.point_value

    @property
    def amount(self) -> Decimal:
        """Outstanding value x (1 - expected breakage)."""
        return liability_of(self.outstanding.points, self.point_value, self.breakage.rate)

    @property
    def expected_breakage_value(self) -> Decimal:
        return self.outstanding.value - self.amount

    @property
    def points_expire(self) -> bool:
        return self.program.expiry_mode != ExpiryMode.NONE

    @property
    def ledger_closing(self) -> int | None:
        """The running total of the rollups (members' debts netted), None without any."""
        return self.months[-1].closing if self.months else None

    @property
    def statistics_behind(self) -> int:
        """How many points the rollups' closing is away from the balances (outstanding less
        debts): 0 when they agree, as they do once today's statistics are rebuilt."""
        if self.ledger_closing is None:
            return 0
        return self.outstanding.points - self.outstanding.debt - self.ledger_closing

    @property
    def is_empty(self) -> bool:
        """A new merchant: no statistics and nothing outstanding."""
        return not self.months and not self.outstanding.points and not self.outstanding.debt


def value_of(points: int, point_value: Decimal) -> Decimal:
    return (Decimal(points) * point_value).quantize(CENT)


def liability_of(points: int, point_value: Decimal, rate: Decimal) -> Decimal:
    """Points at the point value less the expected breakage, rounded once to the cent."""
    return (Decimal(points) * point_value * (1 - rate)).quantize(CENT)


def breakage_rate(redeemed: int, expired: int) -> Decimal:
    """expired / (redeemed + expired), to four places; 0 when nothing resolved."""
    resolved = redeemed + expired
    if resolved <= 0:
        return ZERO_RATE
    return (Decimal(expired) / Decimal(resolved)).quantize(RATE_PLACES)


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return add_months(month, 1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


# --- Reading -----------------------------------------------------------------------------------


def outstanding_and_inactive(
    merchant: Merchant, program: Program, now: datetime | None = None
) -> tuple[Outstanding, list[Expiring], datetime]:
    """The members' positive balances, pending points and debts and, for inactivity expiry,
    the points of those whose months run out in 30/60/90 days (all their lots go at once), as
    of the stored balance count (`loyalty.points.balances`), and when it was counted."""
    count = latest_count(merchant, program, now)
    outstanding = Outstanding(
        available=count.available,
        pending=count.pending,
        debt=count.debt,
        value=value_of(count.available + count.pending, program.point_value),
    )
    expiring = []
    if program.expiry_mode == ExpiryMode.INACTIVITY:
        for days in EXPIRY_HORIZONS:
            points = int(count.expiring.get(str(days), 0))
            expiring.append(Expiring(days, points, value_of(points, program.point_value)))
    return outstanding, expiring, count.counted_at


def expiring_lots(merchant: Merchant, program: Program, now: datetime) -> list[Expiring]:
    """After-earning expiry: what is left of the open lots dated within 30/60/90 days (one
    query on the `lot_merchant_expiring` index; overdue lots the job has not taken count)."""
    horizons = {days: now + timedelta(days=days) for days in EXPIRY_HORIZONS}
    row = PointsLot.objects.filter(
        merchant=merchant, remaining__gt=0, expires_at__lte=horizons[max(EXPIRY_HORIZONS)]
    ).aggregate(
        **{
            f"d{days}": Coalesce(Sum("remaining", filter=Q(expires_at__lte=horizon)), 0)
            for days, horizon in horizons.items()
        }
    )
    return [
        Expiring(days, row[f"d{days}"], value_of(row[f"d{days}"], program.point_value))
        for days in EXPIRY_HORIZONS
    ]


MonthFigures = dict[str, int]


def monthly_figures(merchant: Merchant, until: date) -> dict[date, MonthFigures]:
    """The rollups' total rows summed by local month, up to `until` (one grouped query)."""
    rows = (
        DailyStat.objects.for_merchant(merchant)
        .filter(shop__isnull=True, day__lte=until)
        .annotate(month=TruncMonth("day"))
        .order_by()
        .values("month")
        .annotate(
            issued=Sum("points_issued"),
            redeemed=Sum("points_redeemed"),
            expired=Sum("points_expired"),
            clawed_back=Sum("points_clawed_back"),
            adjusted=Sum("points_adjusted"),
        )
    )
    result = {}
    for row in rows:
        month = row.pop("month")
        # SQLite may answer the truncated day as a datetime.
        month = month.date() if isinstance(month, datetime) else month
        result[month] = {name: int(value or 0) for name, value in row.items()}
    return result


def window_breakage(
    figures: dict[date, MonthFigures], month: date, last_day: date | None = None
) -> Breakage:
    """The breakage of the `WINDOW_MONTHS` months ending with `month` (to `last_day`, default
    the month's end)."""
    first = add_months(month, -(WINDOW_MONTHS - 1))
    redeemed = expired = 0
    current = first
    while current <= month:
        row = figures.get(current)
        if row:
            redeemed += row["redeemed"]
            expired += row["expired"]
        current = next_month(current)
    return Breakage(
        first_day=first,
        last_day=last_day or month_end(month),
        redeemed=redeemed,
        expired=expired,
        rate=breakage_rate(redeemed, expired),
    )


def roll_forward(
    figures: dict[date, MonthFigures], today: date, point_value: Decimal
) -> list[Month]:
    """Every month from the first with statistics to today's, gaps included, each opening
    with the previous one's closing."""
    if not figures:
        return []
    empty = {"issued": 0, "redeemed": 0, "expired": 0, "clawed_back": 0, "adjusted": 0}
    last = month_of(today)
    months: list[Month] = []
    opening = 0
    current = min(figures)
    while current <= last:
        row = figures.get(current, empty)
        month = Month(
            month=current,
            opening=opening,
            breakage=window_breakage(figures, current, today if current == last else None),
            point_value=point_value,
            **row,
        )
        months.append(month)
        opening = month.closing
        current = next_month(current)
    return months


def liability(merchant: Merchant, now: datetime | None = None) -> Liability:
    """The liability page's figures as of `now` (default: this moment), in a fixed number of
    queries: the program, the balance count, the monthly rollups and, with after-earning
    expiry, the open lots."""
    now = now or timezone.now()
    today = local_today(merchant, now)
    program = get_program(merchant)
    outstanding, expiring, counted_at = outstanding_and_inactive(merchant, program, now)
    if program.expiry_mode == ExpiryMode.AFTER_EARNING:
        expiring = expiring_lots(merchant, program, now)
    figures = monthly_figures(merchant, today)
    months = roll_forward(figures, today, program.point_value)
    return Liability(
        as_of=today,
        program=program,
        outstanding=outstanding,
        counted_at=counted_at,
        breakage=window_breakage(figures, month_of(today), today),
        months=months,
        expiring=expiring,
    )
