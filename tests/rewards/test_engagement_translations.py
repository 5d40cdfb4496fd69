"""The engagement programs in the members' languages (issue 18): the merchant gives a stamp
card's, a streak's, a challenge's, a badge's, a club's and a perk's words in Romanian and
Russian on the portal's forms; the member page, the till and the shop API show them in the
language being spoken, and the merchant's own words where a language has none."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.clock import local_today
from loyalty.tenancy.services import create_api_key
from rewards.challenges import save_badge, save_challenge
from rewards.clubs import save_club, save_perk
from rewards.engagement.challenges import award_badge
from rewards.models import (
    Badge,
    BadgeIcon,
    BadgeSource,
    Challenge,
    ChallengeKind,
    Club,
    ClubPerk,
    StampCard,
    StampEarnOn,
    StreakPeriod,
    StreakProgram,
)
from rewards.stamp_cards import save_stamp_card
from tests.loyalty.api.conftest import key_client
from tests.loyalty.points.helpers import ring
from tests.loyalty.pos.conftest import HX, find
from tests.rewards.engagement.clubs import buy, make_club, make_perk
from tests.rewards.engagement.conftest import make_card
from tests.rewards.engagement.streak_helpers import make_program
from tests.rewards.engagement.test_challenges import make_challenge

pytestmark = pytest.mark.django_db


# --- The portal's forms -------------------------------------------------------------------------


def _stamp_card_form(reward, **fields) -> dict:
    data = {
        "name": "Coffee card",
        "earn_on": StampEarnOn.PURCHASE,
        "min_amount": "",
        "categories": "",
        "skus": "",
        "stamps_needed": "10",
        "reward": reward.pk,
        "item_word": "coffees",
        "stamp_validity_days": "",
        "restart": "on",
        "active": "on",
    }
    return data | fields


def _streak_form(**fields) -> dict:
    data = {
        "name": "Weekly regulars",
        "period": StreakPeriod.WEEK,
        "grace": "on",
        "milestones": "4:100, 8:250",
        "active": "on",
    }
    return data | fields


def _challenge_form(merchant, **fields) -> dict:
    data = {
        "name": "Five visits in a month",
        "description": "Come five times within thirty days.",
        "kind": ChallengeKind.VISITS,
        "goal_count": "5",
        "window_days": "30",
        "goal_amount": "",
        "categories": "",
        "weekday": "",
        "hour_from": "",
        "hour_to": "",
        "starts_on": local_today(merchant).isoformat(),
        "ends_on": "",
        "reward_points": "100",
        "reward": "",
        "badge": "",
        "limit_per_member": "1",
        "points_budget": "",
        "active": "on",
        "action": "save",
    }
    return data | fields


def _club_form(**fields) -> dict:
    data = {
        "name": "Golden Bean Club",
        "sku": "club-year",
        "price": "49.00",
        "term_days": "365",
        "multiplier": "1.5",
        "notice_days": "14",
        "active": "on",
    }
    return data | fields


def _perk_form(**fields) -> dict:
    data = {"name": "One free coffee a day", "description": "", "period": "day", "uses": "1"}
    return data | {"weekday": ""} | fields


def test_a_stamp_card_is_named_in_romanian_and_russian(manager_client, merchant_a, coffee):
    new = reverse("portal:stamp_card_new")
    form = manager_client.get(new).content.decode()
    assert "In other languages" in form and 'name="name_ro"' in form and 'name="name_ru"' in form
    assert 'name="name_en"' not in form  # the merchant's own language is the name field

    answer = manager_client.post(
        new, _stamp_card_form(coffee, name_ro="  Cardul de cafea ", name_ru="Кофейная карта")
    )

    assert answer.status_code == 302, answer.content
    card = StampCard.objects.get(merchant=merchant_a)
    assert card.name == "Coffee card"
    assert card.translations == {
        "ro": {"name": "Cardul de cafea"},
        "ru": {"name": "Кофейная карта"},
    }
    edit = reverse("portal:stamp_card_edit", kwargs={"card_id": card.pk})
    page = manager_client.get(edit).content.decode()
    assert 'value="Cardul de cafea"' in page and 'value="Кофейная карта"' in page
    assert '<details class="translations" open>' in page

    manager_client.post(edit, _stamp_card_form(coffee, name_ro="", name_ru="Кофейная карта"))
    card.refresh_from_db()
    assert card.translations == {"ru": {"name": "Кофейная карта"}}  # emptied: the base again


def test_the_translations_stay_closed_while_none_is_given(manager_client, merchant_a, coffee):
    manager_client.post(reverse("portal:stamp_card_new"), _stamp_card_form(coffee))
    card = StampCard.objects.get(merchant=merchant_a)
    assert card.translations == {}
    page = manager_client.get(
        reverse("portal:stamp_card_edit", kwargs={"card_id": card.pk})
    ).content.decode()
    assert '<details class="translations">' in page


def test_a_streak_is_named_in_romanian(manager_client, merchant_a):
    answer = manager_client.post(
        reverse("portal:streak_new"), _streak_form(name_ro="Clienții săptămânii", name_ru="")
    )

    assert answer.status_code == 302, answer.content
    program = StreakProgram.objects.get(merchant=merchant_a)
    assert program.translations == {"ro": {"name": "Clienții săptămânii"}}
    edit = reverse("portal:streak_edit", kwargs={"program_id": program.pk})
    assert 'value="Clienții săptămânii"' in manager_client.get(edit).content.decode()


def test_a_challenge_is_named_and_described_in_romanian_and_russian(manager_client, merchant_a):
    answer = manager_client.post(
        reverse("portal:challenge_new"),
        _challenge_form(
            merchant_a,
            name_ro="Cinci vizite într-o lună",
            description_ro="Veniți de cinci ori în treizeci de zile.",
            name_ru="Пять визитов за месяц",
            description_ru="",
        ),
    )

    assert answer.status_code == 302, answer.content
    challenge = Challenge.objects.get(merchant=merchant_a)
    assert challenge.translations == {
        "ro": {
            "name": "Cinci vizite într-o lună",
            "description": "Veniți de cinci ori în treizeci de zile.",
        },
        "ru": {"name": "Пять визитов за месяц"},
    }
    edit = reverse("portal:challenge_edit", kwargs={"challenge_id": challenge.pk})
    page = manager_client.get(edit).content.decode()
    assert 'value="Cinci vizite într-o lună"' in page
    assert "Veniți de cinci ori în treizeci de zile." in page
    assert 'value="Пять визитов за месяц"' in page


def test_the_forecast_keeps_the_words_typed(manager_client, merchant_a):
    answer = manager_client.post(
        reverse("portal:challenge_new"),
        _challenge_form(merchant_a, action="forecast", name_ro="Cinci vizite"),
    )
    assert answer.status_code == 200
    assert 'value="Cinci vizite"' in answer.content.decode()
    assert not Challenge.objects.exists()


def test_a_badge_is_named_and_described_in_russian(manager_client, merchant_a):
    answer = manager_client.post(
        reverse("portal:badge_new"),
        {
            "name": "Regular",
            "icon": BadgeIcon.MEDAL,
            "description": "Five visits",
            "active": "on",
            "name_ru": "Завсегдатай",
            "description_ru": "Пять визитов",
        },
    )

    assert answer.status_code == 302, answer.content
    badge = Badge.objects.get(merchant=merchant_a)
    assert badge.translations == {"ru": {"name": "Завсегдатай", "description": "Пять визитов"}}
    edit = reverse("portal:badge_edit", kwargs={"badge_id": badge.pk})
    page = manager_client.get(edit).content.decode()
    assert 'value="Завсегдатай"' in page and "Пять визитов" in page


def test_a_club_and_its_perk_are_named_in_romanian(manager_client, merchant_a):
    answer = manager_client.post(reverse("portal:club_new"), _club_form(name_ro="Clubul de aur"))
    assert answer.status_code == 302, answer.content
    club = Club.objects.get(merchant=merchant_a)
    assert club.translations == {"ro": {"name": "Clubul de aur"}}
    edit = reverse("portal:club_edit", kwargs={"club_id": club.pk})
    assert 'value="Clubul de aur"' in manager_client.get(edit).content.decode()

    new_perk = reverse("portal:club_perk_new", kwargs={"club_id": club.pk})
    assert 'name="description_ro"' in manager_client.get(new_perk).content.decode()
    answer = manager_client.post(
        new_perk,
        _perk_form(
            name_ro="O cafea gratuită pe zi",
            description_ro="Un espresso sau un americano",
            name_ru="Бесплатный кофе каждый день",
        ),
    )
    assert answer.status_code == 302, answer.content
    perk = ClubPerk.objects.get(club=club)
    assert perk.translations == {
        "ro": {"name": "O cafea gratuită pe zi", "description": "Un espresso sau un americano"},
        "ru": {"name": "Бесплатный кофе каждый день"},
    }
    perk_edit = reverse("portal:club_perk_edit", kwargs={"club_id": club.pk, "perk_id": perk.pk})
    page = manager_client.get(perk_edit).content.decode()
    assert 'value="O cafea gratuită pe zi"' in page and "Un espresso sau un americano" in page


def test_the_portal_keeps_the_merchants_own_words(manager_client, merchant_a):
    club = make_club(merchant_a, name="Golden Bean Club", translations={"ro": {"name": "Aur"}})
    manager_client.cookies["django_language"] = "ro"
    page = manager_client.get(reverse("portal:clubs")).content.decode()
    assert "Golden Bean Club" in page and club.translations["ro"]["name"] not in page


def test_a_merchant_whose_language_is_romanian_gives_english_and_russian(
    manager_client, merchant_a, coffee
):
    merchant_a.default_language = "ro"
    merchant_a.save(update_fields=["default_language"])
    page = manager_client.get(reverse("portal:stamp_card_new")).content.decode()
    assert 'name="name_en"' in page and 'name="name_ru"' in page
    assert 'name="name_ro"' not in page


def test_another_merchants_programs_are_not_found(outsider_client, merchant_a, coffee):
    card = make_card(merchant_a, coffee)
    program = make_program(merchant_a)
    challenge = make_challenge(merchant_a)
    badge = Badge.objects.create(merchant=merchant_a, name="Regular")
    club = make_club(merchant_a)
    perk = make_perk(club)
    pages = [
        reverse("portal:stamp_card_edit", kwargs={"card_id": card.pk}),
        reverse("portal:streak_edit", kwargs={"program_id": program.pk}),
        reverse("portal:challenge_edit", kwargs={"challenge_id": challenge.pk}),
        reverse("portal:badge_edit", kwargs={"badge_id": badge.pk}),
        reverse("portal:club_edit", kwargs={"club_id": club.pk}),
        reverse("portal:club_perk_new", kwargs={"club_id": club.pk}),
        reverse("portal:club_perk_edit", kwargs={"club_id": club.pk, "perk_id": perk.pk}),
    ]
    for url in pages:
        assert outsider_client.get(url).status_code == 404, url
        assert outsider_client.post(url, {"name_ro": "Al altcuiva"}).status_code == 404, url
    for obj in (card, program, challenge, badge, club, perk):
        obj.refresh_from_db()
        assert obj.translations == {}


# --- The saving services ------------------------------------------------------------------------


def test_the_services_keep_only_fidelas_languages_and_the_translated_fields(merchant_a, coffee):
    given = {
        "ro": {"name": " Cardul de cafea ", "item_word": "cafele"},
        "de": {"name": "Kaffeekarte"},
        "ru": {"name": "   "},
    }
    card = save_stamp_card(
        merchant=merchant_a, actor=None, reward=coffee, name="Coffee card", translations=given
    )
    assert card.translations == {"ro": {"name": "Cardul de cafea"}}

    same = save_stamp_card(merchant=merchant_a, actor=None, card=card, stamps_needed=8)
    same.refresh_from_db()
    assert same.translations == {"ro": {"name": "Cardul de cafea"}}  # not given: kept

    club = save_club(
        merchant=merchant_a,
        actor=None,
        name="Club",
        sku="club",
        price="49.00",
        term_days=365,
        multiplier="1.5",
        notice_days=14,
        translations={"ro": {"name": "Clubul", "description": "nu"}},
    )
    assert club.translations == {"ro": {"name": "Clubul"}}
    perk = save_perk(
        club=club,
        actor=None,
        name="Free coffee",
        period="day",
        uses=1,
        translations={"ru": {"name": "Кофе", "description": "Эспрессо"}},
    )
    assert perk.translations == {"ru": {"name": "Кофе", "description": "Эспрессо"}}


def test_a_challenges_translations_alone_are_saved(merchant_a):
    challenge = make_challenge(merchant_a)
    save_challenge(
        merchant=merchant_a,
        actor=None,
        challenge=challenge,
        translations={"ro": {"name": "Cinci vizite", "description": "De cinci ori"}},
    )
    challenge.refresh_from_db()
    assert challenge.translations == {"ro": {"name": "Cinci vizite", "description": "De cinci ori"}}

    badge = save_badge(
        merchant=merchant_a, actor=None, name="Regular", translations={"ru": {"name": "Свой"}}
    )
    assert Badge.objects.get(pk=badge.pk).translations == {"ru": {"name": "Свой"}}


def test_the_services_refuse_another_merchants_program(merchant_a, merchant_b, coffee):
    card = make_card(merchant_a, coffee)
    with pytest.raises(ValueError):
        save_stamp_card(
            merchant=merchant_b, actor=None, card=card, translations={"ro": {"name": "X"}}
        )
    card.refresh_from_db()
    assert card.translations == {}


# --- What members and the till read -------------------------------------------------------------


@pytest.fixture
def programs(merchant_a, shop_a, ana, coffee):
    """Every engagement program of the café, Ana in each; the Romanian and Russian words given
    for some, not for others (the stamp card "Tea card" has none)."""
    make_card(
        merchant_a,
        coffee,
        name="Coffee card",
        translations={"ro": {"name": "Cardul de cafea"}, "ru": {"name": "Кофейная карта"}},
    )
    make_card(merchant_a, coffee, name="Tea card", categories=["tea"])
    make_challenge(
        merchant_a,
        name="Five visits in a month",
        description="Come five times.",
        translations={
            "ro": {"name": "Cinci vizite într-o lună", "description": "Veniți de cinci ori."},
            "ru": {"name": "Пять визитов за месяц"},
        },
    )
    badge = Badge.objects.create(
        merchant=merchant_a,
        name="Regular",
        icon=BadgeIcon.MEDAL,
        description="A face we know",
        translations={
            "ro": {"name": "Client fidel", "description": "O față cunoscută"},
            "ru": {"name": "Завсегдатай"},
        },
    )
    award_badge(ana, badge, BadgeSource.MANUAL)
    make_program(
        merchant_a,
        name="Weekly regulars",
        translations={"ro": {"name": "Clienții săptămânii"}, "ru": {"name": "Постоянные гости"}},
    )
    club = make_club(
        merchant_a,
        name="Golden Bean Club",
        translations={"ro": {"name": "Clubul de aur"}, "ru": {"name": "Золотой клуб"}},
    )
    make_perk(
        club,
        name="One free coffee a day",
        description="An espresso or an americano",
        translations={
            "ro": {"name": "O cafea gratuită pe zi", "description": "Un espresso sau americano"},
            "ru": {"name": "Бесплатный кофе каждый день"},
        },
    )
    buy(shop_a, ana)
    ring(shop_a, ana, "10.00", occurred_at=timezone.now() - timedelta(days=1))


@pytest.fixture
def ana_client(ana) -> Client:
    client = Client()
    client.force_login(ana.user)
    return client


def test_the_card_page_in_romanian_names_the_programs_in_romanian(programs, ana_client):
    ana_client.cookies["django_language"] = "ro"

    page = ana_client.get("/m/aroma/").content.decode()

    assert 'lang="ro"' in page
    assert "Cardul de cafea" in page and "Coffee card" not in page
    assert "Tea card" in page  # no Romanian name: the merchant's own
    assert "Cinci vizite într-o lună" in page and "Veniți de cinci ori." in page
    assert "Five visits in a month" not in page
    assert "Client fidel" in page and "O față cunoscută" in page and "A face we know" not in page
    assert "Clienții săptămânii" in page and "Weekly regulars" not in page
    assert "Clubul de aur" in page and "Golden Bean Club" not in page
    assert "O cafea gratuită pe zi" in page and "Un espresso sau americano" in page


def test_the_card_page_falls_back_to_the_merchants_words(programs, ana, ana_client):
    ana.language = "ru"  # her own choice, kept on her card
    ana.save(update_fields=["language"])

    page = ana_client.get("/m/aroma/").content.decode()

    assert 'lang="ru"' in page

    assert "Кофейная карта" in page and "Пять визитов за месяц" in page
    assert "Come five times." in page  # no Russian description: the merchant's
    assert "Завсегдатай" in page and "A face we know" in page
    assert "Постоянные гости" in page and "Золотой клуб" in page
    assert "Бесплатный кофе каждый день" in page and "An espresso or an americano" in page


def test_the_card_page_in_english_keeps_the_merchants_words(programs, ana_client):
    page = ana_client.get("/m/aroma/").content.decode()
    assert "Coffee card" in page and "Five visits in a month" in page
    assert "Golden Bean Club" in page and "Cardul de cafea" not in page


def test_the_till_in_romanian_names_the_programs_in_romanian(programs, cashier_client, ana):
    cashier_client.cookies["django_language"] = "ro"
    find(cashier_client, ana)

    html = cashier_client.get(f"/pos/members/{ana.pk}/", **HX).content.decode()

    assert "Cardul de cafea" in html and "Tea card" in html and "Coffee card" not in html
    assert "Cinci vizite într-o lună" in html
    assert "Client fidel" in html
    assert "Clubul de aur" in html and "Golden Bean Club" not in html
    assert "O cafea gratuită pe zi" in html


def test_the_api_in_russian_names_the_programs_in_russian(
    programs, merchant_a, shop_a, owner_a, ana
):
    _key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a, name="Till")
    api = key_client(raw)

    body = api.get(f"/api/v1/members/{ana.card_number}", HTTP_ACCEPT_LANGUAGE="ru").json()

    assert sorted(card["name"] for card in body["stamp_cards"]) == ["Tea card", "Кофейная карта"]
    assert [c["name"] for c in body["challenges"]] == ["Пять визитов за месяц"]
    assert [b["name"] for b in body["badges"]] == ["Завсегдатай"]
    assert body["streak"]["name"] == "Постоянные гости"
    assert body["club"]["name"] == "Золотой клуб"
    assert [p["name"] for p in body["club"]["perks"]] == ["Бесплатный кофе каждый день"]

    english = api.get(f"/api/v1/members/{ana.card_number}").json()
    assert english["club"]["name"] == "Golden Bean Club"
    assert english["streak"]["name"] == "Weekly regulars"


def test_the_words_in_another_language_cost_no_statement(programs, ana_client):
    """`localized` reads the JSON already loaded with each program: the page in Romanian runs
    the same statements as in English."""
    with CaptureQueriesContext(connection) as english:
        assert ana_client.get("/m/aroma/").status_code == 200
    ana_client.cookies["django_language"] = "ro"
    with CaptureQueriesContext(connection) as romanian:
        page = ana_client.get("/m/aroma/").content.decode()
    assert "Clubul de aur" in page
    assert len(romanian) == len(english)


def test_the_till_answers_a_stamp_and_a_sale_in_romanian(cashier_client, merchant_a, ana, coffee):
    from tests.loyalty.pos.conftest import sell
    from tests.loyalty.pos.test_stamps import stamp

    card = make_card(
        merchant_a,
        coffee,
        name="Coffee card",
        earn_on=StampEarnOn.PURCHASE,
        categories=[],
        per_item=False,
        translations={"ro": {"name": "Cardul de cafea"}},
    )
    cashier_client.cookies["django_language"] = "ro"
    find(cashier_client, ana)

    html = stamp(cashier_client, ana, card).content.decode()
    assert "Cardul de cafea" in html and "Coffee card" not in html

    html = sell(cashier_client, ana, "4.50").content.decode()
    assert "Cardul de cafea" in html and "Coffee card" not in html
