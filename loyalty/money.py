"""Money and points as people read them, in the merchant's currency and the page's language.

The one place that formats amounts: templates use the `fidela` filters, which call these;
Python code (emails, form help, warnings, reports) calls these directly.

Money follows the active language's CLDR currency pattern (Babel): where the symbol goes and
with what space ("12,50 lei" in Romanian, "12,50 €" in Russian, "€12.50" in English), the
grouping and decimal marks, and the minus sign. Only the symbol is Fidela's own
(`CURRENCY_SYMBOLS` in loyalty/models/tenancy.py): CLDR writes "RON" for the leu in Romanian,
where people write "lei". The symbol goes into the pattern as a quoted literal; CLDR's
currency spacing rule (a non-breaking space between digits and a symbol made of letters,
"lei 12.50" in English, as CLDR writes "RON 12.50") is applied here because Babel does not.
Numbers stay plain decimals wherever a machine reads them (CSV, the API).
"""

import functools
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, parse_pattern
from babel.numbers import format_percent as babel_format_percent
from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import ngettext

from loyalty.models import Merchant

NBSP = "\N{NO-BREAK SPACE}"
# Fidela's English is read in Europe: CLDR's British English (3 Dec 2026, 09:05) rather than
# its American "en" (Dec 3, 2026, 9:05 AM); money and numbers are the same in both.
CLDR_LOCALES = {"en": "en_GB"}


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of `language` (default: the active one; English when unknown)."""
    return _locale(language or translation.get_language() or settings.LANGUAGE_CODE)


@functools.cache
def _locale(language: str) -> Locale:
    language = CLDR_LOCALES.get(language, language)
    try:
        return Locale.parse(language, sep="-" if "-" in language else "_")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _is_letter_side(char: str) -> bool:
    """CLDR's currencyMatch "[[:^S:]&[:^Z:]]": a symbol whose edge is not a sign or space."""
    return not unicodedata.category(char).startswith(("S", "Z"))


@functools.cache
def _money_pattern(language: str, symbol: str, places: int) -> str:
    """The language's currency pattern with `symbol` as a literal and `places` decimals."""
    pattern = parse_pattern(_locale(language).currency_formats["standard"].pattern)
    prefix, suffix = pattern.prefix[0], pattern.suffix[0]
    quoted = "'" + symbol.replace("'", "''") + "'"
    if prefix.endswith("¤") and _is_letter_side(symbol[-1]):
        prefix += NBSP  # "lei 12.50": CLDR's insertBetween
    if suffix.startswith("¤") and _is_letter_side(symbol[0]):
        suffix = NBSP + suffix
    integer = pattern.number_pattern.split(".")[0]
    number = f"{integer}.{'0' * places}" if places else integer
    return prefix.replace("¤", quoted) + number + suffix.replace("¤", quoted)


def format_money(
    amount: Decimal | int | None, merchant: Merchant, places: int | None = 2, language: str = ""
) -> str:
    """“12,50 lei”, “€1,234.50”, “-1 234,50 €”: the amount in the merchant's currency as the
    active language (or `language`) writes money. `places=None` shows as many decimals as the
    amount has, at least two (a point worth “€0.0125”)."""
    locale = babel_locale(language)
    value = Decimal(amount or 0)
    if places is None:
        places = max(2, -min(0, int(value.normalize().as_tuple().exponent)))
    pattern = _money_pattern(str(locale), merchant.currency_symbol, places)
    return format_decimal(value, format=pattern, locale=locale)


def format_points(points: int) -> str:
    """“1,250 points”, “1.250 de puncte”, “1 250 баллов”, “1 point”."""
    return ngettext("%(points)s point", "%(points)s points", points) % {
        "points": number_format(points, 0, use_l10n=True, force_grouping=True)
    }


def format_percent(value: Decimal | float | int, places: int = 0) -> str:
    """“12,5 %” (Romanian, Russian), “12.5%” (English): `value` is out of 100, `places` the
    decimals shown (trailing zeros kept, so a column lines up)."""
    locale = babel_locale()
    pattern = parse_pattern(locale.percent_formats[None].pattern)
    integer = pattern.number_pattern.split(".")[0]
    number = f"{integer}.{'0' * places}" if places else integer
    shaped = pattern.prefix[0] + number + pattern.suffix[0]
    # Half up, as people round (9.05 is 9.1), where Babel would round half to even.
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return babel_format_percent(rounded / 100, format=shaped, locale=locale)
