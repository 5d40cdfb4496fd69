"""Which language a page speaks (issue 18): the switcher's choice, else a member's own, else the
browser's, else the merchant's default language; never English only because nothing was said."""

import polib
import pytest
from django.conf import settings
from django.test import Client

from tests.personas import make_ana

pytestmark = pytest.mark.django_db

# "Collect points on every visit…", the join page's promise, in each language.
JOIN = {
    "en": "Collect points on every visit",
    "ro": "Adunați puncte la fiecare vizită",
    "ru": "Копите баллы при каждом визите",
}


def join_page(client: Client, **headers) -> str:
    return client.get("/m/aroma/join", headers=headers).content.decode()


def test_the_catalogues_say_the_join_page_s_promise():
    # The fixture of the other tests: if a translator rewords it, update JOIN with it.
    for language in ("ro", "ru"):
        po = polib.pofile(str(settings.LOCALE_PATHS[0] / language / "LC_MESSAGES" / "django.po"))
        entry = po.find("Collect points on every visit and see your card on your phone.")
        assert entry is not None and entry.msgstr.startswith(JOIN[language])


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_the_browser_s_language_is_spoken(merchant_a, language):
    page = join_page(Client(), accept_language=f"{language}-MD,{language};q=0.9,en;q=0.5")

    assert JOIN[language] in page
    assert f'<html lang="{language}"' in page


def test_a_browser_in_a_language_fidela_does_not_speak_gets_the_merchant_s(merchant_a):
    merchant_a.default_language = "ro"
    merchant_a.save()

    page = join_page(Client(), accept_language="de-DE,de;q=0.9")

    assert JOIN["ro"] in page


def test_without_any_language_the_merchant_s_default_is_spoken(merchant_a):
    merchant_a.default_language = "ru"
    merchant_a.save()

    assert JOIN["ru"] in join_page(Client())


def test_the_switcher_beats_the_browser(merchant_a):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    assert JOIN["ru"] in join_page(client, accept_language="ro")


def test_a_member_s_own_language_beats_the_browser(ana):
    ana.language = "ro"
    ana.save()
    client = Client()
    client.force_login(ana.user)

    card = client.get("/m/aroma/", headers={"accept_language": "en-US,en"}).content.decode()

    assert '<html lang="ro"' in card


def test_staff_pages_speak_the_merchant_s_language_when_the_browser_says_nothing(
    owner_client, merchant_a
):
    merchant_a.default_language = "ro"
    merchant_a.save()

    page = owner_client.get("/portal/").content.decode()

    assert "Panou principal" in page  # "Dashboard"


def test_staff_pages_follow_the_browser_first(owner_client, merchant_a):
    merchant_a.default_language = "ro"
    merchant_a.save()

    page = owner_client.get("/portal/", headers={"accept_language": "ru"}).content.decode()

    assert "Панель" in page


def test_a_member_who_joins_in_romanian_keeps_romanian_and_is_mailed_in_it(merchant_a, mailoutbox):
    client = Client(headers={"accept-language": "ro-RO,ro;q=0.9"})

    client.post(
        "/m/aroma/join",
        {"email": "ioana@example.com", "phone": "", "first_name": "Ioana", "website": ""},
    )

    member = merchant_a.members.get(email="ioana@example.com")
    assert member.language == "ro"
    # The sign-in code that the join page sends comes in the member's language too.
    assert mailoutbox[-1].subject.startswith("Codul dumneavoastră de conectare")


def test_the_switcher_keeps_a_staff_member_s_choice_for_their_other_browsers(owner_a, merchant_a):
    here = Client()
    here.force_login(owner_a)

    answer = here.post("/i18n/setlang/", {"language": "ru", "next": "/portal/"})

    assert answer.status_code == 302
    owner_a.refresh_from_db()
    assert owner_a.language == "ru"
    elsewhere = Client()  # another browser: no cookie, an English Accept-Language
    elsewhere.force_login(owner_a)
    page = elsewhere.get("/portal/", headers={"accept_language": "en"}).content.decode()
    assert '<html lang="ru"' in page


def test_the_switcher_on_a_member_page_sets_that_card_s_language(ana, merchant_b):
    other = make_ana(merchant_b)  # the same person (her email) at another merchant
    assert other.user_id == ana.user_id
    client = Client()
    client.force_login(ana.user)

    client.post("/i18n/setlang/", {"language": "ro", "next": "/m/aroma/profile"})

    ana.refresh_from_db()
    other.refresh_from_db()
    assert ana.language == "ro"  # the emails and SMS of this merchant come in Romanian now
    assert other.language != "ro"  # another merchant's card is not touched


def test_an_unknown_language_changes_nothing(owner_a):
    client = Client()
    client.force_login(owner_a)

    client.post("/i18n/setlang/", {"language": "xx", "next": "/portal/"})

    owner_a.refresh_from_db()
    assert owner_a.language == ""
