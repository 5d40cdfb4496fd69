# ruff: noqa: RUF001 (Russian dates are written with the Cyrillic letter for "year")
"""Dates and times in the reader's language (issue 18): Django's named locale formats, and
CLDR's skeletons (loyalty.dates) where Django has none, on the merchant's clock."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from loyalty.dates import LONG_WEEKDAY_DAY_MONTH, WEEKDAY_DAY_MONTH, format_day, format_day_time
from loyalty.models import Merchant
from loyalty.templatetags.fidela import birthday_day_month, local_date, local_datetime
from members.models import Member

MOMENT = datetime(2026, 12, 3, 7, 5, tzinfo=UTC)  # 09:05 in Bucharest


@pytest.fixture(autouse=True)
def bucharest():
    with timezone.override(ZoneInfo("Europe/Bucharest")):
        yield


@pytest.mark.parametrize(
    ("language", "day", "weekday", "long"),
    [
        ("en", "3 Dec", "Thu 3 Dec", "Thursday, 3 December 2026"),
        ("ro", "3 dec.", "joi, 3 dec.", "joi, 3 decembrie 2026"),
        ("ru", "3 дек.", "чт, 3 дек.", "четверг, 3 декабря 2026\N{NARROW NO-BREAK SPACE}г."),
    ],
)
def test_a_day_without_its_year(language, day, weekday, long):
    with translation.override(language):
        assert format_day(MOMENT) == day
        assert format_day(MOMENT, WEEKDAY_DAY_MONTH) == weekday
        assert format_day(MOMENT.date(), LONG_WEEKDAY_DAY_MONTH) == long


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "3 Dec, 09:05"),
        ("ro", "3 dec., 09:05"),
        ("ru", "3 дек., 09:05"),
    ],
)
def test_a_day_and_its_time_on_the_active_clock(language, expected):
    with translation.override(language):
        assert format_day_time(MOMENT) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "3 December"), ("ro", "3 decembrie"), ("ru", "3 декабря")],
)
def test_a_birthday_says_the_month_as_a_date_does(language, expected):
    with translation.override(language):
        assert birthday_day_month(Member(birth_month=12, birth_day=3)) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "3 Dec 2026, 09:05"),
        ("ro", "3 dec. 2026, 09:05"),
        ("ru", "3 дек. 2026\N{NARROW NO-BREAK SPACE}г., 09:05"),
    ],
)
def test_a_moment_with_words_is_cldr_s_medium_date_and_short_time(language, expected):
    template = Template('{% load fidela %}{{ moment|day_time:"date" }}')
    with translation.override(language):
        assert template.render(Context({"moment": MOMENT})) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "December 2026"),
        ("ro", "decembrie 2026"),
        ("ru", "декабрь 2026\N{NARROW NO-BREAK SPACE}г."),
    ],
)
def test_a_month_is_written_in_lower_case_where_the_language_does(language, expected):
    # Django's own Romanian and Russian month names are capitalised ("Decembrie 2026").
    template = Template('{% load fidela %}{{ day|day:"month_year" }} / {{ day|month_name }}')
    month = {"en": "December", "ro": "decembrie", "ru": "декабрь"}[language]
    with translation.override(language):
        assert template.render(Context({"day": MOMENT.date()})) == f"{expected} / {month}"


def test_numbers_only_dates_take_django_s_named_formats():
    template = Template('{{ moment|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override("en"):  # Europe's English (config/formats/en), not 12/03/2026
        assert template.render(Context({"moment": MOMENT})) == "03/12/2026 09:05"
    with translation.override("ro"):
        assert template.render(Context({"moment": MOMENT})) == "03.12.2026, 09:05"
    with translation.override("ru"):
        assert template.render(Context({"moment": MOMENT})) == "03.12.2026 09:05"


def test_template_filters_for_the_formats_django_lacks():
    template = Template('{% load fidela %}{{ moment|day }} · {{ moment|day_time:"weekday" }}')
    with translation.override("ru"):
        assert template.render(Context({"moment": MOMENT})) == "3 дек. · чт, 3 дек., 09:05"


def test_merchant_dates_speak_the_reader_s_language_in_the_merchant_s_country():
    shop = Merchant(country="RO", timezone="Europe/Bucharest", default_language="ro")
    with translation.override("en"):  # not the American 12/03/2026
        assert local_date(MOMENT, shop) == "03.12.2026"
    with translation.override("ru"):  # the country's order of numbers; no Russian words
        assert local_datetime(MOMENT, shop) == "03.12.2026, 09:05"
    with translation.override("ro"):
        assert local_datetime(MOMENT, shop) == "03.12.2026, 09:05"


def test_where_django_has_no_format_for_the_country_the_reader_s_language_writes_it():
    shop = Merchant(country="MD", timezone="Europe/Chisinau", default_language="ro")
    with translation.override("ru"):
        assert local_datetime(MOMENT, shop) == "03.12.2026 09:05"
        assert local_date(date(2027, 1, 5), shop) == "05.01.2027"
