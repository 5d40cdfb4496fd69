"""What a challenge would cost, from the merchant's own history, before it is launched.

`forecast(challenge)` replays the last comparable window (as many days as the challenge runs,
30 when it has no end, ending today) against the merchant's sales, referrals and survey
answers: how many members would have reached the goal in it, in one aggregate statement per
kind (no loop over members). Each such member is counted once; the cost is that number times
what one completion costs (its points, or the reward's points cost for a voucher), capped by
the points budget, and shown against the points liability (the members' available and pending
points, `loyalty.points.balances.latest_count`, the liability page's figure).

An unsaved challenge (the portal's form before launch) can be forecast like a saved one.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count

from feedback.models import Answer
from loyalty.clock import day_span, local_today
from loyalty.models.points import EntryKind, PointsEntry, Purchase
from loyalty.points.balances import latest_count
from rewards.engagement.forecast_rows import members_reaching_in_rows
from rewards.engagement.progress import goal
from rewards.models import Challenge, ChallengeKind

DEFAULT_DAYS = 30
# The kinds counted by the PostgreSQL statements below; other databases count them in Python.
ROW_KINDS = (
    ChallengeKind.VISITS,
    ChallengeKind.SPEND,
    ChallengeKind.TIME_WINDOW,
    ChallengeKind.NEW_CATEGORY,
)
# The statements below name the sales' table; a renamed model would fail here, not silently.
assert Purchase._meta.db_table == "loyalty_purchase"


@dataclass(frozen=True)
class Forecast:
    first_day: date
    last_day: date
    members: int  # who would have completed it in that window
    cost_per_completion: int
    cost: int  # points, capped by the budget
    capped: bool  # the budget would have stopped it
    liability: int  # the members' available and pending points now

    @property
    def percent_of_liability(self) -> Decimal | None:
        if not self.liability:
            return None
        return (Decimal(self.cost) * 100 / Decimal(self.liability)).quantize(Decimal("0.1"))


def window_length(challenge: Challenge) -> int:
    if challenge.starts_on and challenge.ends_on and challenge.ends_on >= challenge.starts_on:
        return (challenge.ends_on - challenge.starts_on).days + 1
    return DEFAULT_DAYS


_VISITS = """
    WITH days AS (
        SELECT DISTINCT member_id, (occurred_at AT TIME ZONE %(tz)s)::date AS day
        FROM (
            SELECT member_id, occurred_at FROM loyalty_purchase
            WHERE merchant_id = %(merchant)s AND member_id IS NOT NULL AND reversed_at IS NULL
              AND refunded_amount < amount AND occurred_at >= %(start)s AND occurred_at < %(end)s
        ) sales
    )
    SELECT COUNT(DISTINCT member_id) FROM (
        SELECT a.member_id FROM days a
        JOIN days b ON b.member_id = a.member_id AND b.day > a.day - %(days)s AND b.day <= a.day
        GROUP BY a.member_id, a.day HAVING COUNT(*) >= %(goal)s
    ) reached
"""

_SPEND = """
    SELECT COUNT(DISTINCT member_id) FROM (
        SELECT p.member_id FROM loyalty_purchase p
        WHERE p.merchant_id = %(merchant)s AND p.member_id IS NOT NULL
          AND p.reversed_at IS NULL AND p.occurred_at >= %(start)s AND p.occurred_at < %(end)s
        GROUP BY p.member_id, date_trunc('month', p.occurred_at AT TIME ZONE %(tz)s)
        HAVING SUM(p.amount - p.refunded_amount) >= %(goal)s
    ) reached
