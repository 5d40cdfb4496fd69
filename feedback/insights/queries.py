"""The feedback dashboard's read paths: NPS over time, by shop and by tier, the response rate,
topics by sentiment, the comments list, and the cases' figures.

Every query starts from the merchant and adds up in the database (conditional `Count`s grouped
by month, shop or tier), so a page costs the same few statements whatever the number of
answers. Months and periods are the merchant's local ones (`TruncMonth` in the merchant's time
zone, `loyalty.clock.day_span`), which PostgreSQL and SQLite both compute.

Two figures need more than the ORM says portably:

- **topics by sentiment**: `Answer.topics` is a JSON list. The ORM's own SQL for the period's
  answers is unnested in the database, with `jsonb_array_elements_text` on PostgreSQL and
  `json_each` on SQLite, and counted per (topic, sentiment) there;
- **the median time to close**: `percentile_cont(0.5)` on PostgreSQL; SQLite has no median,
  so there the period's (opened, resolved) pairs are read and the median taken in Python.

The NPS arithmetic (and when a figure means nothing) is `feedback.insights.nps`.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.utils import timezone

from feedback.insights.nps import CsatFigure, NpsFigure
from feedback.models import (
    Answer,
    Case,
    CaseOpenedBy,
    CaseStatus,
    Invitation,
    InvitationStatus,
    NpsGroup,
    Sentiment,
    SurveyKind,
    Topic,
)
from loyalty.analytics.cohorts import add_months
from loyalty.analytics.periods import Period
from loyalty.clock import day_span, local_today, midnight
from loyalty.models import Merchant

MONTHS = 12  # the NPS chart's months, this one included
SENTIMENTS = [Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE]


def _group_counts() -> dict:
    return {
        "promoters": Count("id", filter=Q(group=NpsGroup.PROMOTER)),
        "passives": Count("id", filter=Q(group=NpsGroup.PASSIVE)),
        "detractors": Count("id", filter=Q(group=NpsGroup.DETRACTOR)),
    }


def _figure(row: dict) -> NpsFigure:
    return NpsFigure(
        promoters=row["promoters"], passives=row["passives"], detractors=row["detractors"]
    )


def answers_in(merchant: Merchant, period: Period) -> QuerySet[Answer]:
    """The merchant's answers given on the period's local days."""
    start, end = day_span(period.first_day, period.last_day, merchant.tzinfo)
    return Answer.objects.for_merchant(merchant).filter(created_at__gte=start, created_at__lt=end)


# --- NPS and CSAT ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodScores:
    nps: NpsFigure
    csat: CsatFigure

    @property
    def answers(self) -> int:
        return self.nps.n + self.csat.n


def period_scores(merchant: Merchant, period: Period) -> PeriodScores:
    """The NPS and the CSAT of the period's answers, in one statement."""
    row = (
        answers_in(merchant, period)
        .order_by()
        .aggregate(
            **_group_counts(),
            csat_total=Count("id", filter=Q(survey__kind=SurveyKind.CSAT)),
            csat_satisfied=Count("id", filter=Q(survey__kind=SurveyKind.CSAT, score__gte=4)),
        )
    )
    return PeriodScores(
        nps=_figure(row),
        csat=CsatFigure(satisfied=row["csat_satisfied"], total=row["csat_total"]),
    )


@dataclass(frozen=True)
class MonthNps:
    month: date  # the first day of the local month
    figure: NpsFigure


def nps_by_month(
    merchant: Merchant, *, months: int = MONTHS, today: date | None = None
) -> list[MonthNps]:
    """The NPS of each of the last `months` local months, this one included, oldest first;
    a month without answers is there with n = 0."""
    this_month = (today or local_today(merchant)).replace(day=1)
    first = add_months(this_month, -(months - 1))
    tz = merchant.tzinfo
    rows = (
        Answer.objects.for_merchant(merchant)
        .filter(created_at__gte=midnight(first, tz))
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .order_by()
        .values("month")
        .annotate(**_group_counts())
    )
    by_month = {_as_date(row["month"]): _figure(row) for row in rows}
    return [
        MonthNps(month, by_month.get(month, NpsFigure()))
        for month in (add_months(first, k) for k in range(months))
    ]


def _as_date(value: date | datetime) -> date:
    # TruncMonth answers a local datetime (PostgreSQL, SQLite); its date is the month's first.
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class GroupNps:
    """The NPS of one shop or one tier; `key` is its id, None for answers without one."""

    key: int | None
    name: str
    figure: NpsFigure


