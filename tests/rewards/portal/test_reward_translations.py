"""A reward's name and description per language: the manager gives them in the portal, the
member page, the till and the shop API show them in the reader's language, and a voucher keeps
the words it was issued with. Where a language has none, everyone reads the merchant's own."""

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from loyalty.content import clean_translations, localized
from loyalty.tenancy.services import create_api_key
from rewards import services
from rewards.catalogue import save_reward
from rewards.models import Reward
from tests.rewards.portal.conftest import give, reward_url
from tests.rewards.portal.test_reward_form import NEW, form_data

pytestmark = pytest.mark.django_db

WORDS = {
    "ro": {"name": "Cafea gratuită", "description": "Orice cafea, de orice mărime."},
    "ru": {"name": "Бесплатный кофе", "description": "Любой кофе любого размера."},
}


def translated(coffee: Reward) -> Reward:
    coffee.translations = WORDS
    return save_reward(reward=coffee, actor=None)


def reader(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_localized_reads_the_language_and_falls_back_to_the_merchants_words(coffee):
    coffee.translations = {"ro": {"name": "Cafea gratuită"}}

    assert localized(coffee, "name", "ro") == "Cafea gratuită"
    assert localized(coffee, "name", "ru") == "Free coffee"
    assert localized(coffee, "description", "ro") == coffee.description
    assert localized(None, "name") == ""


def test_only_fidelas_languages_and_the_translated_fields_are_kept():
    given = {
        "ro": {"name": "  Cafea  ", "description": "", "points_cost": "1"},
        "de": {"name": "Kaffee"},
        "ru": "not words",
    }

    assert clean_translations(given, ("name", "description")) == {"ro": {"name": "Cafea"}}
    assert clean_translations(["ro"], ("name",)) == {}


def test_a_manager_names_a_reward_in_the_other_languages(manager_client, merchant_a):
    answer = manager_client.post(
        NEW,
        form_data(
            name_ro="Brioșă gratuită",
            description_ro="Orice brioșă.",
            name_ru="Бесплатный маффин",
            description_ru="",
        ),
    )

    reward = Reward.objects.get(merchant=merchant_a, name="Free muffin")
    assert answer.status_code == 302
    assert reward.translations == {
        "ro": {"name": "Brioșă gratuită", "description": "Orice brioșă."},
        "ru": {"name": "Бесплатный маффин"},
    }
    form = manager_client.get(reward_url(reward)).content.decode()
    assert 'name="name_ro"' in form and 'value="Brioșă gratuită"' in form
    assert 'lang="ru"' in form and "In other languages" in form
    assert 'name="name_en"' not in form  # English is the business's own language here


def test_the_form_offers_the_languages_besides_the_businesss_own(manager_client, merchant_a):
    merchant_a.default_language = "ro"
    merchant_a.save(update_fields=["default_language"])

    form = manager_client.get(NEW).content.decode()

    assert 'name="name_en"' in form and 'name="name_ru"' in form
    assert 'name="name_ro"' not in form


def test_a_name_too_long_in_another_language_is_refused_and_nothing_saved(
    manager_client, merchant_a
):
    answer = manager_client.post(NEW, form_data(name_ro="x" * 81))

    assert answer.status_code == 200
    assert not Reward.objects.filter(merchant=merchant_a, name="Free muffin").exists()
    assert "at most 80 characters" in answer.content.decode()


def test_the_member_page_shows_the_readers_words_or_the_merchants(ana, coffee):
    translated(coffee)

    assert "Cafea gratuită" in reader(ana.user, "ro").get("/m/aroma/rewards").content.decode()
    assert "Бесплатный кофе" in reader(ana.user, "ru").get("/m/aroma/rewards").content.decode()
    assert "Free coffee" in reader(ana.user, "en").get("/m/aroma/rewards").content.decode()

    coffee.translations = {"ru": {"name": "Бесплатный кофе"}}
    save_reward(reward=coffee, actor=None)
    page = reader(ana.user, "ro").get("/m/aroma/rewards").content.decode()
    assert "Free coffee" in page and "Cafea gratuită" not in page


def test_a_voucher_keeps_the_words_it_was_issued_with(ana, shop_a, coffee):
    translated(coffee)
    give(shop_a, ana, "400")
    voucher = services.redeem_reward(member=ana, reward=coffee, actor=None)

    coffee.translations = {"ro": {"name": "Cafea mare"}}
    save_reward(reward=coffee, actor=None)

    page = reader(ana.user, "ro").get(f"/m/aroma/vouchers/{voucher.pk}").content.decode()
    assert "Cafea gratuită" in page and "Cafea mare" not in page
    assert "Бесплатный кофе" in reader(ana.user, "ru").get("/m/aroma/vouchers").content.decode()


def test_the_shop_api_names_rewards_in_the_tills_language(merchant_a, shop_a, owner_a, coffee):
    translated(coffee)
    _key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a, name="Till")
    till = APIClient()
    till.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    names = {
        language: {
            row["id"]: row["name"]
            for row in till.get("/api/v1/rewards", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        }
        for language in ("ro", "ru", "en")
    }

    assert names["ro"][coffee.pk] == "Cafea gratuită"
    assert names["ru"][coffee.pk] == "Бесплатный кофе"
    assert names["en"][coffee.pk] == "Free coffee"


def test_another_merchants_reward_stays_a_404(manager_client, merchant_b):
    theirs = merchant_b.rewards.first()

    assert manager_client.get(reward_url(theirs)).status_code == 404
    assert manager_client.post(reward_url(theirs), form_data(name_ro="x")).status_code == 404
