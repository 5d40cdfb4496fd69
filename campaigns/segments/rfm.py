"""RFM scores (`MemberRfm`) and the named segments, recomputed nightly in SQL.

Who is scored: every active member of the merchant with at least one counted purchase on or
before the day scored. "Counted" is the rule of the rollups and the cohorts
(`loyalty.analytics.cohorts.counted_purchases`): not reversed and not fully refunded. Blocked and
anonymized members are left out (a campaign never speaks to them, and an erased person keeps no
profile); a member with no counted purchase any more loses their row.

The figures come from the Purchase table, not from the members' cached fields
(`purchase_count`, `lifetime_spend`, `last_purchase_at`): the caches count a fully refunded sale
as a purchase while every report of the portal does not, and they only know the present, while
`recompute_rfm(merchant, today=...)` really computes as of an earlier day (purchases after it
are ignored), which the demo's "since last month" uses. Per member:

- recency: the merchant's local days between the day scored and the local day of the last
  counted purchase;
- frequency: the counted purchases;
- monetary: their amounts net of refunds.

Scores 1-5 within the merchant, 5 the best (most recent, most frequent, biggest spend), from the
rank: ``score = 1 + floor(5 * (rank - 1) / n)`` where `rank` is SQL's ``RANK()`` (ties share
the lowest rank) over the n members scored. A member's score is thus the fifth of the
population that the members strictly below them fill: equal behaviour always gets an equal
score (a café where half the members came once gives all of them frequency 1, where ``NTILE``
would split them at random between 1, 2 and 3 by their id).

The named segment comes from R and FM = ceil((F + M) / 2), on the widely used R x FM grid of
the classic RFM segment map (the ranges of the usual "RFM segments" table, where a segment
spanning scores a-b takes the cells a+1..b):

    ====  ==============  ==============  ==============  ===============  ===============
    R\\FM  1               2               3               4                5
    ====  ==============  ==============  ==============  ===============  ===============
    5     New             Potential loy.  Potential loy.  Champions        Champions
    4     Promising       Potential loy.  Potential loy.  Loyal            Loyal
    3     About to sleep  About to sleep  Need attention  Loyal            Loyal
    2     Lost            Hibernating     At risk         At risk          At risk
    1     Lost            Lost            At risk         Can't lose them  Can't lose them
    ====  ==============  ==============  ==============  ===============  ===============

How, in one transaction: the ORM's query of the counted purchases grouped by member (the
last local day by `TruncDate` in the merchant's time zone, which both databases compute)
fills a temporary table (``CREATE TEMPORARY TABLE ... AS``, which PostgreSQL runs with
parallel workers where an INSERT's query gets none); the rows of members it does not score
are deleted; one ``INSERT ... SELECT ... ON CONFLICT (member_id) DO UPDATE`` scores the active
members among them with plain SQL that PostgreSQL and SQLite (>= 3.25) both run:
``RANK() OVER (ORDER BY ...)`` and ``COUNT(*) OVER ()`` for the scores, a ``CASE`` for the
segment. A member scored the night before keeps their row, updated in place (no foreign-key
check again, unlike a delete and insert). Only the days between two dates differ by vendor.
Python sees no member. Then the day's `RfmSegmentCount` rows (members per segment) are
replaced: running it twice on a day changes nothing. Timings: `bench/campaigns.py` and
docs/ARCHITECTURE.md.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, Max, Sum
from django.db.models.functions import TruncDate

from campaigns.models import MemberRfm, RfmSegment, RfmSegmentCount
from loyalty.analytics.cohorts import counted_purchases
from loyalty.clock import local_today, midnight
from loyalty.models import Merchant
from members.models import Member, MemberStatus

# Namespace of the PostgreSQL advisory lock that serializes a merchant's recomputes.
LOCK_NAMESPACE = 1_311_015
# The temporary table of one recompute's per-member figures (this transaction only).
STATS = "campaigns_rfm_stats"

S = RfmSegment
# GRID[r][fm - 1]: the segment of recency score r and FM score fm (the docstring's table).
GRID: dict[int, tuple[RfmSegment, ...]] = {
    5: (S.NEW, S.POTENTIAL_LOYALISTS, S.POTENTIAL_LOYALISTS, S.CHAMPIONS, S.CHAMPIONS),
    4: (S.PROMISING, S.POTENTIAL_LOYALISTS, S.POTENTIAL_LOYALISTS, S.LOYAL, S.LOYAL),
    3: (S.ABOUT_TO_SLEEP, S.ABOUT_TO_SLEEP, S.NEED_ATTENTION, S.LOYAL, S.LOYAL),
    2: (S.LOST, S.HIBERNATING, S.AT_RISK, S.AT_RISK, S.AT_RISK),
    1: (S.LOST, S.LOST, S.AT_RISK, S.CANT_LOSE, S.CANT_LOSE),
}


def fm_score(frequency_score: int, monetary_score: int) -> int:
    """The grid's FM: the average of F and M, rounded up."""
    return (frequency_score + monetary_score + 1) // 2


