"""Every page of the member's card, read by a member who chose Romanian or Russian, and the
public pages (join, sign-in) read by a phone set to the language: none of the code's English
on them (issue 18). The browser walk reads the card as a person sees it; this reads every
member page the walk of the URLs finds, as the server renders it."""

import pytest

from rewards.models import Reward
from tests.e2e.test_languages_walk import english_of, merchant_words
from tests.loyalty.test_languages_pages import PageTexts
from tests.urlwalk import staff_routes

# Pages of one merchant's card that take nothing but the merchant's address.
ROUTES = [
    route
    for route in staff_routes(("member",))
    if route.kwarg_names == ("merchant_slug",)
    and route.full_name not in {"member:logout", "member:manifest", "member:icon"}
]


def _english_left(client, merchant, language: str, **headers) -> dict[str, list[str]]:
    english = english_of(language)
    own = merchant_words(merchant) | set(
        Reward.objects.for_merchant(merchant).values_list("description", flat=True)
    )
    found = {}
    for route in ROUTES:
        url = route.url({"merchant_slug": merchant.slug})
        answer = client.get(url, follow=True, **headers)
        if answer.status_code == 405 or "text/html" not in answer.get("Content-Type", ""):
            continue
        assert answer.status_code == 200, url
        content = answer.content.decode()
        assert f'<html lang="{language}"' in content, url
        left = sorted(t for t in set(PageTexts(content).texts) if t in english and t not in own)
        if left:
            found[url] = left
    return found


def test_the_walk_finds_the_card_and_the_public_pages():
    names = {route.full_name for route in ROUTES}
    assert {"member:card", "member:history", "member:profile", "member:join"} <= names


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_every_page_of_the_card_speaks_the_members_language(ana_client, ana, merchant_a, language):
    ana.language = language
    ana.save(update_fields=["language"])

    assert _english_left(ana_client, merchant_a, language) == {}


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_the_public_pages_speak_the_browsers_language(client, merchant_a, language):
    found = _english_left(client, merchant_a, language, HTTP_ACCEPT_LANGUAGE=language)

    assert found == {}
