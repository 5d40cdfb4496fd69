"""The daily statistics (`DailyStat`): each local day of a merchant recomputed from raw rows.

`rebuild_day` reads one day of purchases, refunds, ledger entries, vouchers and enrolments with
a few grouped queries and replaces that day's rows, so it is idempotent and any number of runs
agree: the nightly job (yesterday and today), the outbox consumer (the day of each sale) and
`manage.py rebuild_stats` all call it. Pages read the rows, never the raw tables
(`loyalty.analytics.kpis`, the dashboard).

What counts, for one local day of the merchant's time zone (midnight to midnight):

- sales: purchases that occurred that day, not reversed, not fully refunded; revenue is what
  is left of them after their refunds, whenever the refunds came (a refund rewrites its sale's
  day). Members' and anonymous sales apart; active members are the distinct members among them;
- refunds: the refunds made that day, of sales not reversed (a reversal undoes the sale and its
  refunds);
- points: the ledger entries written that day: issued (earn, bonus), redeemed, expired, clawed
  back (refund clawbacks and reversals), and the signed sum of adjustments, so that
  issued - redeemed - expired - clawed back + adjusted is the day's change of all balances;
- vouchers issued that day and vouchers used that day, with their cost in money: the value of
  the reward they carry (a percent-off voucher: its cap, or nothing when it has none, since its
  cost is known only on the receipt);
- new members: the cards enrolled that day (a card later merged into another still counts);
  the same cards by shop and staff member are the day's `EnrolmentStat` rows;
- repeat and first purchases, among the day's counted members' sales: `sales_repeat` are the
  sales of members who had a counted sale on an earlier day; `first_purchases` the members
  whose first counted sale ever is that day (at the shop of their first sale of the day). Two
  sales on a member's first day are one first purchase and no repeat;
- `active_members_90d`, a snapshot: distinct members with a counted sale in the 90 local days
  ending that day, in the total row only (each member once);
- `sales_flagged`: counted sales the till flagged (capped points, over the daily limit);
- `points_added` (positive manual adjustments; not merges, which move points, nor cancelled
  vouchers) and `points_returned` (points cancelled vouchers gave back): both parts of
  `points_adjusted`, so the dashboard can say "issued" and "redeemed" as the report does;
- `tier_ups`, `tier_downs`: the outbox's `tier.changed` events of the day, by their
  `direction` (a sale's upgrade, the nightly re-evaluation, a reversal taking a tier back);
  in the total row only, since a nightly change happens at no shop.

**What drifts.** The snapshot and the "earlier day" figures of a day depend on older days: a
sale recorded (or claimed, imported, reversed, fully refunded) for an earlier day changes
`active_members_90d` of the 89 days after it, and `first_purchases` / `sales_repeat` of the
member's next purchase day. The outbox rebuilds the sale's day and today (so today, which the
dashboard and every trailing period end on, is right), the nightly job yesterday and today;
the days in between keep their old snapshot until `rebuild_stats --since` rebuilds them. A
sale does not rebuild the 90 days after it: that would be 90 rebuilds per back-dated sale, for
figures that only the "active at the start" of a past period reads. A bulk import of history
must run `rebuild` over its range (it emits no per-sale events).

Rows: one per shop with activity that day, by where it happened (a sale's points at the sale's
shop, a redemption at the shop that issued the voucher, an enrolment at the shop that enrolled),
and always one total row (`shop` empty) with everything, including what happened at no shop.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.clock import day_span, local_today, midnight
from loyalty.models import (
    DailyStat,
    EnrolmentStat,
    EntryKind,
    Event,
    Merchant,
    PointsEntry,
    Purchase,
    Refund,
)
from members.models import Member
from rewards.models import RewardKind, Voucher, VoucherStatus

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=14, decimal_places=2)
FIGURES = (
    "sales_members",
    "sales_anonymous",
    "revenue_members",
    "revenue_anonymous",
    "new_members",
    "active_members",
    "active_members_90d",
    "first_purchases",
    "sales_repeat",
    "sales_flagged",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_clawed_back",
    "points_adjusted",
    "points_added",
    "points_returned",
    "tier_ups",
    "tier_downs",
    "vouchers_issued",
    "vouchers_issued_value",
    "vouchers_used",
    "vouchers_used_value",
    "refunds",
    "refunds_amount",
)
MONEY_FIGURES = frozenset(
    {
        "revenue_members",
        "revenue_anonymous",
        "vouchers_issued_value",
        "vouchers_used_value",
        "refunds_amount",
    }
)
# The ledger's kinds, to the figure they add to and its sign.
POINTS_BY_KIND = {
    EntryKind.EARN: ("points_issued", 1),
    EntryKind.BONUS: ("points_issued", 1),
    EntryKind.REDEEM: ("points_redeemed", -1),
    EntryKind.EXPIRE: ("points_expired", -1),
    EntryKind.CLAWBACK: ("points_clawed_back", -1),
    EntryKind.REVERSAL: ("points_clawed_back", -1),
    EntryKind.ADJUST: ("points_adjusted", 1),
}
# Snapshot figures: the state at the end of the day, never summed over days.
SNAPSHOTS = frozenset({"active_members_90d"})
ACTIVE_DAYS = 90  # a member is active with a counted sale in this many local days
# Adjustments that move or give back points rather than add them.
NOT_ADDED = ("merge:", "voucher:")
# Namespace of the PostgreSQL advisory lock that serializes the rebuilds of one merchant.
LOCK_NAMESPACE = 1_311_013

Figures = dict[str, int | Decimal]


@dataclass(frozen=True)
class Rebuilt:
    first_day: date
    last_day: date
    days: int
    rows: int


def empty_figures() -> Figures:
    return {name: (Decimal("0.00") if name in MONEY_FIGURES else 0) for name in FIGURES}


class _Day:
    """The figures of one day being added up: per shop, and the merchant's total."""

    def __init__(self) -> None:
        self.shops: dict[int, Figures] = defaultdict(empty_figures)
        self.total: Figures = empty_figures()

    def add(self, shop_id: int | None, name: str, value) -> None:
        if not value:
            return
        if shop_id is not None:
            self.shops[shop_id][name] += value
        self.total[name] += value


