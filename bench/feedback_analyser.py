"""The built-in comment analyser on the labelled sets (tests/feedback/data/comments_*.tsv):
per language the number of comments, the sentiment's accuracy and macro-F1 (goal >= 0.75
each), the topics' micro-F1 and how often the language was detected right. Then the same on
the held-out sets: holdout_*.tsv (30 comments each, written after the lexicons; two grammar
rules came from reading its misses) and holdout2_*.tsv (20 each, written after every change
and never used to tune): the figure to expect on comments the lexicons were not written
beside. No database.

    .venv/bin/python bench/feedback_analyser.py [--wrong]

`--wrong` lists the comments whose sentiment was missed (for tuning the lexicons on general
vocabulary, not on these sentences).
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")  # settings need a secret key otherwise; no server runs

import django  # noqa: E402

django.setup()

from feedback.analysis.builtin import BuiltinAnalyser  # noqa: E402
from feedback.analysis.evaluation import evaluate, read_labelled  # noqa: E402

DATA = ROOT / "tests" / "feedback" / "data"
GOAL = 0.75
LANGUAGES = ("en", "ro", "ru")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wrong", action="store_true", help="list the missed comments")
    options = parser.parse_args()
    analyser = BuiltinAnalyser()
    failed = False
    for title, pattern, goal in (
        ("labelled sets", "comments_{}.tsv", GOAL),
        ("held out 1 (two grammar rules came from reading it)", "holdout_{}.tsv", None),
        ("held out 2 (written after every change, never tuned on)", "holdout2_{}.tsv", None),
    ):
        print(title)
        print(f"{'lang':<5}{'n':>5}{'accuracy':>10}{'macro-F1':>10}{'topics F1':>11}{'lang ok':>9}")
        for language in LANGUAGES:
            rows = read_labelled(DATA / pattern.format(language))
            scores = evaluate(analyser, rows, language)
            verdict = ""
            if goal is not None:
                verdict = "PASS" if scores.macro_f1 >= goal else "FAIL"
                failed |= verdict == "FAIL"
                verdict = f"  {verdict} (goal {goal})"
            print(
                f"{language:<5}{scores.n:>5}{scores.accuracy:>10.3f}{scores.macro_f1:>10.3f}"
                f"{scores.topic_f1:>11.3f}{scores.language_accuracy:>9.3f}{verdict}"
            )
            if options.wrong:
                for row, got, topics in scores.wrong:
                    print(f"    {row.sentiment:>8} → {got:<8} {row.text}  [{','.join(topics)}]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
