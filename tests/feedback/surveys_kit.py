"""What the survey tests share: a small real analyser (a few words make a comment negative),
an active survey of merchant A, sales recorded through the engine, and the outbox drained."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import pytest

from feedback.analysis import Analysis
from feedback.models import Survey
from loyalty.points.purchases import record_purchase
from loyalty.tasks import drain_outbox

NEGATIVE_WORDS = {"slow", "rude", "cold", "dirty", "bad"}
TOPIC_WORDS = {"slow": "waiting", "wait": "waiting", "rude": "staff", "price": "price"}


class WordsAnalyser:
    """English only: negative with any of a few words, positive with "great", else neutral."""

    def analyse(
        self,
        text: str,
        *,
        language: str = "",
        extra_keywords: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    ) -> Analysis:
        words = {word.strip(".,!?").lower() for word in text.split()}
        if words & NEGATIVE_WORDS:
            sentiment = "negative"
        elif "great" in words:
            sentiment = "positive"
        else:
            sentiment = "neutral"
        topics = tuple(sorted({TOPIC_WORDS[word] for word in words if word in TOPIC_WORDS}))
        return Analysis(
            language=language or ("en" if text else ""), sentiment=sentiment, topics=topics
        )


@pytest.fixture(autouse=True)
def words_analyser(settings):
    settings.FEEDBACK_ANALYSER = "tests.feedback.surveys_kit.WordsAnalyser"


@pytest.fixture(name="survey")
def survey_fixture(merchant_a) -> Survey:
    """`survey`: merchant A's active NPS survey, 20 points for answering."""
    return Survey.objects.create(
        merchant=merchant_a, name="After a visit", active=True, incentive_points=20
    )


def sale(shop, member, receipt: str, *, amount: str = "25.00", at: datetime | None = None):
    """A sale recorded by the engine (its `purchase.recorded` in the outbox)."""
    return record_purchase(
        shop=shop, member=member, external_id=receipt, amount=Decimal(amount), occurred_at=at
    ).purchase


def drain() -> int:
    return drain_outbox()
