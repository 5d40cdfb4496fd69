"""The dashboard's queries (feedback/insights/queries.py) on hand-made rows: another merchant's
rows never count, months and periods are the merchant's local ones."""

from datetime import date, timedelta

import pytest

from feedback.insights import queries
from feedback.models import CaseOpenedBy, CaseStatus, InvitationStatus, SurveyKind
from loyalty.analytics.periods import Period
from loyalty.models.points import Tier
from members.services.enrolment import enrol_member
from tests.feedback.dash_kit import (
    local,
    make_answer,
    make_answers,
    make_case,
    make_invitation,
    make_survey,
)

pytestmark = pytest.mark.django_db

MAY = Period(date(2026, 5, 1), date(2026, 5, 31), "custom")


@pytest.fixture
def survey(merchant_a):
    return make_survey(merchant_a)


@pytest.fixture
def other_survey(merchant_b):
    return make_survey(merchant_b)


def test_the_period_nps_counts_each_group_of_the_merchant_only(
    merchant_a, survey, other_survey, merchant_b
):
    at = local(merchant_a, 2026, 5, 10, 12)
    make_answers(survey, [10, 10, 9, 9, 10, 9, 8, 7, 3, 0], at)
    make_answers(other_survey, [0, 0, 0, 0, 0], at)  # merchant B's
    make_answer(survey, 0, local(merchant_a, 2026, 6, 1, 9))  # after the period

    scores = queries.period_scores(merchant_a, MAY)

    assert (scores.nps.promoters, scores.nps.passives, scores.nps.detractors) == (6, 2, 2)
    # NPS 40 ± 49.6 (worked in test_nps_arithmetic.py).
    assert scores.nps.score == pytest.approx(40.0)
    assert scores.nps.margin == pytest.approx(49.584, abs=0.001)
    assert scores.csat.n == 0


def test_csat_answers_count_in_the_csat_and_not_in_the_nps(merchant_a):
    csat = make_survey(merchant_a, kind=SurveyKind.CSAT)
    make_answers(csat, [5, 5, 4, 4, 4, 3, 2, 1, 5, 5, 4, 1], local(merchant_a, 2026, 5, 3, 9))

    scores = queries.period_scores(merchant_a, MAY)

    assert scores.nps.n == 0
    assert (scores.csat.satisfied, scores.csat.total) == (8, 12)
    assert scores.csat.score == pytest.approx(100 * 8 / 12)


def test_a_month_is_the_merchants_local_month(merchant_a, survey):
    # Bucharest is UTC+3 in summer: 00:30 on 1 May there is 21:30 on 30 April in UTC.
    make_answer(survey, 10, local(merchant_a, 2026, 5, 1, 0, 30))
    make_answer(survey, 0, local(merchant_a, 2026, 4, 30, 23, 30))

    months = queries.nps_by_month(merchant_a, today=date(2026, 5, 12))

    assert len(months) == 12
    assert months[0].month == date(2025, 6, 1)
    assert months[-1].month == date(2026, 5, 1)
    assert (months[-1].figure.promoters, months[-1].figure.detractors) == (1, 0)
    assert (months[-2].figure.promoters, months[-2].figure.detractors) == (0, 1)
    assert all(month.figure.n == 0 for month in months[:-2])
    # The same edge for a period of local days.
    may_first = Period(date(2026, 5, 1), date(2026, 5, 1), "custom")
    assert queries.period_scores(merchant_a, may_first).nps.promoters == 1
    assert queries.period_scores(merchant_a, may_first).nps.detractors == 0


def test_months_older_than_twelve_and_other_merchants_are_left_out(
    merchant_a, survey, other_survey
):
    make_answer(survey, 10, local(merchant_a, 2025, 5, 31, 12))  # thirteen months back
    make_answers(other_survey, [9] * 12, local(merchant_a, 2026, 5, 2, 12))

    months = queries.nps_by_month(merchant_a, today=date(2026, 5, 12))

    assert sum(month.figure.n for month in months) == 0


