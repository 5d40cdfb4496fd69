# ruff: noqa: RUF001 (the Russian names are Cyrillic on purpose)
"""The card page names the member's tier, and the next one, in the member's language; the
merchant's own name where none is given (issue 18)."""

import pytest

from loyalty.models.points import Tier


@pytest.fixture
def named_tiers(merchant_a):
    tiers = {t.name: t for t in Tier.objects.for_merchant(merchant_a)}
    tiers["Bronze"].translations = {"ro": {"name": "Bronz"}, "ru": {"name": "Бронза"}}
    tiers["Silver"].translations = {"ro": {"name": "Argint"}, "ru": {"name": "Серебро"}}
    for tier in tiers.values():
        tier.save(update_fields=["translations"])
    return tiers


def read_card(ana, ana_client, language: str) -> str:
    ana.language = language
    ana.save(update_fields=["language"])
    return ana_client.get("/m/aroma/").content.decode()


def test_in_romanian_the_card_shows_the_romanian_tier_names(ana, ana_client, named_tiers):
    html = read_card(ana, ana_client, "ro")

    assert ana.tier.name == "Bronze"
    assert "Bronz" in html and "Bronze" not in html
    assert "Argint" in html and "Silver" not in html


def test_in_russian_the_card_shows_the_russian_tier_names(ana, ana_client, named_tiers):
    html = read_card(ana, ana_client, "ru")

    assert "Бронза" in html and "Серебро" in html
    assert "Bronze" not in html and "Silver" not in html


def test_without_a_romanian_name_the_card_shows_the_merchants_own(ana, ana_client, merchant_a):
    merchant_a.tiers.update(translations={})  # the sample tiers' own words taken away

    html = read_card(ana, ana_client, "ro")

    assert "Bronze" in html and "Silver" in html


def test_another_merchants_member_never_sees_these_names(client, merchant_b, named_tiers):
    from tests.personas import make_bob

    bob = make_bob(merchant_b, email="bob@example.com")
    client.force_login(bob.user)
    html = client.get("/m/aroma/", follow=True).content.decode()

    assert "Argint" not in html and "Bronz" not in html
