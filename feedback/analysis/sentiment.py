"""A comment's sentiment from the lexicon of its language.

Each judgement word or phrase adds its weight (positive or negative) to the comment's score,
and the words around it change it:

- a negator ("not", "nu", "не") turns the next judgement within three content words, until a
  clause ends: "not good" is bad, "nu a fost rău" good. A turned judgement weighs less than
  the plain one ("not bad" is not "excellent"), unless "at all" / "deloc" / "вообще" follows:
  "not bad at all" is praise. Negative concord ("nimeni nu", "никогда не") does not turn it
  back;
- an intensifier multiplies the next judgement ("very rude", "foarte bună"), a diminisher
  shrinks it ("a bit slow", "cam scump"); "не очень вкусно" is a turned, intensified "вкусно",
  so it is negative;
- "ne"/"не" written together with a judgement turns it ("неплохо", "neplăcut"), and so does
  Russian "нет" right after it ("претензий нет");
- after a contrast ("but", "dar", "но") the rest of the comment counts more and what came
  before less: "good coffee but the wait was too long" is a complaint;
- emoticons and marks out of ten count as judgements.

A score above `THRESHOLD` is positive, below minus it negative, neutral in between.
Pure functions, no database.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from feedback.analysis import lexicon_en, lexicon_ro, lexicon_ru
from feedback.analysis.phrases import PhraseIndex
from feedback.analysis.text import Token, keys, normalise

LEXICONS: dict[str, ModuleType] = {"en": lexicon_en, "ro": lexicon_ro, "ru": lexicon_ru}
THRESHOLD = 0.3
NEGATION_SCOPE = 3  # content words after a negator that it can still turn
TURNED_POSITIVE = 0.8  # "not good": most of "good", turned
TURNED_NEGATIVE = 0.6  # "not bad": a little praise
AFTER_NEGATION_BOOST = 1.7  # "not bad at all"
BEFORE_CONTRAST = 0.5  # what came before "but"
AFTER_CONTRAST = 1.5  # what comes after it
_NEGATIVE_EMOJI = frozenset(":( :-( :[ :/ ☹ 👎 😠 😡 😞 😢 😕".split())  # noqa: SIM905


@dataclass(frozen=True)
class Word:
    """What a lexicon entry is: a judgement (`weight`, 0 for a neutral one), a negator, a
    modifier (`weight` its factor), a contrast or an "at all"."""

    kind: str  # "judgement", "negator", "modifier", "contrast", "after_negation"
    weight: float = 0.0
    # A judgement that carries its own negator ("never again", "nu mai vin", "не рекомендую"):
    # a negator before it is negative concord ("niciodată nu mai vin"), not a second turn.
    negated_inside: bool = False


@dataclass(frozen=True)
class SentimentResult:
    """The comment's label and score, and the tokens that were judgements (the topics read
    them: a product named beside a judgement is a remark on its quality)."""

    label: str
    score: float
    judged: frozenset[int]
    has_negator: bool = False  # "no", "nu", "не" anywhere: "no oat milk" is a complaint


@cache
def sentiment_index(language: str) -> PhraseIndex[Word]:
    """The language's judgements, negators, modifiers and contrasts in one index."""
    lexicon = LEXICONS[language]
    negators = {normalise(word) for word in lexicon.NEGATORS}

    def judgement(phrase: str, weight: float) -> Word:
        return Word("judgement", weight, normalise(phrase).split()[0] in negators)

    entries: list[tuple[str, Word]] = []
    entries += [(phrase, judgement(phrase, weight)) for phrase, weight in lexicon.POSITIVE.items()]
    entries += [(phrase, judgement(phrase, -weight)) for phrase, weight in lexicon.NEGATIVE.items()]
    entries += [(phrase, Word("judgement", 0.0)) for phrase in lexicon.NEUTRAL]
    entries += [(phrase, Word("negator")) for phrase in lexicon.NEGATORS]
    entries += [
        (phrase, Word("modifier", factor)) for phrase, factor in lexicon.INTENSIFIERS.items()
    ]
    entries += [(phrase, Word("contrast")) for phrase in lexicon.CONTRAST]
    entries += [(phrase, Word("after_negation")) for phrase in lexicon.AFTER_NEGATION]
    return PhraseIndex(language, entries)


