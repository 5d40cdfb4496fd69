"""The language a management command speaks to the person who runs it.

Django runs a command with translations off (`BaseCommand.leave_locale_alone`): its words would
be English whoever reads them. A command for one merchant speaks, after the merchant is found,
`--language` when given, else that merchant's default language; a command for every merchant,
or before the merchant is known, speaks `--language`, else `LANGUAGE_CODE`. What scripts read
(a slug, a key, `name=value` counts) is never translated.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation

from loyalty.languages import reader_language
from loyalty.models import Merchant


def add_language_argument(parser) -> None:
    parser.add_argument(
        "--language",
        choices=[code for code, _name in settings.LANGUAGES],
        help="the language of the messages (default: the merchant's, else LANGUAGE_CODE)",
    )


@contextmanager
def speaking(options: dict, merchant: Merchant | None = None) -> Iterator[str]:
    """Speak `--language`, else the merchant's default language, for the block."""
    language = reader_language(options.get("language"), merchant)
    with translation.override(language):
        yield language