def segment_of(recency_score: int, frequency_score: int, monetary_score: int) -> RfmSegment:
    """The named segment of a member's three scores (the same table the SQL uses)."""
    return GRID[recency_score][fm_score(frequency_score, monetary_score) - 1]


def score_sql(column: str) -> str:
    """SQL of a 1-5 score from the rank of `column` (ascending: the largest value scores 5)."""
    return f"1 + 5 * (RANK() OVER (ORDER BY {column}) - 1) / COUNT(*) OVER ()"


def _segment_case() -> tuple[str, list]:
    whens, params = [], []
    for r, row in GRID.items():
        for fm, segment in enumerate(row, start=1):
            whens.append("WHEN %s THEN %s")
            params += [r * 10 + fm, segment.value]
    return f"CASE q.r * 10 + (q.f + q.m + 1) / 2 {' '.join(whens)} END", params


def _days_between_sql() -> str:
    """SQL of the days from `q.last_day` to the day scored (a parameter)."""
    if connection.vendor == "postgresql":
        return "(CAST(%s AS date) - q.last_day)"
    return "CAST(julianday(%s) - julianday(q.last_day) AS INTEGER)"


def member_stats_sql(merchant: Merchant, today: date) -> tuple[str, list]:
    """The ORM's SQL of one row per member with a counted purchase: member_id, last_day,
    frequency, monetary. No join: the active members are picked from its result."""
    end = midnight(today + timedelta(days=1), merchant.tzinfo)
    stats = (
        counted_purchases(merchant)
        .filter(occurred_at__lt=end)
        .values("member_id")
        .annotate(
            last_day=TruncDate(Max("occurred_at"), tzinfo=merchant.tzinfo),
            frequency=Count("id"),
            monetary=Sum(F("amount") - F("refunded_amount")),
        )
        .values("member_id", "last_day", "frequency", "monetary")
    )
    sql, params = stats.query.sql_with_params()
    return sql, list(params)


def active_members_sql(merchant: Merchant) -> tuple[str, list]:
    members = Member.objects.for_merchant(merchant).filter(status=MemberStatus.ACTIVE)
    sql, params = members.values("pk").query.sql_with_params()
    return sql, list(params)


def _lock(merchant: Merchant) -> None:
    """One recompute of a merchant at a time (the nightly job and the command may meet); SQLite
    writes one transaction at a time already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, merchant.pk % 2**31]
            )
            # The grouping of a big merchant's purchases and the three sorts stay in memory
            # (this transaction only).
            cursor.execute("SET LOCAL work_mem = '256MB'")


def insert_statement(merchant: Merchant, today: date) -> tuple[str, list]:
    """The INSERT ... SELECT of every scored member's row, from the STATS table."""
    members_sql, members_params = active_members_sql(merchant)
    case_sql, case_params = _segment_case()
    table = connection.ops.quote_name(MemberRfm._meta.db_table)
    # The subquery is the ORM's own SQL with its parameters; the rest is constants.
    statement = (
        f"INSERT INTO {table} (merchant_id, member_id, recency_days, frequency, monetary, "  # noqa: S608
        "recency_score, frequency_score, monetary_score, segment, computed_on) "
        f"SELECT %s, q.member_id, {_days_between_sql()}, q.frequency, q.monetary, "
        f"q.r, q.f, q.m, {case_sql}, %s FROM ("
        f"SELECT s.member_id, s.last_day, s.frequency, s.monetary, {score_sql('s.last_day')} AS r, "
        f"{score_sql('s.frequency')} AS f, {score_sql('s.monetary')} AS m "
        f"FROM {STATS} s WHERE s.member_id IN ({members_sql})) q WHERE 1 = 1 "
        # A member scored before keeps their row: updated in place, its foreign keys are not
        # checked again (SQLite needs the WHERE above to read ON CONFLICT after a SELECT).
        "ON CONFLICT (member_id) DO UPDATE SET recency_days = excluded.recency_days, "
        "frequency = excluded.frequency, monetary = excluded.monetary, "
        "recency_score = excluded.recency_score, frequency_score = excluded.frequency_score, "
        "monetary_score = excluded.monetary_score, segment = excluded.segment, "
        "computed_on = excluded.computed_on"
    )
    day = connection.ops.adapt_datefield_value(today)
    return statement, [merchant.pk, day, *case_params, day, *members_params]


