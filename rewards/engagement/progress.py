"""How far a member stands on a challenge, read from their own history (no stored counter).

Progress is what the member did since their last completion of the challenge (and since the
challenge started), counted from the sales, referrals and survey answers themselves:

- visits: distinct local days with a sale in the rolling `window_days` ending at `at`;
- spend: what the sales of the local calendar month holding `at` came to, net of refunds;
- time window: distinct local days with a sale on the weekday and/or between the hours;
- referral: the referral bonuses the member was paid as a referrer;
- survey: the survey answers the member gave;
- new category: 1 when the sale `at` has an item of a category (of the listed ones, or any)
  that the member never bought before, else 0 (see `new_categories`).

A reversed sale (and a fully refunded one) is not counted, so reversing a sale takes back the
progress it made that was not paid yet; a completion already paid stays paid.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate

from feedback.models import Answer
from loyalty.clock import midnight
from loyalty.models.points import EntryKind, PointsEntry, Purchase
from members.models import Member
from rewards.models import Challenge, ChallengeCompletion, ChallengeKind

SALE_KINDS = (
    ChallengeKind.VISITS,
    ChallengeKind.SPEND,
    ChallengeKind.NEW_CATEGORY,
    ChallengeKind.TIME_WINDOW,
)


@dataclass(frozen=True)
class Done:
    """The member's completions of one challenge: how many, and the moment the last counted up
    to (its sale's time, or its own time when no sale completed it)."""

    count: int
    since: datetime | None


def completions(challenge: Challenge, member: Member) -> Done:
    row = ChallengeCompletion.objects.filter(challenge=challenge, member=member).aggregate(
        n=Count("pk"), sale=Max("purchase__occurred_at"), at=Max("created_at")
    )
    since = row["sale"] if challenge.kind in SALE_KINDS else row["at"]
    return Done(row["n"], since)


def counted_sales(member: Member, tz: ZoneInfo, challenge: Challenge, since) -> QuerySet:
    """The member's sales that count: not reversed, not refunded in full, since the challenge
    started and since the last completion."""
    sales = Purchase.objects.filter(
        merchant_id=member.merchant_id,
        member=member,
        reversed_at__isnull=True,
        refunded_amount__lt=F("amount"),
        occurred_at__gte=midnight(challenge.starts_on, tz),
    )
    if since is not None:
        sales = sales.filter(occurred_at__gt=since)
    return sales


def matches_time(challenge: Challenge, moment: datetime, tz: ZoneInfo) -> bool:
    local = moment.astimezone(tz)
    if challenge.weekday is not None and local.weekday() != challenge.weekday:
        return False
    if challenge.hour_from is not None and local.hour < challenge.hour_from:
        return False
    return challenge.hour_to is None or local.hour < challenge.hour_to


def time_filter(challenge: Challenge) -> Q:
    """The weekday and hours of a time-window challenge as a filter on annotated sales
    (`iso_weekday` 1-7, `local_hour`)."""
    q = Q()
    if challenge.weekday is not None:
        q &= Q(iso_weekday=challenge.weekday + 1)
    if challenge.hour_from is not None:
        q &= Q(local_hour__gte=challenge.hour_from)
    if challenge.hour_to is not None:
        q &= Q(local_hour__lt=challenge.hour_to)
    return q


def _days(sales: QuerySet, tz: ZoneInfo) -> int:
    return (
        sales.annotate(day=TruncDate("occurred_at", tzinfo=tz)).aggregate(
            n=Count("day", distinct=True)
        )["n"]
        or 0
    )


def new_categories(challenge: Challenge, member: Member, purchase: Purchase, items) -> list[str]:
    """The categories of this sale's items that count and that the member never bought before
    (in any other sale not reversed); one query per candidate category, none without any."""
    wanted = set(challenge.categories)
    candidates: list[str] = []
    for item in items:
        category = str(item.get("category", "")).strip()
        if not category or category in candidates:
            continue
        if wanted and category.lower() not in wanted:
            continue
        candidates.append(category)
    fresh = []
    others = Purchase.objects.filter(
        merchant_id=member.merchant_id, member=member, reversed_at__isnull=True
    ).exclude(pk=purchase.pk)
    if not candidates:
        return fresh
    if connection.vendor != "postgresql":
        # No JSON containment on SQLite: the member's other sales' categories, read once.
        bought = {
            str((item or {}).get("category", "")).strip()
            for sale_items in others.values_list("items", flat=True)
            for item in (sale_items if isinstance(sale_items, list) else [])
        }
        return [category for category in candidates if category not in bought]
    for category in candidates:
        if not others.filter(items__contains=[{"category": category}]).exists():
            fresh.append(category)
    return fresh


def progress(
    challenge: Challenge,
    member: Member,
    at: datetime,
    since: datetime | None,
    tz: ZoneInfo,
) -> Decimal | int:
    """What counts towards the goal at `at` (an amount for spend, a count otherwise)."""
    kind = challenge.kind
    if kind == ChallengeKind.VISITS:
        sales = counted_sales(member, tz, challenge, since).filter(
            occurred_at__gt=at - timedelta(days=challenge.window_days or 30), occurred_at__lte=at
        )
        return _days(sales, tz)
    if kind == ChallengeKind.SPEND:
        local = at.astimezone(tz).date()
        first = local.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        sales = counted_sales(member, tz, challenge, since).filter(
            occurred_at__gte=midnight(first, tz),
            occurred_at__lt=midnight(following, tz),
            occurred_at__lte=at,
        )
        total = sales.aggregate(total=Sum(F("amount") - F("refunded_amount")))["total"]
        return total or Decimal("0")
    if kind == ChallengeKind.TIME_WINDOW:
        sales = (
            counted_sales(member, tz, challenge, since)
            .filter(occurred_at__lte=at)
            .annotate(
                iso_weekday=ExtractIsoWeekDay("occurred_at", tzinfo=tz),
                local_hour=ExtractHour("occurred_at", tzinfo=tz),
            )
            .filter(time_filter(challenge))
        )
        return _days(sales, tz)
    start = midnight(challenge.starts_on, tz)
    if kind == ChallengeKind.REFERRAL:
        entries = PointsEntry.objects.filter(
            merchant_id=member.merchant_id,
            member=member,
            kind=EntryKind.BONUS,
            reference__startswith="referral:referrer:",
            created_at__gte=start,
            created_at__lte=at,
        )
        if since is not None:
            entries = entries.filter(created_at__gt=since)
        return entries.count()
    if kind == ChallengeKind.SURVEY:
        answers = Answer.objects.filter(
            merchant_id=member.merchant_id, member=member, created_at__gte=start, created_at__lte=at
        )
        if since is not None:
            answers = answers.filter(created_at__gt=since)
        return answers.count()
    return 0  # a new category is a moment, not a count (see new_categories)


def goal(challenge: Challenge) -> Decimal | int:
    if challenge.kind == ChallengeKind.SPEND:
        return challenge.goal_amount or Decimal("0")
    if challenge.kind == ChallengeKind.NEW_CATEGORY:
        return 1
    return challenge.goal_count


def reached(challenge: Challenge, value: Decimal | int) -> bool:
    target = goal(challenge)
    return target > 0 and value >= target


def sale_counts(challenge: Challenge, purchase: Purchase, items: Sequence[dict], tz) -> bool:
    """Whether this sale can move the challenge at all (no query): the cheap test first."""
    if purchase.reversed_at is not None:
        return False
    if challenge.kind == ChallengeKind.TIME_WINDOW:
        return matches_time(challenge, purchase.occurred_at, tz)
    if challenge.kind == ChallengeKind.NEW_CATEGORY:
        return any(str(item.get("category", "")).strip() for item in items)
    return challenge.kind in SALE_KINDS