def _prefixed_judgement(token: Token, language: str) -> float | None:
    """ "неплохо" → minus the weight of "плохо", when the lexicon knows the rest."""
    index = sentiment_index(language)
    for prefix in LEXICONS[language].NEGATION_PREFIXES:
        rest = token.text[len(prefix) :]
        if token.text.startswith(prefix) and len(rest) >= 4:
            match = index.match_at([Token(rest, rest)], 0)
            if match is not None and match.value.kind == "judgement" and match.value.weight:
                return match.value.weight
    return None


def _emoji_or_mark(token: Token) -> float:
    if token.kind == "emoji":
        return -1.0 if token.text in _NEGATIVE_EMOJI else 1.0
    mark = int(token.text.split("/")[0])
    return 1.5 if mark >= 8 else -1.5 if mark <= 4 else 0.0


def _followed_by_at_all(matches: dict[int, object], tokens: Sequence[Token], end: int) -> bool:
    for position in range(end, min(end + 3, len(tokens))):
        if tokens[position].kind == "break":
            return False
        match = matches.get(position)
        if match is not None and match.value.kind == "after_negation":  # type: ignore[attr-defined]
            return True
    return False


def score_sentiment(tokens: Sequence[Token], language: str) -> SentimentResult:
    """The comment's sentiment: its label ("positive", "neutral", "negative"), its score and
    the positions of its judgements. An unknown language is neutral."""
    if language not in LEXICONS:
        return SentimentResult("neutral", 0.0, frozenset())
    index = sentiment_index(language)
    stop_words = LEXICONS[language].STOP_WORDS
    without = frozenset().union(*(keys(language, word) for word in LEXICONS[language].WITHOUT))
    matches = {match.start: match for match in index.find_all(tokens)}
    score, weight, factor = 0.0, 1.0, 1.0
    negated = 0
    has_negator = False
    judged: set[int] = set()
    position = 0
    while position < len(tokens):
        token = tokens[position]
        match = matches.get(position)
        length = match.length if match is not None else 1
        value: float | None = None
        turned = False
        if token.kind == "break":
            negated, factor = 0, 1.0
        elif token.kind in ("emoji", "score"):
            value = _emoji_or_mark(token)
        elif match is not None and match.value.kind == "negator":
            negated = NEGATION_SCOPE
            has_negator = has_negator or not (keys(language, token.text) & without)
        elif match is not None and match.value.kind == "modifier":
            factor *= match.value.weight
        elif match is not None and match.value.kind == "contrast":
            score *= BEFORE_CONTRAST
            weight, negated, factor = AFTER_CONTRAST, 0, 1.0
        elif match is not None and match.value.kind == "judgement":
            value = match.value.weight
            negated = 0 if match.value.negated_inside else negated
        elif match is None and (prefixed := _prefixed_judgement(token, language)) is not None:
            value, turned = prefixed, True
        elif not (keys(language, token.text) & stop_words) and match is None:
            negated = max(0, negated - 1)
        if value is not None:
            judged.update(range(position, position + length))
            value *= factor
            after = position + length
            if after < len(tokens) and tokens[after].text in LEXICONS[language].NEGATORS_AFTER:
                turned = not turned
                length += 1  # the negator is used up: it turns nothing after it
            if negated or turned:
                if negated and turned:  # "nu e neplăcut": the two cancel out, mildly
                    value *= TURNED_NEGATIVE
                else:
                    value *= -(TURNED_POSITIVE if value > 0 else TURNED_NEGATIVE)
                    if _followed_by_at_all(matches, tokens, position + length):
                        value *= AFTER_NEGATION_BOOST
            score += value * weight
            negated, factor = 0, 1.0
        position += length
    label = "positive" if score > THRESHOLD else "negative" if score < -THRESHOLD else "neutral"
    return SentimentResult(label, round(score, 3), frozenset(judged), has_negator)
