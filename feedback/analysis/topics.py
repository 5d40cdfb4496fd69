"""A comment's topics: the built-in keywords of its language and the merchant's own.

A keyword is a word or a phrase, matched on stems like the sentiment's words ("waited" finds
"wait", "очереди" finds "очередь", "paine" finds "pâine"). Besides the keywords, a product
named beside a judgement in the same clause ("the coffee was great", "cafea arsă") is a remark
on the quality, unless the clause is about the product being out ("no croissants left").
Pure functions, no database.
"""

from collections.abc import Collection, Mapping, Sequence
from functools import cache, lru_cache

from feedback.analysis.phrases import PhraseIndex
from feedback.analysis.sentiment import LEXICONS, sentiment_index
from feedback.analysis.text import Token

# The order topics are reported in: that of feedback.models.Topic.
TOPIC_ORDER = (
    "service",
    "staff",
    "waiting",
    "price",
    "quality",
    "cleanliness",
    "availability",
    "loyalty",
)
QUALITY = "quality"
AVAILABILITY = "availability"
ExtraKeywords = Mapping[str, Mapping[str, Sequence[str]]]


@cache
def topic_index(language: str) -> PhraseIndex[str]:
    """The built-in topic keywords of a language."""
    topics = LEXICONS[language].TOPICS
    return PhraseIndex(
        language, [(word, topic) for topic, words in topics.items() for word in words]
    )


@cache
def product_index(language: str) -> PhraseIndex[bool]:
    """What the shops sell, in a language (for the quality rule)."""
    return PhraseIndex(language, [(word, True) for word in LEXICONS[language].PRODUCTS])


@lru_cache(maxsize=256)
def _extra_index(language: str, pairs: tuple[tuple[str, str], ...]) -> PhraseIndex[str]:
    return PhraseIndex(language, [(keyword, topic) for topic, keyword in pairs])


def extra_index(language: str, extra_keywords: ExtraKeywords | None) -> PhraseIndex[str]:
    """The merchant's keywords for `language` and for every language, as an index."""
    pairs: set[tuple[str, str]] = set()
    for topic, by_language in (extra_keywords or {}).items():
        for keyword_language, keywords in by_language.items():
            if keyword_language in ("", language):
                pairs.update((topic, keyword) for keyword in keywords if keyword.strip())
    return _extra_index(language, tuple(sorted(pairs)))


def _clauses(tokens: Sequence[Token], language: str) -> list[range]:
    """The token ranges between breaks and contrasts ("but", "dar", "но")."""
    contrasts = {
        match.start
        for match in sentiment_index(language).find_all(tokens)
        if match.value.kind == "contrast"
    }
    clauses: list[range] = []
    start = 0
    for position, token in enumerate(tokens):
        if token.kind == "break" or position in contrasts:
            clauses.append(range(start, position))
            start = position + 1
    clauses.append(range(start, len(tokens)))
    return [clause for clause in clauses if len(clause)]


def find_topics(
    tokens: Sequence[Token],
    language: str,
    *,
    judged: Collection[int] = (),
    extra_keywords: ExtraKeywords | None = None,
) -> tuple[str, ...]:
    """The comment's topics in `TOPIC_ORDER`. `judged` are the positions of the comment's
    judgements (from the sentiment); `extra_keywords` the merchant's, {topic: {language or
    "": [keywords]}}. An unknown language finds only the merchant's keywords for every
    language."""
    indexes: list[PhraseIndex[str]] = []
    if language in LEXICONS:
        indexes.append(topic_index(language))
    extra = extra_index(language, extra_keywords)
    if extra:
        indexes.append(extra)
    found: set[str] = set()
    by_position: dict[int, set[str]] = {}
    for index in indexes:
        for match in index.find_all(tokens):
            found.add(match.value)
            for position in range(match.start, match.start + match.length):
                by_position.setdefault(position, set()).add(match.value)
    if language in LEXICONS and QUALITY not in found:
        products = {match.start for match in product_index(language).find_all(tokens)}
        for clause in _clauses(tokens, language):
            in_clause = set().union(*(by_position.get(position, set()) for position in clause))
            if (
                AVAILABILITY not in in_clause
                and any(position in products for position in clause)
                and any(position in judged for position in clause)
            ):
                found.add(QUALITY)
    known = [topic for topic in TOPIC_ORDER if topic in found]
    return tuple(known + sorted(found - set(TOPIC_ORDER)))
