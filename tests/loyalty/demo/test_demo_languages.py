"""The demo's member page in each of the three languages: a visitor's browser picks it for the
join page, and a demo member who signed in (the real emailed-code sign-in) switches it with the
footer's switcher (its cookie) on their card."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from loyalty.demo.seed import DEMO_SLUG
from loyalty.models import Merchant

JOIN = {
    "en": "Collect points on every visit",
    "ro": "Adunați puncte la fiecare vizită",
    "ru": "Копите баллы при каждом визите",
}
HELLO = {"en": "Hello, %s", "ro": "Bună, %s", "ru": "Здравствуйте, %s"}
CODE = re.compile(r"^\s*([A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+)\s*$", re.MULTILINE)


@pytest.fixture
def demo(db, monkeypatch) -> Merchant:
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 12)
    call_command("seed_demo", stdout=StringIO())
    return Merchant.objects.get(slug=DEMO_SLUG)


def signed_in(demo: Merchant, mailoutbox) -> tuple[Client, str]:
    member = demo.members.exclude(email="").exclude(first_name="").order_by("pk").first()
    client = Client()
    asked = client.post(f"/m/{DEMO_SLUG}/login", {"email": member.email, "next": "/m/demo/"})
    code = CODE.search(mailoutbox[-1].body).group(1)
    assert client.post(asked["Location"], {"code": code})["Location"] == f"/m/{DEMO_SLUG}/"
    return client, member.first_name


def test_the_demo_member_page_speaks_each_language(demo, mailoutbox):
    for language, promise in JOIN.items():
        page = Client().get(f"/m/{DEMO_SLUG}/join", headers={"accept-language": language})
        assert promise in page.content.decode(), language

    client, name = signed_in(demo, mailoutbox)
    for language, hello in HELLO.items():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        card = client.get(f"/m/{DEMO_SLUG}/").content.decode()
        assert f'<html lang="{language}"' in card
        assert hello % name in card, language


def _content(demo: Merchant) -> dict[str, list]:
    from loyalty.models.points import Tier
    from rewards.models import Badge, Challenge, Club, ClubPerk, Reward, StampCard, StreakProgram

    return {
        "tiers": list(Tier.objects.for_merchant(demo)),
        "rewards": list(Reward.objects.for_merchant(demo)),
        "stamp cards": list(StampCard.objects.for_merchant(demo)),
        "streak programs": list(StreakProgram.objects.for_merchant(demo)),
        "challenges": list(Challenge.objects.for_merchant(demo)),
        "badges": list(Badge.objects.for_merchant(demo)),
        "clubs": list(Club.objects.for_merchant(demo)),
        "perks": list(ClubPerk.objects.for_merchant(demo)),
    }


def test_the_demo_gives_its_content_in_romanian_and_russian(demo, mailoutbox):
    assert demo.default_language == "en"
    for what, objects in _content(demo).items():
        assert objects, what
        for obj in objects:
            for language in ("ro", "ru"):
                name = (obj.translations.get(language) or {}).get("name", "")
                assert name and name != obj.name, (what, obj.name, language)
            # Romanian with its comma-below letters, never the cedilla ones.
            assert not set("şţŞŢ") & set(str(obj.translations)), (what, obj.name)

    # The card in Romanian names the member's tier as the café wrote it.
    client, _name = signed_in(demo, mailoutbox)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    member = demo.members.exclude(email="").exclude(first_name="").order_by("pk").first()
    card = client.get(f"/m/{DEMO_SLUG}/").content.decode()
    assert member.tier.translations["ro"]["name"] in card