def _voucher_cost():
    return Case(
        When(kind=RewardKind.PERCENT_OFF, then=Coalesce("max_discount", Value(Decimal("0")))),
        default=F("value"),
        output_field=MONEY,
    )


def _sales(merchant: Merchant, start: datetime, end: datetime, day: _Day) -> None:
    counted = Purchase.objects.filter(
        merchant=merchant,
        occurred_at__gte=start,
        occurred_at__lt=end,
        reversed_at__isnull=True,
        refunded_amount__lt=F("amount"),
    )
    net = F("amount") - F("refunded_amount")
    member, anonymous = Q(member__isnull=False), Q(member__isnull=True)
    rows = counted.values("shop_id").annotate(
        sales_members=Count("pk", filter=member),
        sales_anonymous=Count("pk", filter=anonymous),
        revenue_members=Sum(net, filter=member, output_field=MONEY),
        revenue_anonymous=Sum(net, filter=anonymous, output_field=MONEY),
        active_members=Count("member_id", distinct=True),
        sales_flagged=Count("pk", filter=~Q(flags=[])),
    )
    for row in rows.order_by():
        for name in (
            "sales_members",
            "sales_anonymous",
            "revenue_members",
            "revenue_anonymous",
            "sales_flagged",
        ):
            day.add(row["shop_id"], name, row[name])
        day.shops[row["shop_id"]]["active_members"] = row["active_members"]
    # Distinct across shops: one member buying at two shops is one active member.
    day.total["active_members"] = counted.aggregate(n=Count("member_id", distinct=True))["n"]


def counted_sales(merchant: Merchant):
    """The sales the statistics count: not reversed, not refunded in full."""
    return Purchase.objects.filter(
        merchant=merchant, reversed_at__isnull=True, refunded_amount__lt=F("amount")
    )


def _returning(merchant: Merchant, start: datetime, end: datetime, day: _Day) -> None:
    """`sales_repeat` and `first_purchases`: one row per member sale of the day (few)."""
    earlier = counted_sales(merchant).filter(member_id=OuterRef("member_id"), occurred_at__lt=start)
    rows = (
        counted_sales(merchant)
        .filter(occurred_at__gte=start, occurred_at__lt=end, member__isnull=False)
        .annotate(earlier=Exists(earlier))
        .order_by("occurred_at", "pk")
        .values_list("member_id", "shop_id", "earlier")
    )
    seen: set[int] = set()
    for member_id, shop_id, had_earlier in rows:
        if had_earlier:
            day.add(shop_id, "sales_repeat", 1)
        elif member_id not in seen:
            day.add(shop_id, "first_purchases", 1)
        seen.add(member_id)