def stale_statement(merchant: Merchant) -> tuple[str, list]:
    """The DELETE of the rows of members this run does not score (no counted purchase any
    more, or no longer active)."""
    members_sql, members_params = active_members_sql(merchant)
    table = connection.ops.quote_name(MemberRfm._meta.db_table)
    # The subquery is the ORM's own SQL with its parameters; the rest is constants.
    statement = (
        f"DELETE FROM {table} WHERE merchant_id = %s AND NOT (member_id IN "  # noqa: S608
        f"(SELECT member_id FROM {STATS}) AND member_id IN ({members_sql}))"
    )
    return statement, [merchant.pk, *members_params]


@transaction.atomic
def recompute_rfm(merchant: Merchant, today: date | None = None) -> int:
    """Replace the merchant's RFM rows with scores as of `today` (default: the merchant's
    today) and write that day's segment counts. Returns the members scored."""
    today = today or local_today(merchant)
    _lock(merchant)
    stats_sql, stats_params = member_stats_sql(merchant, today)
    statement, params = insert_statement(merchant, today)
    with connection.cursor() as cursor:
        # The grouping goes to a temporary table first: PostgreSQL runs CREATE TABLE AS with
        # parallel workers, never an INSERT's query. Dropped at the end; a failed recompute's
        # rollback takes it away too (DDL is transactional on both databases).
        cursor.execute(f"DROP TABLE IF EXISTS {STATS}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STATS} AS {stats_sql}", stats_params)
        cursor.execute(*stale_statement(merchant))
        cursor.execute(statement, params)
        scored = cursor.rowcount
        cursor.execute(f"DROP TABLE {STATS}")
    _write_counts(merchant, today)
    return scored


def _write_counts(merchant: Merchant, day: date) -> None:
    counts = (
        MemberRfm.objects.for_merchant(merchant)
        .order_by()
        .values("segment")
        .annotate(members=Count("pk"))
        .values_list("segment", "members")
    )
    rows = [
        RfmSegmentCount(merchant=merchant, day=day, segment=segment, members=members)
        for segment, members in counts
    ]
    RfmSegmentCount.objects.for_merchant(merchant).filter(day=day).delete()
    RfmSegmentCount.objects.bulk_create(rows)


# --- Reading the counts (the segments page) ----------------------------------------------------

COMPARE_DAYS = 30


@dataclass(frozen=True)
class SegmentRow:
    segment: RfmSegment
    members: int
    before: int | None  # None: no earlier count to compare with

    @property
    def change(self) -> int | None:
        return None if self.before is None else self.members - self.before


@dataclass(frozen=True)
class SegmentCounts:
    day: date | None  # the latest day counted; None: never computed
    before_day: date | None  # the counted day closest to COMPARE_DAYS before it
    rows: list[SegmentRow]  # every named segment, in the order of RfmSegment

    @property
    def total(self) -> int:
        return sum(row.members for row in self.rows)


def comparison_day(merchant: Merchant, day: date) -> date | None:
    """The counted day before `day` closest to COMPARE_DAYS before it (the earlier on a tie)."""
    target = day - timedelta(days=COMPARE_DAYS)
    days = RfmSegmentCount.objects.for_merchant(merchant).filter(day__lt=day).order_by()
    candidates = [
        days.filter(day__lte=target).order_by("-day").values_list("day", flat=True).first(),
        days.filter(day__gt=target).order_by("day").values_list("day", flat=True).first(),
    ]
    found = [found for found in candidates if found is not None]
    return min(found, key=lambda found: (abs((found - target).days), found), default=None)


def segment_counts(merchant: Merchant) -> SegmentCounts:
    """Members per named segment on the latest day counted, and on the day to compare with."""
    counts = RfmSegmentCount.objects.for_merchant(merchant)
    day = counts.order_by("-day").values_list("day", flat=True).first()
    if day is None:
        return SegmentCounts(day=None, before_day=None, rows=[])
    before_day = comparison_day(merchant, day)
    days = [day] if before_day is None else [day, before_day]
    found = {(row.day, row.segment): row.members for row in counts.filter(day__in=days).order_by()}
    rows = [
        SegmentRow(
            segment=segment,
            members=found.get((day, segment.value), 0),
            before=None if before_day is None else found.get((before_day, segment.value), 0),
        )
        for segment in RfmSegment
    ]
    return SegmentCounts(day=day, before_day=before_day, rows=rows)
