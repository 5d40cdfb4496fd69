"""How well an analyser labels a set of comments: sentiment accuracy and macro-F1, topic
micro-F1, language accuracy. The benchmark (bench/feedback_analyser.py) and the tests read the
labelled sets in tests/feedback/data/ through these functions. Pure, no database.

A labelled set is a TSV file with a header and the columns text, sentiment, topics (comma-
separated, may be empty).
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from feedback.analysis import Analyser

SENTIMENTS = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class Labelled:
    """One comment of a labelled set."""

    text: str
    sentiment: str
    topics: frozenset[str]


@dataclass(frozen=True)
class Scores:
    """An analyser's figures on one labelled set."""

    language: str
    n: int
    accuracy: float  # sentiment
    macro_f1: float  # sentiment, the mean of the three classes' F1
    topic_f1: float  # micro-F1 over (comment, topic) pairs
    language_accuracy: float  # detected language == the set's
    wrong: tuple[tuple[Labelled, str, tuple[str, ...]], ...]  # sentiment misses, for tuning


def read_labelled(path: Path) -> list[Labelled]:
    """The rows of a labelled TSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Labelled(
                text=row["text"],
                sentiment=row["sentiment"],
                topics=frozenset(topic for topic in (row["topics"] or "").split(",") if topic),
            )
            for row in reader
        ]


def _f1(true_positive: int, false_positive: int, false_negative: int) -> float:
    if true_positive == 0:
        return 0.0
    precision = true_positive / (true_positive + false_positive)
    recall = true_positive / (true_positive + false_negative)
    return 2 * precision * recall / (precision + recall)


def macro_f1(pairs: Sequence[tuple[str, str]], labels: Iterable[str] = SENTIMENTS) -> float:
    """The mean F1 of the labels over (expected, predicted) pairs."""
    scores = []
    for label in labels:
        tp = sum(1 for expected, got in pairs if expected == label and got == label)
        fp = sum(1 for expected, got in pairs if expected != label and got == label)
        fn = sum(1 for expected, got in pairs if expected == label and got != label)
        scores.append(_f1(tp, fp, fn))
    return sum(scores) / len(scores)


def topic_micro_f1(pairs: Sequence[tuple[frozenset[str], frozenset[str]]]) -> float:
    """Micro-F1 over every (comment, topic) pair of (expected, predicted) topic sets."""
    tp = sum(len(expected & got) for expected, got in pairs)
    fp = sum(len(got - expected) for expected, got in pairs)
    fn = sum(len(expected - got) for expected, got in pairs)
    return _f1(tp, fp, fn) if (tp + fp + fn) else 1.0


def evaluate(analyser: Analyser, rows: Sequence[Labelled], language: str) -> Scores:
    """The analyser's figures on `rows`, each detected (not forced) as it would be in use."""
    sentiments: list[tuple[str, str]] = []
    topics: list[tuple[frozenset[str], frozenset[str]]] = []
    wrong = []
    detected = 0
    for row in rows:
        analysis = analyser.analyse(row.text)
        sentiments.append((row.sentiment, analysis.sentiment))
        topics.append((row.topics, frozenset(analysis.topics)))
        detected += analysis.language == language
        if analysis.sentiment != row.sentiment:
            wrong.append((row, analysis.sentiment, analysis.topics))
    n = len(rows)
    return Scores(
        language=language,
        n=n,
        accuracy=sum(1 for expected, got in sentiments if expected == got) / n if n else 0.0,
        macro_f1=macro_f1(sentiments),
        topic_f1=topic_micro_f1(topics),
        language_accuracy=detected / n if n else 0.0,
        wrong=tuple(wrong),
    )
