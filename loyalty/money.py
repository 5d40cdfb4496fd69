"""Money and points as people read them, in the merchant's currency and the page's language.

The one place that formats amounts: templates use the `fidela` filters, which call these;
Python code (emails, form help, warnings, reports) calls these directly.
"""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import ngettext

from loyalty.models import Merchant


def format_money(amount: Decimal | int | None, merchant: Merchant, places: int = 2) -> str:
    """€1,234.50: the merchant's symbol, then the amount grouped as the language writes it."""
    value = Decimal(amount or 0)
    number = number_format(abs(value), places, use_l10n=True, force_grouping=True)
    sign = "-" if value < 0 else ""
    return f"{sign}{merchant.currency_symbol}{number}"


def format_points(points: int) -> str:
    """“1,250 points”, “1 point”."""
    return ngettext("%(points)s point", "%(points)s points", points) % {
        "points": number_format(points, 0, use_l10n=True, force_grouping=True)
    }
