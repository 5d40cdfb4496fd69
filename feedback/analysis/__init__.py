"""The comment analyser: which language a comment is in, its sentiment, its topics.

The seam: `analyse(text, merchant=…)` hands the text to the analyser named by the setting
`FEEDBACK_ANALYSER` (a dotted path to a class; the built-in one by default), with the
merchant's own topic keywords. Another analyser (a hosted model, a bigger library) is a class
with the same `analyse` method; nothing else changes.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from feedback.models import TopicKeyword
from loyalty.models import Merchant

DEFAULT_ANALYSER = "feedback.analysis.builtin.BuiltinAnalyser"


@dataclass(frozen=True)
class Analysis:
    """What the analyser found in one comment."""

    language: str  # "en", "ro", "ru", or "" when it cannot tell (an empty comment)
    sentiment: str  # a `feedback.models.Sentiment` value, or "" for an empty comment
    topics: tuple[str, ...] = field(default=())  # `feedback.models.Topic` values


class Analyser(Protocol):
    def analyse(
        self,
        text: str,
        *,
        language: str = "",
        extra_keywords: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    ) -> Analysis:
        """`language` forces the language ("" detects it); `extra_keywords` maps a topic to
        {language or "": keywords} that the merchant added."""
        ...


@cache
def _analyser_for(path: str) -> Analyser:
    return import_string(path)()


def get_analyser() -> Analyser:
    """The configured analyser (one instance per process)."""
    return _analyser_for(getattr(settings, "FEEDBACK_ANALYSER", DEFAULT_ANALYSER))


def merchant_keywords(merchant: Merchant) -> dict[str, dict[str, list[str]]]:
    """The merchant's topic keywords: {topic: {language or "": [keywords]}}."""
    found: dict[str, dict[str, list[str]]] = {}
    rows = TopicKeyword.objects.for_merchant(merchant).values_list("topic", "language", "keyword")
    for topic, language, keyword in rows:
        found.setdefault(topic, {}).setdefault(language, []).append(keyword)
    return found


def analyse(text: str, *, merchant: Merchant | None = None, language: str = "") -> Analysis:
    """Analyse one comment with the configured analyser and the merchant's keywords."""
    extra = merchant_keywords(merchant) if merchant is not None else None
    return get_analyser().analyse(text, language=language, extra_keywords=extra)
