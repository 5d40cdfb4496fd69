"""The forecast's sale kinds counted in Python from the window's rows, for databases other than
PostgreSQL (the embedded SQLite of a single shop). Same rules as the statements of
`rewards.engagement.forecast`: sales not reversed, visits and time windows without the fully
refunded ones, distinct local days, the spend per local calendar month, a category's first
purchase ever.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from loyalty.models.points import Purchase
from rewards.models import Challenge, ChallengeKind


def _sales(merchant_id: int, start: datetime | None, end: datetime | None):
    rows = Purchase.objects.filter(
        merchant_id=merchant_id, member__isnull=False, reversed_at__isnull=True
    )
    if start is not None:
        rows = rows.filter(occurred_at__gte=start, occurred_at__lt=end)
    return rows.values_list("member_id", "occurred_at", "amount", "refunded_amount", "items")


def _visits(rows, tz: ZoneInfo, goal: int, days: int) -> int:
    seen: dict[int, set] = defaultdict(set)
    for member_id, at, amount, refunded, _items in rows:
        if refunded < amount:
            seen[member_id].add(at.astimezone(tz).date())
    reached = 0
    for member_days in seen.values():
        ordered = sorted(member_days)
        if any(
            sum(1 for b in ordered if a - timedelta(days=days) < b <= a) >= goal for a in ordered
        ):
            reached += 1
    return reached


def _spend(rows, tz: ZoneInfo, goal: Decimal) -> int:
    months: dict[tuple, Decimal] = defaultdict(Decimal)
    for member_id, at, amount, refunded, _items in rows:
        local = at.astimezone(tz)
        months[(member_id, local.year, local.month)] += amount - refunded
    return len({key[0] for key, total in months.items() if total >= goal})


def _time_window(rows, tz: ZoneInfo, challenge: Challenge, goal: int) -> int:
    seen: dict[int, set] = defaultdict(set)
    for member_id, at, amount, refunded, _items in rows:
        local = at.astimezone(tz)
        if refunded >= amount:
            continue
        if challenge.weekday is not None and local.isoweekday() != challenge.weekday + 1:
            continue
        if challenge.hour_from is not None and local.hour < challenge.hour_from:
            continue
        if challenge.hour_to is not None and local.hour >= challenge.hour_to:
            continue
        seen[member_id].add(local.date())
    return sum(1 for member_days in seen.values() if len(member_days) >= goal)


def _new_category(rows, challenge: Challenge, start: datetime, end: datetime) -> int:
    wanted = {str(c).lower() for c in challenge.categories or []}
    firsts: dict[tuple, datetime] = {}
    for member_id, at, _amount, _refunded, items in rows:
        for item in items if isinstance(items, list) else []:
            category = str((item or {}).get("category") or "").lower()
            key = (member_id, category)
            if category and (key not in firsts or at < firsts[key]):
                firsts[key] = at
    return len(
        {
            member_id
            for (member_id, category), at in firsts.items()
            if start <= at < end and (not wanted or category in wanted)
        }
    )


def members_reaching_in_rows(
    challenge: Challenge, start: datetime, end: datetime, goal, days: int
) -> int:
    """How many members would have reached a sale kind's goal between `start` and `end`."""
    merchant = challenge.merchant
    tz = merchant.tzinfo
    kind = challenge.kind
    if kind == ChallengeKind.NEW_CATEGORY:
        return _new_category(_sales(merchant.pk, None, None), challenge, start, end)
    rows = list(_sales(merchant.pk, start, end))
    if kind == ChallengeKind.VISITS:
        return _visits(rows, tz, goal, days)
    if kind == ChallengeKind.SPEND:
        return _spend(rows, tz, Decimal(goal))
    return _time_window(rows, tz, challenge, goal)