def _active_90d(merchant: Merchant, the_day: date, end: datetime, day: _Day) -> None:
    # The merchant's only: shop rows exist for days with activity, and a snapshot that is
    # there on some days and not others would read as zero.
    since = midnight(the_day - timedelta(days=ACTIVE_DAYS - 1), merchant.tzinfo)
    day.total["active_members_90d"] = (
        counted_sales(merchant)
        .filter(occurred_at__gte=since, occurred_at__lt=end, member__isnull=False)
        .aggregate(n=Count("member_id", distinct=True))["n"]
    )


def _tiers(merchant: Merchant, start: datetime, end: datetime, day: _Day) -> None:
    # The payloads are read in Python: JSON lookups differ between PostgreSQL and SQLite, and
    # a day has few tier changes.
    payloads = Event.objects.filter(
        merchant=merchant, type="tier.changed", created_at__gte=start, created_at__lt=end
    ).values_list("payload", flat=True)
    for payload in payloads:
        direction = (payload or {}).get("direction")
        if direction in ("up", "down"):
            day.add(None, f"tier_{direction}s", 1)


def _points(merchant: Merchant, start: datetime, end: datetime, day: _Day) -> None:
    rows = (
        PointsEntry.objects.filter(merchant=merchant, created_at__gte=start, created_at__lt=end)
        .values("kind", place=Coalesce("purchase__shop", "voucher__issued_at_shop"))
        .annotate(points=Sum("points"))
        .order_by()
    )
    for row in rows:
        name, sign = POINTS_BY_KIND[row["kind"]]
        day.add(row["place"], name, sign * row["points"])
    adjustments = PointsEntry.objects.filter(
        merchant=merchant, kind=EntryKind.ADJUST, created_at__gte=start, created_at__lt=end
    )
    returned = Q(reference__startswith="voucher:", reference__endswith=":cancelled")
    added = Q(points__gt=0)
    for prefix in NOT_ADDED:
        added &= ~Q(reference__startswith=prefix)
    split = (
        adjustments.values(place=Coalesce("purchase__shop", "voucher__issued_at_shop"))
        .annotate(added=Sum("points", filter=added), returned=Sum("points", filter=returned))
        .order_by()
    )
    for row in split:
        day.add(row["place"], "points_added", row["added"])
        day.add(row["place"], "points_returned", row["returned"])


def _vouchers(merchant: Merchant, start: datetime, end: datetime, day: _Day) -> None:
    vouchers = Voucher.objects.filter(merchant=merchant)
    issued = (
        vouchers.filter(issued_at__gte=start, issued_at__lt=end)
        .values("issued_at_shop_id")
        .annotate(n=Count("pk"), value=Sum(_voucher_cost()))
        .order_by()
    )
    for row in issued:
        day.add(row["issued_at_shop_id"], "vouchers_issued", row["n"])
        day.add(row["issued_at_shop_id"], "vouchers_issued_value", row["value"])
    used = (
        vouchers.filter(status=VoucherStatus.USED, used_at__gte=start, used_at__lt=end)
        .values("used_shop_id")
        .annotate(n=Count("pk"), value=Sum(_voucher_cost()))
        .order_by()
    )
    for row in used:
        day.add(row["used_shop_id"], "vouchers_used", row["n"])
        day.add(row["used_shop_id"], "vouchers_used_value", row["value"])


