"""Words and phrases found in a comment's tokens, on their stems.

A `PhraseIndex` holds entries (a word or a phrase, with a value) of one language. At a token
it answers the longest entry that starts there. A word matches an entry's word when they share
a key (`text.keys`: stems with and without diacritics) or when the entry's key, five letters
or more, begins the word: the stemmer leaves some inflections apart ("murdar", "murdare";
"закончились", "заканчивается"), a long stem still joins them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from feedback.analysis.text import Token, keys, tokenise

V = TypeVar("V")
MIN_PREFIX = 5


@dataclass(frozen=True)
class Match(Generic[V]):
    """An entry found at `start`, `length` tokens long."""

    start: int
    length: int
    value: V


@dataclass(frozen=True)
class _Entry(Generic[V]):
    words: tuple[frozenset[str], ...]
    value: V


def _word_matches(token: Token, word_keys: frozenset[str], language: str) -> bool:
    if token.kind == "break":
        return False
    if keys(language, token.text) & word_keys:
        return True
    return any(len(key) >= MIN_PREFIX and token.plain.startswith(key) for key in word_keys)


class PhraseIndex(Generic[V]):
    """Entries of one language, looked up by their first word."""

    def __init__(self, language: str, entries: Iterable[tuple[str, V]]) -> None:
        self.language = language
        self._by_first: dict[str, list[_Entry[V]]] = {}
        for phrase, value in entries:
            words = [token.text for token in tokenise(phrase) if token.kind != "break"]
            if not words:
                continue
            entry = _Entry(tuple(keys(language, word) for word in words), value)
            for key in entry.words[0]:
                self._by_first.setdefault(key, []).append(entry)

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def _candidates(self, token: Token) -> list[_Entry[V]]:
        found: list[_Entry[V]] = []
        for key in keys(self.language, token.text):
            found.extend(self._by_first.get(key, ()))
        for length in range(len(token.plain) - 1, MIN_PREFIX - 1, -1):
            found.extend(self._by_first.get(token.plain[:length], ()))
        return found

    def match_at(self, tokens: Sequence[Token], start: int) -> Match[V] | None:
        """The longest entry beginning at `tokens[start]`, or None."""
        token = tokens[start]
        if token.kind == "break":
            return None
        best: _Entry[V] | None = None
        best_length = 0
        for entry in self._candidates(token):
            if best is not None and len(entry.words) <= len(best.words):
                continue
            length = self._length_at(tokens, start, entry)
            if length:
                best, best_length = entry, length
        return Match(start, best_length, best.value) if best is not None else None

    def _length_at(self, tokens: Sequence[Token], start: int, entry: _Entry[V]) -> int:
        """How many tokens `entry` covers from `start` (0: it is not there). A phrase of three
        words or more reads through punctuation: "not bad, not great"."""
        position = start
        for word in entry.words:
            while (
                len(entry.words) >= 3
                and position < len(tokens)
                and position > start
                and tokens[position].kind == "break"
            ):
                position += 1
            if position >= len(tokens) or not _word_matches(tokens[position], word, self.language):
                return 0
            position += 1
        return position - start

    def find_all(self, tokens: Sequence[Token]) -> list[Match[V]]:
        """Every entry in the tokens, left to right, none overlapping (the longest first)."""
        found: list[Match[V]] = []
        position = 0
        while position < len(tokens):
            match = self.match_at(tokens, position)
            if match is None:
                position += 1
            else:
                found.append(match)
                position += match.length
        return found
