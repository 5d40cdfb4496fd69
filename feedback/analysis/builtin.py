"""The built-in analyser: offline, for English, Romanian and Russian.

Language from `language.detect_language` (or forced), sentiment from `sentiment.py`, topics
from `topics.py`; the words are in `lexicon_en.py`, `lexicon_ro.py` and `lexicon_ru.py`. An
empty comment (or one of punctuation only) is language "", sentiment "" and no topics, like an
answer without a comment. A forced language the analyser has no words for gives a neutral
sentiment and only the merchant's keywords for every language. No database: the merchant's
keywords come in as an argument (`feedback.analysis.analyse` reads them).
"""

from collections.abc import Mapping, Sequence

from feedback.analysis import Analysis
from feedback.analysis.language import detect_language
from feedback.analysis.sentiment import score_sentiment
from feedback.analysis.text import tokenise
from feedback.analysis.topics import AVAILABILITY, find_topics


class BuiltinAnalyser:
    """`analyse(text, language=…, extra_keywords=…)`: see `feedback.analysis.Analyser`."""

    def analyse(
        self,
        text: str,
        *,
        language: str = "",
        extra_keywords: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    ) -> Analysis:
        tokens = tokenise(text or "")
        if not any(token.kind != "break" for token in tokens):
            return Analysis(language="", sentiment="", topics=())
        language = language or detect_language(text)
        sentiment = score_sentiment(tokens, language)
        topics = find_topics(
            tokens, language, judged=sentiment.judged, extra_keywords=extra_keywords
        )
        label = sentiment.label
        if label == "neutral" and AVAILABILITY in topics and sentiment.has_negator:
            # A product that is not there ("no oat milk", "nu mai aveau", "не было хлеба")
            # is a complaint even without a judgement word.
            label = "negative"
        return Analysis(language=language, sentiment=label, topics=topics)
