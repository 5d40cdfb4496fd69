"""`manage.py analyse_feedback [--merchant SLUG] [--language en|ro|ru] FILE`: the comment
analyser on one comment per line, so an owner or an operator can check it on their own
comments. It lives here, not in the feedback app: the management commands are an entry point
of the layers, which may import feedback.analysis."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from feedback.analysis import get_analyser, merchant_keywords
from feedback.analysis.language import LANGUAGES
from loyalty.models import Merchant


class Command(BaseCommand):
    stealth_options = ("stdin",)  # call_command(..., stdin=StringIO(...)) in the tests
    help = (
        "Reads one comment per line from FILE ('-' for standard input, UTF-8) and prints one "
        "tab-separated line per input line: the detected language, the sentiment (positive, "
        "neutral, negative) and the topics, comma-separated. A blank line prints a line of "
        "three empty columns, so the output's lines stay in step with the input's. "
        "--merchant adds that merchant's own topic keywords; --language reads every comment "
        "in that language instead of detecting it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a text file of comments, one per line, or - for stdin")
        parser.add_argument("--merchant", help="a merchant's slug: use its topic keywords too")
        parser.add_argument(
            "--language", choices=LANGUAGES, help="the comments' language (default: detected)"
        )

    def handle(self, *args, **options) -> None:
        merchant = None
        if options["merchant"]:
            merchant = Merchant.objects.filter(slug=options["merchant"]).first()
            if merchant is None:
                raise CommandError(f"No merchant with the slug {options['merchant']!r}.")
        # The keywords are read once, not per comment.
        extra = merchant_keywords(merchant) if merchant is not None else None
        analyser = get_analyser()
        language = options["language"] or ""
        for line in self._lines(options["file"], options.get("stdin") or sys.stdin):
            result = analyser.analyse(line, language=language, extra_keywords=extra)
            columns = [result.language, result.sentiment, ",".join(result.topics)]
            self.stdout.write("\t".join(columns))

    def _lines(self, name: str, stdin) -> list[str]:
        if name == "-":
            return stdin.read().splitlines()
        path = Path(name)
        try:
            return path.read_text(encoding="utf-8-sig").splitlines()
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{name} is not UTF-8 text.") from None