def test_nps_by_shop_most_answers_first(merchant_a, shop_a, shop_a2, survey):
    at = local(merchant_a, 2026, 5, 5, 10)
    make_answers(survey, [10] * 8 + [0] * 4, at, shop=shop_a)
    make_answers(survey, [9, 6], at, shop=shop_a2)
    make_answers(survey, [7], at)  # no shop

    rows = queries.nps_by_shop(merchant_a, MAY)

    assert [(row.key, row.name, row.figure.n) for row in rows] == [
        (shop_a.pk, "Old Town", 12),
        (shop_a2.pk, "Station", 2),
        (None, "", 1),
    ]
    assert (rows[0].figure.promoters, rows[0].figure.detractors) == (8, 4)
    assert rows[0].figure.score == pytest.approx(100 * (8 - 4) / 12)
    assert rows[1].figure.score is None  # two answers: no figure


def test_nps_by_tier_lowest_tier_first_and_anonymous_last(merchant_a, survey):
    tiers = list(Tier.objects.for_merchant(merchant_a).order_by("threshold"))
    low, high = tiers[0], tiers[-1]
    at = local(merchant_a, 2026, 5, 5, 10)
    make_answers(survey, [10, 9], at, tier=high)
    make_answers(survey, [3], at)
    make_answers(survey, [8, 8, 2], at, tier=low)

    rows = queries.nps_by_tier(merchant_a, MAY)

    assert [(row.key, row.figure.n) for row in rows] == [(low.pk, 3), (high.pk, 2), (None, 1)]
    assert rows[0].name == low.name


def test_the_response_rate_is_answered_out_of_sent_in_the_period(
    merchant_a, shop_a, survey, merchant_b, other_survey
):
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    at = local(merchant_a, 2026, 5, 6, 15)
    make_invitation(survey, shop_a, ana, sent_at=at, status=InvitationStatus.ANSWERED)
    make_invitation(survey, shop_a, ana, sent_at=at, status=InvitationStatus.SENT)
    make_invitation(survey, shop_a, ana, sent_at=at, status=InvitationStatus.SENT)
    make_invitation(survey, shop_a, ana, sent_at=at, status=InvitationStatus.ANSWERED)
    make_invitation(survey, shop_a, ana, sent_at=None, status=InvitationStatus.SCHEDULED)
    make_invitation(
        survey, shop_a, ana, sent_at=local(merchant_a, 2026, 4, 30, 23), status="answered"
    )
    bee = enrol_member(merchant=merchant_b, email="bee@example.com")
    make_invitation(
        other_survey, merchant_b.shops.get(), bee, sent_at=at, status=InvitationStatus.ANSWERED
    )

    rate = queries.response_rate(merchant_a, MAY)

    assert (rate.sent, rate.answered) == (4, 2)
    assert rate.rate == pytest.approx(50.0)
    assert (
        queries.response_rate(merchant_b, Period(date(2026, 4, 1), date(2026, 4, 2))).rate is None
    )


def test_topics_by_sentiment_count_each_topic_of_each_answer(merchant_a, survey, other_survey):
    at = local(merchant_a, 2026, 5, 7, 9)
    make_answer(
        survey, 2, at, comment="Slow and dear", sentiment="negative", topics=["waiting", "price"]
    )
    make_answer(survey, 3, at, comment="Waited ages", sentiment="negative", topics=["waiting"])
    make_answer(survey, 10, at, comment="Lovely staff", sentiment="positive", topics=["staff"])
    make_answer(survey, 8, at, comment="Quick today", sentiment="positive", topics=["waiting"])
    make_answer(survey, 8, at, comment="ok", sentiment="neutral", topics=[])
    make_answer(survey, 7, at, comment="Prices fine", topics=["price"])  # not analysed yet
    make_answer(other_survey, 0, at, comment="x", sentiment="negative", topics=["staff"])

    rows = {row.topic: row for row in queries.topics_by_sentiment(merchant_a, MAY)}

    assert list(rows) == ["waiting", "price", "staff"]
    waiting = rows["waiting"]
    assert (waiting.positive, waiting.neutral, waiting.negative, waiting.total) == (1, 0, 2, 3)
    assert (rows["price"].negative, rows["price"].total) == (1, 2)
    assert (rows["staff"].positive, rows["staff"].total) == (1, 1)
    assert waiting.label == "Waiting time"