def nps_by_shop(merchant: Merchant, period: Period) -> list[GroupNps]:
    """The period's NPS per shop, most answers first; answers from no shop (the shop was
    removed) come as one row with key None."""
    rows = (
        answers_in(merchant, period)
        .exclude(group="")
        .order_by()
        .values("shop_id", "shop__name")
        .annotate(**_group_counts())
    )
    groups = [GroupNps(row["shop_id"], row["shop__name"] or "", _figure(row)) for row in rows]
    return sorted(groups, key=lambda group: (-group.figure.n, group.name))


def nps_by_tier(merchant: Merchant, period: Period) -> list[GroupNps]:
    """The period's NPS per tier the member had when answering, lowest tier first; anonymous
    answers (a receipt's QR code) and members without a tier come last, with key None."""
    rows = (
        answers_in(merchant, period)
        .exclude(group="")
        .order_by()
        .values("tier_id", "tier__name", "tier__threshold")
        .annotate(**_group_counts())
    )
    ordered = sorted(
        rows, key=lambda row: (row["tier_id"] is None, row["tier__threshold"] or 0, row["tier_id"])
    )
    return [GroupNps(row["tier_id"], row["tier__name"] or "", _figure(row)) for row in ordered]


# --- Response rate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRate:
    sent: int
    answered: int

    @property
    def rate(self) -> float | None:
        """Answered out of sent, in percent; None when none was sent."""
        return 100 * self.answered / self.sent if self.sent else None


def response_rate(merchant: Merchant, period: Period) -> ResponseRate:
    """Of the invitations sent on the period's days, how many were answered (at any time
    since). Receipt answers have no invitation and do not count here."""
    start, end = day_span(period.first_day, period.last_day, merchant.tzinfo)
    row = (
        Invitation.objects.for_merchant(merchant)
        .filter(sent_at__gte=start, sent_at__lt=end)
        .order_by()
        .aggregate(
            sent=Count("id"),
            answered=Count("id", filter=Q(status=InvitationStatus.ANSWERED)),
        )
    )
    return ResponseRate(sent=row["sent"], answered=row["answered"])


# --- Topics by sentiment ---------------------------------------------------------------------


@dataclass(frozen=True)
class TopicSentiment:
    topic: str
    label: str
    positive: int
    neutral: int
    negative: int
    total: int  # with the answers not yet analysed for sentiment

    def share(self, count: int) -> float:
        return 100 * count / self.total if self.total else 0.0


_UNNEST = {
    "postgresql": (
        "WITH a AS ({answers}) SELECT t.topic, a.sentiment, COUNT(*) FROM a "
        "CROSS JOIN LATERAL jsonb_array_elements_text(a.topics) AS t(topic) "
        "WHERE jsonb_typeof(a.topics) = 'array' GROUP BY t.topic, a.sentiment"
    ),
    "sqlite": (
        "WITH a AS ({answers}) SELECT t.value, a.sentiment, COUNT(*) FROM a, "
        "json_each(a.topics) AS t WHERE json_type(a.topics) = 'array' "
        "GROUP BY t.value, a.sentiment"
    ),
}


def topics_by_sentiment(merchant: Merchant, period: Period) -> list[TopicSentiment]:
    """How often each topic was spoken of in the period, per sentiment, most spoken of first
    (topics nobody mentioned are left out). Counted in the database (module docstring)."""
    answers = (
        answers_in(merchant, period).exclude(topics=[]).order_by().values("topics", "sentiment")
    )
    sql, params = answers.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_UNNEST[connection.vendor].format(answers=sql), params)
        rows = cursor.fetchall()
    counts: dict[str, dict[str, int]] = {}
    for topic, sentiment, count in rows:
        counts.setdefault(topic, {}).setdefault(sentiment or "", 0)
        counts[topic][sentiment or ""] += count
    labels = dict(Topic.choices)
    result = [
        TopicSentiment(
            topic=topic,
            label=str(labels.get(topic, topic)),
            positive=by.get(Sentiment.POSITIVE, 0),
            neutral=by.get(Sentiment.NEUTRAL, 0),
            negative=by.get(Sentiment.NEGATIVE, 0),
            total=sum(by.values()),
        )
        for topic, by in counts.items()
    ]
    return sorted(result, key=lambda row: (-row.total, row.topic))


