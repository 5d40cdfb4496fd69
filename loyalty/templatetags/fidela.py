"""Template filters for points and money in the merchant's currency.

{% load fidela %}
{{ 1250|points_with_money:program }}   → 1,250 points · €12.50
{{ amount|money:merchant }}            → €1,234.50
{{ tier|tier_threshold:program }}      → €500 or 500 points, by the program's tier basis
{{ purchase.breakdown|breakdown }}     → 23 base + 6 Gold bonus
{{ flag|purchase_flag }}               → Points capped at the per-sale limit
{% for n in page|page_range %}         → 1 2 … 9 10 11 … 40 (None marks a gap)
{{ moment|local_datetime:merchant }}   → 01.12.2026, 20:36 (the merchant's locale and clock)
{{ moment|local_date:merchant }}       → 01.12.2026
{{ day|day }}, {{ day|day:"weekday" }} → 3 dec., joi, 3 dec. (loyalty.dates: CLDR skeletons)
{{ moment|day_time }}                  → 3 dec., 09:05
{{ moment|day_time:"date" }}           → 3 dec. 2026, 09:05 (words: CLDR's, as Django's
                                         ro/ru month names are capitalised)
{{ 12.5|percent:1 }}                   → 12,5 % (a figure out of 100, as the language writes it)
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language_info, gettext_lazy, ngettext

from loyalty.clock import merchant_date, merchant_datetime
from loyalty.content import localized
from loyalty.dates import LONG_DAY_MONTH, STYLES, format_day, format_day_time, month_name
from loyalty.models import Merchant
from loyalty.models.points import Program, Tier, TierBasis
from loyalty.money import format_money, format_percent, format_points
from loyalty.points.ledger import points_money

register = template.Library()

# What the points engine notes on a sale it treated specially (Purchase.flags).
PURCHASE_FLAGS = {
    "points_cap": gettext_lazy("Points capped at the per-sale limit"),
    "daily_purchase_limit": gettext_lazy("Over the daily purchase limit"),
}


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, InvalidOperation):
        return None


@register.filter
def points_with_money(points, program: Program) -> str:
    """“1,250 points · €12.50”: a number of points and what they are worth in this program."""
    count = _as_int(points)
    if count is None:
        return ""
    return ngettext("%(points)s point · %(money)s", "%(points)s points · %(money)s", abs(count)) % {
        "points": number_format(count, 0, use_l10n=True, force_grouping=True),
        "money": format_money(points_money(count, program), program.merchant),
    }


@register.filter
def points(value) -> str:
    """“1,250 points”, “1 point”."""
    count = _as_int(value)
    return "" if count is None else format_points(count)


@register.filter
def money(amount, merchant: Merchant) -> str:
    if amount is None or amount == "":
        return ""
    return format_money(Decimal(amount), merchant)


@register.filter
def money_exact(amount, merchant: Merchant) -> str:
    """A small amount with all its decimals, at least two: a point worth “0,0125 lei”."""
    if amount is None or amount == "":
        return ""
    return format_money(Decimal(amount), merchant, places=None)


@register.filter
def percent(value, places=0) -> str:
    """“12,5 %”, “12.5%”: a figure out of 100 (not a fraction), as the language writes it."""
    if value is None or value == "":
        return ""
    try:
        return format_percent(Decimal(str(value)), int(places))
    except (InvalidOperation, ValueError):
        return ""


@register.filter
def tier_threshold(tier: Tier, program: Program) -> str:
    """What reaching the tier takes: money spent or points earned, as the program counts."""
    if program.tier_basis == TierBasis.POINTS:
        return format_points(int(tier.threshold))
    whole = tier.threshold == tier.threshold.to_integral_value()
    return format_money(tier.threshold, program.merchant, places=0 if whole else 2)


@register.filter
def purchase_flag(flag: str) -> str:
    """A flag of a sale in words; a flag this version does not know shows as it is stored."""
    return str(PURCHASE_FLAGS.get(flag, flag))


@register.filter
def breakdown(parts) -> str:
    """“23 base + 6 Gold bonus - 4 over the per-sale limit”: how a sale's points add up."""
    text = ""
    for part in parts or []:
        count = _as_int(part.get("points")) or 0
        number = number_format(abs(count), 0, use_l10n=True, force_grouping=True)
        piece = f"{number} {part.get('label', '')}".strip()
        if not text:
            text = f"-{piece}" if count < 0 else piece
        else:
            text += f" - {piece}" if count < 0 else f" + {piece}"
    return text


@register.filter
def page_range(page) -> list:
    """A page's neighbours for a numbered pager: 1 2 … 9 10 11 … 39 40 (None marks a gap)."""
    paginator = page.paginator
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]


# --- Member page: birthdays and languages as people read them ---------------------------
# {{ member|birthday_day_month }}  → 16 January (day and month in the active language, no year)
# {{ member.language|language_name }}  → English (the name in settings.LANGUAGES, translated)


@register.filter
def birthday_day_month(member) -> str:
    """“16 January”: a member's birthday without the year; "" when none is known."""
    month, day = getattr(member, "birth_month", None), getattr(member, "birth_day", None)
    if not month or not day:
        return ""
    # A leap year, so that 29 February has a date; CLDR's day-and-month says the month as a
    # date does ("16 января" in Russian, not the nominative "январь"; "January 16" in English).
    return format_day(date(2000, month, day), LONG_DAY_MONTH)


@register.filter(name="localized")
def localized_filter(obj, field: str) -> str:
    """`{{ reward|localized:"name" }}`: the merchant's words in the language being spoken,
    else in the merchant's own (loyalty.content)."""
    return localized(obj, field)


@register.filter
def language_name(code) -> str:
    """“English” for "en": the language's name from settings.LANGUAGES, translated."""
    if not code:
        return ""
    names = dict(settings.LANGUAGES)
    if code in names:
        return str(names[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return str(code)


# --- Dates and times in the merchant's locale and time zone (loyalty.clock) ---------------


@register.filter
def day(value, style: str = "day_month") -> str:
    """{{ today|day }} → 3 dec. / 3 Dec; styles in loyalty.dates.STYLES ("weekday", ...)."""
    return format_day(value, STYLES[style]) if value else ""


@register.filter
def day_time(value, style: str = "day_month") -> str:
    """{{ moment|day_time }} → 3 dec., 09:05 (on the active clock)."""
    return format_day_time(value, STYLES[style]) if value else ""


@register.filter(name="month_name")
def month_name_filter(value) -> str:
    """{{ period.first_day|month_name }} → decembrie / декабрь / December."""
    return month_name(value) if value else ""


@register.filter
def local_datetime(moment, merchant: Merchant) -> str:
    """{{ voucher.used_at|local_datetime:merchant }} → 01.12.2026, 20:36 (the merchant's clock)."""
    return merchant_datetime(moment, merchant) if moment else ""


@register.filter
def local_date(day, merchant: Merchant) -> str:
    """{{ voucher.expires_at|local_date:merchant }} → 01.12.2026 (a moment: the merchant's day)."""
    return merchant_date(day, merchant) if day else ""
