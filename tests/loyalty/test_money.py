"""Money, points and percentages as the reader's language writes them (issue 18): the CLDR
currency pattern of the language (Babel), with the symbol Fidela shows for the currency
("lei" for the Romanian and Moldovan leu, where CLDR writes "RON", "MDL")."""

from decimal import Decimal

import pytest
from django.utils import translation

from loyalty.models import Merchant
from loyalty.money import format_money, format_percent, format_points

NBSP = "\N{NO-BREAK SPACE}"

# amount 1234.5 in each language and currency, as a shop's customer reads it.
EXPECTED = {
    ("en", "EUR"): "€1,234.50",
    ("en", "RON"): f"lei{NBSP}1,234.50",
    ("en", "MDL"): f"lei{NBSP}1,234.50",
    ("en", "USD"): "$1,234.50",
    ("ro", "EUR"): f"1.234,50{NBSP}€",
    ("ro", "RON"): f"1.234,50{NBSP}lei",
    ("ro", "MDL"): f"1.234,50{NBSP}lei",
    ("ro", "USD"): f"1.234,50{NBSP}$",
    ("ru", "EUR"): f"1{NBSP}234,50{NBSP}€",
    ("ru", "RON"): f"1{NBSP}234,50{NBSP}lei",
    ("ru", "MDL"): f"1{NBSP}234,50{NBSP}lei",
    ("ru", "USD"): f"1{NBSP}234,50{NBSP}$",
}


def money(amount, currency: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return format_money(Decimal(amount), Merchant(currency=currency), **kwargs)


@pytest.mark.parametrize(("language", "currency"), sorted(EXPECTED))
def test_money_takes_the_language_s_pattern_and_fidela_s_symbol(language, currency):
    assert money("1234.5", currency, language) == EXPECTED[language, currency]


def test_the_issue_s_examples():
    assert money("12.5", "RON", "ro") == f"12,50{NBSP}lei"
    assert money("12.5", "EUR", "ru") == f"12,50{NBSP}€"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "-€12.50"), ("ro", f"-12,50{NBSP}€"), ("ru", f"-12,50{NBSP}€")],
)
def test_a_negative_amount_takes_the_minus_before_it_all(language, expected):
    assert money("-12.5", "EUR", language) == expected


def test_zero_none_and_whole_amounts():
    assert money("0", "RON", "ro") == f"0,00{NBSP}lei"
    assert money("5", "RON", "ro", places=0) == f"5{NBSP}lei"
    assert money("5", "EUR", "en", places=0) == "€5"
    with translation.override("ru"):
        assert format_money(None, Merchant(currency="EUR")) == f"0,00{NBSP}€"


def test_large_amounts_are_grouped_and_rounded_to_the_places():
    assert money("1234567.891", "RON", "ro") == f"1.234.567,89{NBSP}lei"
    assert money("1234567.891", "EUR", "ru", places=0) == f"1{NBSP}234{NBSP}568{NBSP}€"
    assert money("1234567.891", "USD", "en") == "$1,234,567.89"


def test_a_small_amount_keeps_its_decimals_when_asked():
    assert money("0.0125", "EUR", "en", places=None) == "€0.0125"
    assert money("0.0100", "RON", "ro", places=None) == f"0,01{NBSP}lei"


def test_a_currency_without_a_symbol_shows_its_code_spaced_as_cldr_does():
    assert money("12.5", "CHF", "en") == f"CHF{NBSP}12.50"
    assert money("12.5", "CHF", "ro") == f"12,50{NBSP}CHF"


def test_the_language_can_be_named():
    with translation.override("ru"):
        assert format_money(Decimal(10), Merchant(currency="EUR"), 0, language="en") == "€10"


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 балл"), (2, "2 балла"), (5, "5 баллов"), (21, "21 балл"), (1250, f"1{NBSP}250 баллов")],
)
def test_points_take_russian_s_three_plural_forms_and_grouping(count, expected):
    with translation.override("ru"):
        assert format_points(count) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    # Romanian says "de" from 20 on (1.250 de puncte), as the catalogue's third form does.
    [
        (1, "1 punct"),
        (2, "2 puncte"),
        (19, "19 puncte"),
        (20, "20 de puncte"),
        (1250, "1.250 de puncte"),
    ],
)
def test_points_in_romanian(count, expected):
    with translation.override("ro"):
        assert format_points(count) == expected


def test_points_in_english():
    with translation.override("en"):
        assert (format_points(1), format_points(1250)) == ("1 point", "1,250 points")


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "12.5%"), ("ro", f"12,5{NBSP}%"), ("ru", f"12,5{NBSP}%")]
)
def test_a_percentage_as_the_language_writes_it(language, expected):
    with translation.override(language):
        assert format_percent(Decimal("12.45"), 1) == expected  # rounded half up


def test_a_whole_percentage():
    with translation.override("en"):
        assert (format_percent(7), format_percent(-3.25, 2)) == ("7%", "-3.25%")