def _refunds_and_members(merchant: Merchant, start: datetime, end: datetime, day: _Day) -> None:
    refunds = (
        Refund.objects.filter(
            merchant=merchant,
            created_at__gte=start,
            created_at__lt=end,
            purchase__reversed_at__isnull=True,
        )
        .values("shop_id")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    for row in refunds:
        day.add(row["shop_id"], "refunds", row["n"])
        day.add(row["shop_id"], "refunds_amount", row["amount"])
    joined = (
        Member.objects.filter(merchant=merchant, joined_at__gte=start, joined_at__lt=end)
        .values("enrolled_at_shop_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in joined:
        day.add(row["enrolled_at_shop_id"], "new_members", row["n"])


def enrolments_of_day(merchant: Merchant, day: date) -> dict[tuple[int | None, int | None], int]:
    """{(shop id, staff user id): cards enrolled} on the local `day`, from the members."""
    start, end = day_span(day, day, merchant.tzinfo)
    rows = (
        Member.objects.filter(merchant=merchant, joined_at__gte=start, joined_at__lt=end)
        .values("enrolled_at_shop_id", "enrolled_by_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["enrolled_at_shop_id"], row["enrolled_by_id"]): row["n"] for row in rows}


def _money(figures: Figures) -> Figures:
    # SQLite sums decimals as floats: back to cents.
    return {
        name: (Decimal(value).quantize(CENT) if name in MONEY_FIGURES else value)
        for name, value in figures.items()
    }


def _lock(merchant: Merchant) -> None:
    """One rebuild of a merchant at a time (the job, the consumer and the command may meet).

    SQLite writes one transaction at a time already; PostgreSQL takes a transaction-scoped
    advisory lock, which blocks nobody else's work on the merchant's rows.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, merchant.pk % 2**31]
            )


def figures_of_day(merchant: Merchant, day: date) -> tuple[Figures, dict[int, Figures]]:
    """The day's figures from the raw rows: (the merchant's total, {shop id: that shop's})."""
    start, end = day_span(day, day, merchant.tzinfo)
    adding = _Day()
    _sales(merchant, start, end, adding)
    _points(merchant, start, end, adding)
    _vouchers(merchant, start, end, adding)
    _refunds_and_members(merchant, start, end, adding)
    _returning(merchant, start, end, adding)
    _active_90d(merchant, day, end, adding)
    _tiers(merchant, start, end, adding)
    shops = {
        shop_id: _money(figures)
        for shop_id, figures in adding.shops.items()
        if any(figures.values())
    }
    return _money(adding.total), shops


@transaction.atomic
def rebuild_day(merchant: Merchant, day: date, now: datetime | None = None) -> list[DailyStat]:
    """Replace the merchant's rows of the local `day` with figures recomputed from raw rows.

    Writes the total row always and a row for each shop with activity, and the day's
    enrolments by shop and staff member; returns the `DailyStat` rows.
    """
    _lock(merchant)
    total, shops = figures_of_day(merchant, day)
    now = now or timezone.now()
    EnrolmentStat.objects.filter(merchant=merchant, day=day).delete()
    EnrolmentStat.objects.bulk_create(
        EnrolmentStat(merchant=merchant, day=day, shop_id=shop, enrolled_by_id=staff, members=n)
        for (shop, staff), n in sorted(enrolments_of_day(merchant, day).items(), key=str)
    )
    DailyStat.objects.filter(merchant=merchant, day=day).delete()
    rows = [DailyStat(merchant=merchant, shop_id=None, day=day, computed_at=now, **total)]
    rows += [
        DailyStat(merchant=merchant, shop_id=shop_id, day=day, computed_at=now, **figures)
        for shop_id, figures in sorted(shops.items())
    ]
    return DailyStat.objects.bulk_create(rows)


def first_activity_day(merchant: Merchant) -> date:
    """The merchant's first local day with a sale, a member, a ledger entry or a voucher
    (its creation day when it has none)."""
    firsts = [
        Purchase.objects.filter(merchant=merchant).aggregate(at=Min("occurred_at"))["at"],
        Member.objects.filter(merchant=merchant).aggregate(at=Min("joined_at"))["at"],
        PointsEntry.objects.filter(merchant=merchant).aggregate(at=Min("created_at"))["at"],
        Voucher.objects.filter(merchant=merchant).aggregate(at=Min("issued_at"))["at"],
    ]
    moments = [at for at in firsts if at is not None] or [merchant.created_at]
    return local_today(merchant, min(moments))


def rebuild(merchant: Merchant, since: date | None = None, until: date | None = None) -> Rebuilt:
    """Rebuild every local day from `since` (default: the first activity) to `until` (default:
    the merchant's today), both included, one day per transaction."""
    until = until or local_today(merchant)
    since = since or first_activity_day(merchant)
    since = min(since, until)
    rows = days = 0
    day = since
    while day <= until:
        rows += len(rebuild_day(merchant, day))
        days += 1
        day += timedelta(days=1)
    return Rebuilt(first_day=since, last_day=until, days=days, rows=rows)


def rebuild_recent(now: datetime | None = None) -> int:
    """The nightly job: yesterday and today of every merchant, each in its own time zone
    (yesterday gets what came in after its last rebuild: expiry, late claims). Returns the
    number of days rebuilt."""
    days = 0
    for merchant in Merchant.objects.order_by("pk"):
        today = local_today(merchant, now)
        days += rebuild(merchant, today - timedelta(days=1), today).days
    return days
