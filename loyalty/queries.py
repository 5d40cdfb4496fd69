"""Read paths for the portal: each starts from the merchant."""

from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

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
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.clock import local_today, midnight
from loyalty.content import localized
from loyalty.models import AuditEvent, DailyStat, Invitation, Merchant, Shop, StaffMember
from loyalty.models.points import PointsEntry, Program, Purchase, Tier, TierBasis
from loyalty.money import format_money
from loyalty.points.balances import latest_count
from loyalty.points.ledger import EARNED_KINDS, get_program, tier_for, tier_window_start, tiers_of
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


def tier_progress(
    member: Member,
    *,
    program: Program | None = None,
    tiers: list[Tier] | None = None,
    now: datetime | None = None,
    value: Decimal | None = None,
    localize: bool = False,
) -> dict:
    """Where a member stands on the way to the next tier, for a progress bar and a sentence.

    The qualifying value is what the points engine counts when it places members: on the spend
    basis, the member's sales in the window that were not reversed, net of refunds; on the
    points basis, the points earned in the window as the ledger has them (purchases, bonuses,
    clawbacks and reversals; not manual adjustments). One aggregate query; pass `program` and
    `tiers` when showing many members. `value`: the qualifying value at `now` when the caller
    knows it (a sale just recorded), and no query is made. `localize`: the sentence names the
    tiers in the language being spoken (the member page, the till, the API); the portal keeps
    the merchant's own names.
    """
    merchant = member.merchant
    program = program or get_program(merchant)
    tiers = sorted(tiers_of(merchant) if tiers is None else tiers, key=lambda t: t.threshold)
    now = now or timezone.now()
    window_start = tier_window_start(program, now, merchant.tzinfo)
    by_points = program.tier_basis == TierBasis.POINTS
    if value is not None:
        value = value if by_points else Decimal(value).quantize(CENT)
    elif by_points:
        # Their own entries and those of cards merged into theirs (see Member.merged_into).
        cards = [member.pk, *Member.objects.filter(merged_into=member).values_list("pk", flat=True)]
        value = PointsEntry.objects.filter(
            member_id__in=cards,
            kind__in=EARNED_KINDS,
            created_at__gte=window_start,
            created_at__lte=now,
        ).aggregate(value=_sum("points"))["value"]
    else:
        value = (
            Purchase.objects.filter(
                member=member,
                reversed_at__isnull=True,
                occurred_at__gte=window_start,
                occurred_at__lte=now,
            ).aggregate(value=_sum(F("amount") - F("refunded_amount"), money=True))["value"]
        ).quantize(CENT)

    # The member's tier is the engine's decision (a downgrade waits for the grace period); a
    # member without one is measured from the tier the value reaches.
    current = next((tier for tier in tiers if tier.pk == member.tier_id), None)
    base = current or tier_for(tiers, Decimal(value))
    higher = [tier for tier in tiers if base is None or tier.threshold > base.threshold]
    next_tier = higher[0] if higher else None

    def name(tier: Tier) -> str:
        return localized(tier, "name") if localize else tier.name

    remaining = None
    percent = 100
    if next_tier is None:
        label = _("Top tier: %(tier)s") % {"tier": name(base)} if base else ""
    else:
        gap = max(next_tier.threshold - Decimal(value), Decimal("0"))
        if next_tier.threshold > 0:
            percent = min(100, int(Decimal(value) * 100 / next_tier.threshold))
        if by_points:
            remaining = int(gap.to_integral_value(rounding=ROUND_CEILING))
            label = ngettext(
                "%(points)s point more to %(tier)s",
                "%(points)s points more to %(tier)s",
                remaining,
            ) % {
                "points": number_format(remaining, 0, use_l10n=True, force_grouping=True),
                "tier": name(next_tier),
            }
        else:
            remaining = gap.quantize(CENT)
            label = _("%(money)s more to %(tier)s") % {
                "money": format_money(remaining, merchant),
                "tier": name(next_tier),
            }
        if not remaining:
            label = _("Qualifies for %(tier)s") % {"tier": name(next_tier)}
    return {
        "tier": current,
        "next_tier": next_tier,
        "basis": program.tier_basis,
        "value": value,
        "remaining": remaining,
        "percent": max(0, percent),
        "label": label,
        "window_start": window_start,
    }


# --- Purchases -----------------------------------------------------------------------------------


def purchases(
    merchant: Merchant,
    *,
    shop: Shop | None = None,
    flagged: bool = False,
    anonymous: bool = False,
    receipt: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Purchase]:
    """The merchant's sales, newest first, with what a row of the list shows (one query).

    `since` and `until` are local days of the merchant, both included, by when the sale
    occurred (the day the daily statistics count it on)."""
    rows = (
        Purchase.objects.for_merchant(merchant)
        .select_related("shop", "member")
        .order_by("-occurred_at", "-pk")
    )
    if shop is not None:
        rows = rows.filter(shop=shop)
    if flagged:
        rows = rows.exclude(flags=[])
    if anonymous:
        rows = rows.filter(member__isnull=True)
    if receipt:
        rows = rows.filter(external_id__icontains=receipt)
    if since:
        rows = rows.filter(occurred_at__gte=midnight(since, merchant.tzinfo))
    if until:
        rows = rows.filter(occurred_at__lt=midnight(until + timedelta(days=1), merchant.tzinfo))
    return rows