# --- Comments --------------------------------------------------------------------------------


def has_topic(topic: str) -> Q | RawSQL:
    """A filter for answers whose topics include `topic` (JSON containment on PostgreSQL;
    SQLite has none, so there `json_each`)."""
    if connection.vendor == "postgresql":
        return Q(topics__contains=[topic])
    return RawSQL(
        'EXISTS (SELECT 1 FROM json_each("feedback_answer"."topics") WHERE value = %s)',
        [topic],
        output_field=BooleanField(),
    )


def comments(
    merchant: Merchant,
    period: Period,
    *,
    score_min: int | None = None,
    score_max: int | None = None,
    group: str = "",
    topic: str = "",
    sentiment: str = "",
    shop_id: int | None = None,
    language: str = "",
) -> QuerySet[Answer]:
    """The period's answers with a comment, newest first, narrowed by the filters given (an
    empty or None filter is no filter), with their member and shop."""
    answers = (
        answers_in(merchant, period)
        .exclude(comment="")
        .select_related("member", "shop", "survey")
        .order_by("-created_at", "-id")
    )
    if score_min is not None:
        answers = answers.filter(score__gte=score_min)
    if score_max is not None:
        answers = answers.filter(score__lte=score_max)
    if group:
        answers = answers.filter(group=group)
    if topic:
        answers = answers.filter(has_topic(topic))
    if sentiment:
        answers = answers.filter(sentiment=sentiment)
    if shop_id is not None:
        answers = answers.filter(shop_id=shop_id)
    if language:
        answers = answers.filter(language=language)
    return answers


def comment_languages(merchant: Merchant) -> list[str]:
    """The languages the merchant's comments were written in, for the filter's choices."""
    languages = (
        Answer.objects.for_merchant(merchant)
        .exclude(language="")
        .order_by("language")
        .values_list("language", flat=True)
        .distinct()
    )
    return list(languages)


# --- Cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFigures:
    open: int  # not resolved, now
    overdue: int  # not resolved and past due, now
    resolved: int  # resolved on the period's days
    median_hours: float | None  # from opened to resolved, of those
    checked: int  # detractors' cases checked for a purchase on the period's days
    won_back: int  # of those, the customer bought again

    @property
    def won_back_share(self) -> float | None:
        return 100 * self.won_back / self.checked if self.checked else None


_MEDIAN_SECONDS = (
    "WITH c AS ({cases}) SELECT percentile_cont(0.5) WITHIN GROUP "
    "(ORDER BY EXTRACT(EPOCH FROM (c.resolved_at - c.opened_at))) FROM c"
)


def case_figures(merchant: Merchant, period: Period, now: datetime | None = None) -> CaseFigures:
    """Open and overdue cases now; the cases resolved in the period and the median time they
    took; the share of detractors' cases won back among those checked in the period (thirty
    days after they were resolved)."""
    now = now or timezone.now()
    start, end = day_span(period.first_day, period.last_day, merchant.tzinfo)
    cases = Case.objects.for_merchant(merchant).order_by()
    in_period = Q(resolved_at__gte=start, resolved_at__lt=end, status=CaseStatus.RESOLVED)
    checked = Q(
        opened_by=CaseOpenedBy.DETRACTOR,
        won_back__isnull=False,
        won_back_checked_at__gte=start,
        won_back_checked_at__lt=end,
    )
    row = cases.aggregate(
        open=Count("id", filter=~Q(status=CaseStatus.RESOLVED)),
        overdue=Count("id", filter=~Q(status=CaseStatus.RESOLVED) & Q(due_at__lt=now)),
        resolved=Count("id", filter=in_period),
        checked=Count("id", filter=checked),
        won_back=Count("id", filter=checked & Q(won_back=True)),
    )
    resolved = cases.filter(in_period).values("opened_at", "resolved_at")
    # Asked even when none was resolved: the page's number of statements stays the same.
    return CaseFigures(**row, median_hours=_median_hours(resolved))


def _median_hours(resolved: QuerySet) -> float | None:
    if connection.vendor == "postgresql":
        sql, params = resolved.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(_MEDIAN_SECONDS.format(cases=sql), params)
            (seconds,) = cursor.fetchone()
        return None if seconds is None else float(seconds) / 3600
    spans = [row["resolved_at"] - row["opened_at"] for row in resolved]
    return median(spans) / timedelta(hours=1) if spans else None