"""

_TIME_WINDOW = """
    SELECT COUNT(*) FROM (
        SELECT member_id FROM (
            SELECT member_id, occurred_at FROM loyalty_purchase
            WHERE merchant_id = %(merchant)s AND member_id IS NOT NULL AND reversed_at IS NULL
              AND refunded_amount < amount AND occurred_at >= %(start)s AND occurred_at < %(end)s
        ) sales
        WHERE (%(weekday)s::int IS NULL
               OR EXTRACT(ISODOW FROM occurred_at AT TIME ZONE %(tz)s) = %(weekday)s::int)
          AND (%(hour_from)s::int IS NULL
               OR EXTRACT(HOUR FROM occurred_at AT TIME ZONE %(tz)s) >= %(hour_from)s::int)
          AND (%(hour_to)s::int IS NULL
               OR EXTRACT(HOUR FROM occurred_at AT TIME ZONE %(tz)s) < %(hour_to)s::int)
        GROUP BY member_id
        HAVING COUNT(DISTINCT (occurred_at AT TIME ZONE %(tz)s)::date) >= %(goal)s
    ) reached
"""

# A member's first purchase of each category (ever): the ones that fall in the window.
_NEW_CATEGORY = """
    WITH firsts AS (
        SELECT p.member_id, lower(item->>'category') AS category, MIN(p.occurred_at) AS first_at
        FROM loyalty_purchase p
        CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(p.items) = 'array' THEN p.items ELSE '[]'::jsonb END
        ) item
        WHERE p.merchant_id = %(merchant)s AND p.member_id IS NOT NULL
          AND p.reversed_at IS NULL AND coalesce(item->>'category', '') <> ''
        GROUP BY 1, 2
    )
    SELECT COUNT(DISTINCT member_id) FROM firsts
    WHERE first_at >= %(start)s AND first_at < %(end)s
      AND (cardinality(%(categories)s::text[]) = 0 OR category = ANY(%(categories)s::text[]))
"""


def _scalar(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0] or 0)


def members_reaching(challenge: Challenge, first_day: date, last_day: date) -> int:
    """How many members would have completed the challenge between the two days (one query)."""
    merchant = challenge.merchant
    tz = merchant.tzinfo
    start, end = day_span(first_day, last_day, tz)
    params = {
        "merchant": merchant.pk,
        "start": start,
        "end": end,
        "tz": merchant.timezone,
        "goal": goal(challenge),
    }
    kind = challenge.kind
    if connection.vendor != "postgresql" and kind in ROW_KINDS:
        days = challenge.window_days or DEFAULT_DAYS
        return members_reaching_in_rows(challenge, start, end, params["goal"], days)
    if kind == ChallengeKind.VISITS:
        return _scalar(_VISITS, params | {"days": challenge.window_days or DEFAULT_DAYS})
    if kind == ChallengeKind.SPEND:
        return _scalar(_SPEND, params)
    if kind == ChallengeKind.TIME_WINDOW:
        weekday = None if challenge.weekday is None else challenge.weekday + 1
        extra = {"weekday": weekday, "hour_from": challenge.hour_from, "hour_to": challenge.hour_to}
        return _scalar(_TIME_WINDOW, params | extra)
    if kind == ChallengeKind.NEW_CATEGORY:
        categories = [str(c).lower() for c in challenge.categories or []]
        return _scalar(_NEW_CATEGORY, params | {"categories": categories})
    if kind == ChallengeKind.REFERRAL:
        rows = PointsEntry.objects.filter(
            merchant_id=merchant.pk,
            kind=EntryKind.BONUS,
            reference__startswith="referral:referrer:",
            created_at__gte=start,
            created_at__lt=end,
        )
    else:
        rows = Answer.objects.filter(
            merchant_id=merchant.pk,
            member__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
    return (
        rows.values("member_id").annotate(n=Count("pk")).filter(n__gte=challenge.goal_count).count()
    )


def forecast(challenge: Challenge, today: date | None = None) -> Forecast:
    """The challenge replayed over the last comparable window, ending today (see the module)."""
    merchant = challenge.merchant
    last_day = today or local_today(merchant)
    first_day = last_day - timedelta(days=window_length(challenge) - 1)
    members = members_reaching(challenge, first_day, last_day)
    per = challenge.cost
    cost = members * per
    capped = challenge.points_budget is not None and cost > challenge.points_budget
    if capped:
        cost = challenge.points_budget
    count = latest_count(merchant)
    return Forecast(
        first_day=first_day,
        last_day=last_day,
        members=members,
        cost_per_completion=per,
        cost=cost,
        capped=capped,
        liability=count.available + count.pending,
    )
