"""Which of English, Romanian and Russian a comment is written in, offline.

Cyrillic letters make it Russian. Between the two Latin languages, Romanian letters (ă â î ș
ț) count strongly for Romanian; then each language scores its stop words ("the", "was";
"și", "nu", "foarte") and the words its lexicon knows. A tie is English (a comment of one
word known to both, "ok", "super"). An empty comment, or one without a word, is "".
Pure functions, no database.
"""

from collections.abc import Sequence

from feedback.analysis.sentiment import LEXICONS, sentiment_index
from feedback.analysis.text import Token, keys, tokenise
from feedback.analysis.topics import product_index, topic_index

LANGUAGES = ("en", "ro", "ru")
ROMANIAN_LETTERS = frozenset("ăâîșț")
ROMANIAN_LETTER_WEIGHT = 3
STOP_WORD_WEIGHT = 2


def _is_cyrillic(word: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in word)


def _known(tokens: Sequence[Token], language: str) -> int:
    indexes = (sentiment_index(language), topic_index(language), product_index(language))
    return sum(
        1
        for position in range(len(tokens))
        if any(index.match_at(tokens, position) is not None for index in indexes)
    )


def _latin_score(words: Sequence[Token], language: str) -> int:
    stop_words = LEXICONS[language].STOP_WORDS
    stops = sum(1 for word in words if keys(language, word.text) & stop_words)
    return STOP_WORD_WEIGHT * stops + _known(words, language)


def detect_language(text: str) -> str:
    """ "en", "ro" or "ru"; "" when the text has no word to tell by."""
    words = [token for token in tokenise(text) if token.kind == "word"]
    if not words:
        return ""
    cyrillic = sum(1 for word in words if _is_cyrillic(word.text))
    if 2 * cyrillic >= len(words):
        return "ru"
    latin = [word for word in words if not _is_cyrillic(word.text)]
    romanian = ROMANIAN_LETTER_WEIGHT * sum(
        1 for word in latin if ROMANIAN_LETTERS.intersection(word.text)
    )
    romanian += _latin_score(latin, "ro")
    english = _latin_score(latin, "en")
    return "ro" if romanian > english else "en"