def test_comments_are_filtered_by_each_filter(merchant_a, shop_a, shop_a2, survey, other_survey):
    at = local(merchant_a, 2026, 5, 8, 9)
    slow = make_answer(
        survey,
        2,
        at,
        comment="Slow",
        sentiment="negative",
        topics=["waiting"],
        language="en",
        shop=shop_a,
    )
    lent = make_answer(
        survey,
        6,
        at + timedelta(hours=1),
        comment="Cam încet",
        sentiment="negative",
        topics=["waiting", "staff"],
        language="ro",
        shop=shop_a2,
    )
    great = make_answer(
        survey,
        10,
        at + timedelta(hours=2),
        comment="Great",
        sentiment="positive",
        topics=["quality"],
        language="en",
        shop=shop_a,
    )
    make_answer(survey, 9, at)  # no comment
    make_answer(other_survey, 2, at, comment="Theirs", topics=["waiting"], language="en")
    make_answer(survey, 1, local(merchant_a, 2026, 6, 2, 9), comment="June", language="en")

    def ids(**filters):
        return [answer.pk for answer in queries.comments(merchant_a, MAY, **filters)]

    assert ids() == [great.pk, lent.pk, slow.pk]
    assert ids(group="detractor") == [lent.pk, slow.pk]
    assert ids(score_min=5, score_max=9) == [lent.pk]
    assert ids(topic="waiting") == [lent.pk, slow.pk]
    assert ids(topic="staff") == [lent.pk]
    assert ids(sentiment="positive") == [great.pk]
    assert ids(shop_id=shop_a.pk) == [great.pk, slow.pk]
    assert ids(language="ro") == [lent.pk]
    assert ids(language="en", topic="waiting") == [slow.pk]
    assert queries.comment_languages(merchant_a) == ["en", "ro"]


def test_case_figures(merchant_a, survey, other_survey):
    now = local(merchant_a, 2026, 5, 20, 12)
    opened = local(merchant_a, 2026, 5, 10, 8)
    answers = make_answers(survey, [0, 1, 2, 3, 4, 5, 6], opened)
    # Resolved in May after 2, 4 and 10 hours: the median is 4 hours.
    for answer, hours in zip(answers[:3], (2, 4, 10), strict=True):
        make_case(
            answer,
            opened_at=opened,
            status=CaseStatus.RESOLVED,
            resolved_at=opened + timedelta(hours=hours),
        )
    make_case(answers[3], opened_at=now - timedelta(hours=30))  # open and overdue
    make_case(answers[4], opened_at=now - timedelta(hours=2), status=CaseStatus.IN_PROGRESS)
    # Resolved in April, checked in May: one won back, one not; a negative comment's case
    # (not a detractor's) does not count in the share.
    april = local(merchant_a, 2026, 4, 1, 9)
    checked = local(merchant_a, 2026, 5, 2, 9)
    for answer, won, by in (
        (answers[5], True, CaseOpenedBy.DETRACTOR),
        (answers[6], False, CaseOpenedBy.DETRACTOR),
    ):
        make_case(
            answer,
            opened_at=april,
            status=CaseStatus.RESOLVED,
            opened_by=by,
            resolved_at=april + timedelta(hours=1),
            won_back=won,
            won_back_checked_at=checked,
        )
    negative = make_answer(survey, 8, april, comment="meh")
    make_case(
        negative,
        opened_at=april,
        status=CaseStatus.RESOLVED,
        opened_by=CaseOpenedBy.NEGATIVE,
        resolved_at=april,
        won_back=True,
        won_back_checked_at=checked,
    )
    theirs = make_answer(other_survey, 0, opened)
    make_case(theirs, opened_at=now - timedelta(days=3))

    figures = queries.case_figures(merchant_a, MAY, now=now)

    assert (figures.open, figures.overdue, figures.resolved) == (2, 1, 3)
    assert figures.median_hours == pytest.approx(4.0)
    assert (figures.checked, figures.won_back) == (2, 1)
    assert figures.won_back_share == pytest.approx(50.0)


def test_no_cases_no_median_and_no_share(merchant_a):
    figures = queries.case_figures(merchant_a, MAY)
    assert figures.median_hours is None
    assert figures.won_back_share is None
