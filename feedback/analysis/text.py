# ruff: noqa: RUF001, RUF002 (Cyrillic letters that look Latin are the point here)
"""A comment as tokens: normalised, split into words, clause breaks and emoticons, and each
word's matching keys (its stems, with and without diacritics).

Normalising makes the spellings people actually type meet: lower case, Romanian ş/ţ with a
cedilla become ș/ț with a comma, Russian ё becomes е, curly apostrophes straight, English
"n't" a separate "not". Matching strips the diacritics, so "nu a fost rau" is "nu a fost rău".
Pure functions, no database.
"""

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

STEMMERS = {"en": "english", "ro": "romanian", "ru": "russian"}
BREAK = "|"  # a clause break: . , ; ! ? and the end of a line

_SPELLINGS = str.maketrans({"ş": "ș", "ţ": "ț", "ё": "е", "’": "'", "‘": "'", "`": "'"})
_ENGLISH_CONTRACTIONS = (
    (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"n't\b"), " not"),
)
_TOKEN = re.compile(
    r"""
    (?P<score>\b\d{1,2}\s*/\s*10\b)           # 10/10, 2/10
    | (?P<emo>[:;=]-?[)D(\]\[/]|<3|[\U0001F300-\U0001FAFF\u2639\u263A\u2764\U0001F44D\U0001F44E])
    | (?P<word>[^\W\d_]+)
    | (?P<break>[.,;!?…\n]+|\s[-–—]\s)
    """,
    re.VERBOSE,
)
_POSITIVE_EMOJI = frozenset(":) :-) :d :-d =) :] <3 ;) ;-) 🙂 😊 😀 😃 😄 😍 🥰 ❤ 👍 ☺".split())  # noqa: SIM905


@dataclass(frozen=True)
class Token:
    """One token of a comment: `text` normalised, `plain` without diacritics, `kind` one of
    "word", "break", "emoji" or "score" (a mark out of ten)."""

    text: str
    plain: str
    kind: str = "word"


def normalise(text: str) -> str:
    """Lower case, one spelling per letter (ș ț with a comma, е for ё), straight apostrophes."""
    text = unicodedata.normalize("NFC", text).lower().translate(_SPELLINGS)
    for pattern, replacement in _ENGLISH_CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def strip_diacritics(word: str) -> str:
    """ "rău" → "rau", "înghețată" → "inghetata"; Cyrillic keeps its letters (й stays й)."""
    if not word.isascii() and _is_cyrillic(word):
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _is_cyrillic(word: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in word)


def tokenise(text: str) -> list[Token]:
    """The comment's words, clause breaks, emoticons and marks out of ten, in order."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(normalise(text)):
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "break":
            if tokens and tokens[-1].kind != "break":
                tokens.append(Token(BREAK, BREAK, "break"))
            continue
        if kind == "score":
            value = re.sub(r"\s", "", value)
        tokens.append(Token(value, strip_diacritics(value), kind))
    return tokens


_local = threading.local()


def _stemmer(language: str):
    # snowballstemmer's stemmers keep state while they work: one per thread.
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(STEMMERS[language])
    return stemmers[language]


@lru_cache(maxsize=65536)
def stem(language: str, word: str) -> str:
    """The Snowball stem of `word` in `language` (the word itself for an unknown language)."""
    if language not in STEMMERS:
        return word
    return _stemmer(language).stemWord(word)


@lru_cache(maxsize=65536)
def keys(language: str, word: str) -> frozenset[str]:
    """What a word matches by: the word and its stem, each without diacritics, and the stem of
    the word written without them ("mâncarea" and "mancarea" meet)."""
    plain = strip_diacritics(word)
    return frozenset(
        {plain, strip_diacritics(stem(language, word)), strip_diacritics(stem(language, plain))}
    )
