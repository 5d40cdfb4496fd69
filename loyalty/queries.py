"""Read paths for the portal: each starts from the merchant."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from loyalty.models import AuditEvent, Invitation, Merchant, StaffMember
from loyalty.models.points import EntryKind, PointsEntry, Purchase, Tier
from loyalty.services.points import get_program
from members.models import Member


def open_invitations(merchant: Merchant) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_merchant(merchant)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("shop")
    )


def audit_actions(merchant: Merchant) -> list[str]:
    return list(
        AuditEvent.objects.for_merchant(merchant)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def audit_actors(merchant: Merchant) -> list[tuple[int, str]]:
    return list(
        StaffMember.objects.for_merchant(merchant)
        .order_by("user__email")
        .values_list("user_id", "user__email")
    )


def audit_events(
    merchant: Merchant,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.for_merchant(merchant).select_related("actor")
    if action:
        events = events.filter(action=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lte=until)
    return events


# --- Program -------------------------------------------------------------------------------------


def tiers_with_member_counts(merchant: Merchant) -> QuerySet[Tier]:
    """The merchant's tiers, lowest first, each with `members_count` (one query)."""
    # Member.tier has no reverse accessor (related_name="+"), hence a counting subquery.
    counts = (
        Member.objects.filter(tier=OuterRef("pk"))
        .order_by()
        .values("tier")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Tier.objects.for_merchant(merchant)
        .annotate(members_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))
        .order_by("threshold")
    )


# --- Dashboard -----------------------------------------------------------------------------------

DASHBOARD_DAYS = 30
_MONEY = DecimalField(max_digits=14, decimal_places=2)
_ZERO_MONEY = Value(Decimal("0.00"), output_field=_MONEY)
CENT = Decimal("0.01")


def _sum(expression, condition: Q | None = None, *, money: bool = False):
    """A SUM that is 0, not NULL, when nothing matches."""
    if money:
        return Coalesce(Sum(expression, filter=condition, output_field=_MONEY), _ZERO_MONEY)
    return Coalesce(Sum(expression, filter=condition), 0)


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def dashboard_figures(merchant: Merchant, now: datetime | None = None) -> dict:
    """Today and the last 30 days (today included), in the merchant's time zone.

    Each table is read once with conditional aggregates, plus one grouped query for the daily
    sales: the number of queries does not grow with the data. Sales exclude reversed
    purchases and are net of refunds (a refund lowers the day of its sale).
    """
    tz = merchant.tzinfo
    now = now or timezone.now()
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=DASHBOARD_DAYS - 1)
    today_start = datetime.combine(today, time.min, tzinfo=tz)
    period_start = datetime.combine(first_day, time.min, tzinfo=tz)
    period_end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz)
    is_today = Q(occurred_at__gte=today_start)
    by_member = Q(member__isnull=False)
    net = F("amount") - F("refunded_amount")

    sales = (
        Purchase.objects.for_merchant(merchant)
        .filter(reversed_at__isnull=True, occurred_at__gte=period_start, occurred_at__lt=period_end)
        .aggregate(
            today_count=Count("pk", filter=is_today),
            today_amount=_sum(net, is_today, money=True),
            today_members=_sum(net, is_today & by_member, money=True),
            period_count=Count("pk"),
            period_amount=_sum(net, money=True),
            period_members=_sum(net, by_member, money=True),
        )
    )

    joined_today = Q(joined_at__gte=today_start, joined_at__lt=period_end)
    joined_period = Q(joined_at__gte=period_start, joined_at__lt=period_end)
    members = Member.objects.for_merchant(merchant).aggregate(
        today_new=Count("pk", filter=joined_today),
        period_new=Count("pk", filter=joined_period),
        # A negative balance (after a refund) is a debt of the member, not a liability.
        available=_sum("points_balance", Q(points_balance__gt=0)),
        pending=_sum("pending_points"),
    )

    issued = Q(kind__in=[EntryKind.EARN, EntryKind.BONUS]) | Q(kind=EntryKind.ADJUST, points__gt=0)
    redeemed = Q(kind=EntryKind.REDEEM)
    expired = Q(kind=EntryKind.EXPIRE)
    entry_today = Q(created_at__gte=today_start)
    points = (
        PointsEntry.objects.for_merchant(merchant)
        .filter(created_at__gte=period_start, created_at__lt=period_end)
        .aggregate(
            today_issued=_sum("points", issued & entry_today),
            today_redeemed=_sum("points", redeemed & entry_today),
            today_expired=_sum("points", expired & entry_today),
            period_issued=_sum("points", issued),
            period_redeemed=_sum("points", redeemed),
            period_expired=_sum("points", expired),
        )
    )

    program = get_program(merchant)
    liability_points = members["available"] + members["pending"]

    def figures(prefix: str) -> dict:
        amount = sales[f"{prefix}_amount"].quantize(CENT)
        return {
            "sales_count": sales[f"{prefix}_count"],
            "sales_amount": amount,
            "member_sales_amount": sales[f"{prefix}_members"].quantize(CENT),
            "member_share": _share(sales[f"{prefix}_members"], amount),
            "new_members": members[f"{prefix}_new"],
            "points_issued": points[f"{prefix}_issued"],
            "points_redeemed": -points[f"{prefix}_redeemed"],
            "points_expired": -points[f"{prefix}_expired"],
        }

    return {
        # Older sales only matter to tell a new merchant from a quiet month.
        "has_sales": sales["period_count"] > 0 or Purchase.objects.for_merchant(merchant).exists(),
        "today": today,
        "first_day": first_day,
        "days": DASHBOARD_DAYS,
        "figures_today": figures("today"),
        "figures_period": figures("period"),
        "liability_points": liability_points,
        "liability_pending_points": members["pending"],
        "liability_amount": (Decimal(liability_points) * program.point_value).quantize(CENT),
        "daily_sales": daily_sales(merchant, first_day, today),
        "program": program,
    }


def daily_sales(merchant: Merchant, first_day: date, last_day: date) -> list[dict]:
    """Net sales and receipts per local day from `first_day` to `last_day`, empty days too.

    One grouped query; `share` is the day's amount as a percentage of the best day (for bars).
    """
    tz = merchant.tzinfo
    rows = (
        Purchase.objects.for_merchant(merchant)
        .filter(
            reversed_at__isnull=True,
            occurred_at__gte=datetime.combine(first_day, time.min, tzinfo=tz),
            occurred_at__lt=datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz),
        )
        .annotate(day=TruncDate("occurred_at", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(amount=_sum(F("amount") - F("refunded_amount"), money=True), count=Count("pk"))
    )
    by_day = {row["day"]: row for row in rows}
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    best = max((row["amount"] for row in by_day.values()), default=Decimal("0"))
    result = []
    for day in days:
        row = by_day.get(day, {"amount": Decimal("0"), "count": 0})
        amount = Decimal(row["amount"]).quantize(CENT)
        result.append(
            {
                "day": day,
                "amount": amount,
                "count": row["count"],
                "share": int(amount * 100 / best) if best > 0 else 0,
            }
        )
    return result
