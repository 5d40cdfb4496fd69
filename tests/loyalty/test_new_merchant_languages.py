# ruff: noqa: RUF001 (the Russian names are Cyrillic on purpose)
"""A new merchant starts with its sample tiers and rewards in its default language, and in the
other languages as their translations: a Romanian café's Russian-reading members read Russian
from the first day, before the owner has edited anything."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from loyalty.content import localized
from loyalty.models import Merchant
from loyalty.tenancy.services import create_merchant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def names(merchant: Merchant) -> tuple[list[str], list[str]]:
    tiers = [tier.name for tier in merchant.tiers.order_by("threshold")]
    rewards = [reward.name for reward in merchant.rewards.order_by("position")]
    return tiers, rewards


def test_a_romanian_business_starts_in_romanian_with_english_and_russian_beside():
    merchant = create_merchant(
        owner=UserFactory(),
        name="Cafeneaua",
        slug="cafeneaua",
        currency="RON",
        default_language="ro",
    )

    tiers, rewards = names(merchant)
    assert tiers == ["Bronz", "Argint", "Aur"]
    assert rewards[0] == "Cafea gratuită"
    coffee = merchant.rewards.get(position=0)
    assert coffee.item == "Cafea"  # what the till knows, in the merchant's language only
    assert localized(coffee, "name", "en") == "Free coffee"
    assert localized(coffee, "name", "ru") == "Бесплатный кофе"
    assert "ro" not in coffee.translations and "item" not in coffee.translations["ru"]
    silver = merchant.tiers.get(name="Argint")
    assert localized(silver, "name", "ru") == "Серебро"
    assert localized(silver, "name", "en") == "Silver"
    # The sample that needs a tier still needs the second one, whatever its name.
    assert merchant.rewards.get(position=2).min_tier == silver


def test_the_samples_money_is_written_as_each_language_writes_it():
    merchant = create_merchant(
        owner=UserFactory(),
        name="Cafeneaua",
        slug="cafeneaua",
        currency="RON",
        default_language="ro",
    )

    five_off = merchant.rewards.get(position=1)
    assert five_off.name == "5\u00a0lei reducere la următoarea cumpărătură"
    assert (
        localized(five_off, "name", "en") == "lei\u00a05 off your next purchase"
    )  # CLDR: English writes the symbol first
    assert localized(five_off, "name", "ru") == "Скидка 5\u00a0lei на следующую покупку"


def test_an_english_business_keeps_its_english_names(merchant_a):
    tiers, rewards = names(merchant_a)

    assert tiers == ["Bronze", "Silver", "Gold"]
    assert rewards[0] == "Free coffee"
    assert localized(merchant_a.tiers.get(name="Gold"), "name", "ro") == "Aur"


def test_createmerchant_takes_the_businesss_language():
    out = StringIO()
    call_command(
        "createmerchant",
        "--name",
        "Кафе",
        "--slug",
        "kafe",
        "--owner-email",
        "o@example.com",
        "--owner-password",
        "a-long-password-1",
        "--currency",
        "MDL",
        "--language",
        "ru",
        stdout=out,
    )

    merchant = Merchant.objects.get(slug="kafe")
    assert out.getvalue().strip() == "kafe"
    assert merchant.default_language == "ru"
    assert names(merchant)[0] == ["Бронза", "Серебро", "Золото"]


def test_the_owner_who_signs_up_in_romanian_gets_a_romanian_business(db):
    owner = UserFactory()
    client = Client()
    client.force_login(owner)
    client.cookies["django_language"] = "ro"

    answer = client.post(
        "/welcome/",
        {
            "name": "Brutăria",
            "slug": "brutaria",
            "currency": "RON",
            "timezone": "Europe/Bucharest",
            "shop_name": "Centru",
            "shop_address": "",
        },
    )

    merchant = Merchant.objects.get(slug="brutaria")
    assert answer.status_code == 302
    assert merchant.default_language == "ro"
    assert names(merchant)[1][0] == "Cafea gratuită"