def purchase_entries(purchase: Purchase) -> QuerySet[PointsEntry]:
    """The ledger entries a sale caused, oldest first: earned, bonus, clawbacks, reversal."""
    return purchase.entries.select_related("actor", "refund").order_by("created_at", "pk")


def reversal_reason(purchase: Purchase) -> str:
    """Why a sale was reversed, as the audit log keeps it (an anonymous sale has no entry)."""
    event = AuditEvent.objects.filter(
        merchant_id=purchase.merchant_id,
        action="loyalty.purchase.reversed",
        target_type=Purchase._meta.model_name,
        target_id=str(purchase.pk),
    ).first()
    return event.data.get("reason", "") if event else ""


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


# The total rows' figures the dashboard reads.
_DASHBOARD_COLUMNS = (
    "day",
    "sales_members",
    "sales_anonymous",
    "revenue_members",
    "revenue_anonymous",
    "sales_flagged",
    "new_members",
    "points_issued",
    "points_added",
    "points_redeemed",
    "points_returned",
    "points_expired",
)


def dashboard_figures(merchant: Merchant, now: datetime | None = None) -> dict:
    """Today and the last 30 days (today included), in the merchant's time zone.

    Read from the daily statistics (`DailyStat`, the merchant's total rows: one query for the
    30 days), never from purchases or the ledger, so the page costs the same with ten sales or
    ten million; the outbox keeps today's row current. The liability is the stored balance
    count (`loyalty.points.balances`), which the outbox's drain keeps current. What the figures
    count is `loyalty.analytics.rollups`' definition:
    sales not reversed and not refunded in full, net of refunds; points issued are earned,
    bonuses and points added by hand; points redeemed are spent on rewards less what cancelled
    vouchers gave back (both on the day they happened).
    """
    today = local_today(merchant, now)
    first_day = today - timedelta(days=DASHBOARD_DAYS - 1)
    rows = {
        row["day"]: row
        for row in DailyStat.objects.for_merchant(merchant)
        .filter(shop__isnull=True, day__gte=first_day, day__lte=today)
        .values(*_DASHBOARD_COLUMNS)
    }
    program = get_program(merchant)
    # A negative balance (after a refund) is a debt of the member, not a liability.
    balances = latest_count(merchant, program, now)
    liability_points = balances.available + balances.pending
    period = _dashboard_sums(rows.values())
    return {
        # Older sales only matter to tell a new merchant from a quiet month.
        "has_sales": period["sales_count"] > 0 or Purchase.objects.for_merchant(merchant).exists(),
        "today": today,
        "first_day": first_day,
        "days": DASHBOARD_DAYS,
        "figures_today": _dashboard_sums([rows[today]] if today in rows else []),
        "figures_period": period,
        "flagged_purchases": sum(row["sales_flagged"] for row in rows.values()),
        "liability_points": liability_points,
        "liability_pending_points": balances.pending,
        "liability_counted_at": balances.counted_at,
        "liability_amount": (Decimal(liability_points) * program.point_value).quantize(CENT),
        "daily_sales": daily_sales(rows, first_day, today),
        "program": program,
    }


def _dashboard_sums(rows) -> dict:
    rows = list(rows)

    def total(name: str):
        return sum((row[name] for row in rows), Decimal("0.00") if "revenue" in name else 0)

    members = total("revenue_members").quantize(CENT)
    amount = (members + total("revenue_anonymous")).quantize(CENT)
    return {
        "sales_count": total("sales_members") + total("sales_anonymous"),
        "sales_amount": amount,
        "member_sales_amount": members,
        "member_share": _share(members, amount),
        "new_members": total("new_members"),
        "points_issued": total("points_issued") + total("points_added"),
        "points_redeemed": total("points_redeemed") - total("points_returned"),
        "points_expired": total("points_expired"),
    }


def daily_sales(rows: dict[date, dict], first_day: date, last_day: date) -> list[dict]:
    """Net sales and receipts per local day from `first_day` to `last_day`, empty days too,
    from the days' total rows (`{day: row}`); `share` is the day's amount as a percentage of
    the best day (for bars)."""
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    amounts = {
        day: (row["revenue_members"] + row["revenue_anonymous"]).quantize(CENT)
        for day, row in rows.items()
    }
    best = max(amounts.values(), default=Decimal("0"))
    result = []
    for day in days:
        row = rows.get(day)
        amount = amounts.get(day, Decimal("0.00"))
        result.append(
            {
                "day": day,
                "amount": amount,
                "count": (row["sales_members"] + row["sales_anonymous"]) if row else 0,
                "share": int(amount * 100 / best) if best > 0 else 0,
            }
        )
    return result
