"""The person's own language setting (/portal/me/language/): kept on the account, followed by
this browser's switcher cookie, cleared back to the browser's language."""

import pytest
from django.conf import settings

URL = "/portal/me/language/"


def test_a_cashier_chooses_russian_and_the_pos_speaks_it(cashier_client, cashier_a):
    answer = cashier_client.post(URL, {"language": "ru"})

    assert answer.status_code == 302
    cashier_a.refresh_from_db()
    assert cashier_a.language == "ru"
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    page = cashier_client.get(URL)
    assert '<html lang="ru"' in page.content.decode()
    assert "Ваш язык сохранён." in page.content.decode()


def test_the_choice_outvotes_an_older_switch_of_this_browser(owner_client, owner_a):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"

    owner_client.post(URL, {"language": "ru"})

    assert '<html lang="ru"' in owner_client.get("/portal/").content.decode()


def test_my_browsers_language_clears_the_choice(owner_client, owner_a):
    owner_a.language = "ru"
    owner_a.save()
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    answer = owner_client.post(URL, {"language": ""})

    owner_a.refresh_from_db()
    assert owner_a.language == ""
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    page = owner_client.get("/portal/", HTTP_ACCEPT_LANGUAGE="ro")
    assert '<html lang="ro"' in page.content.decode()


def test_the_page_names_each_language_in_its_own_words(owner_client):
    content = owner_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Română" in content and "Русский" in content and "English" in content
    assert "selected" in content


@pytest.mark.parametrize("bad", ["xx", "de", "<script>"])
def test_a_language_fidela_does_not_speak_changes_nothing(owner_client, owner_a, bad):
    answer = owner_client.post(URL, {"language": bad})

    assert answer.status_code == 200
    assert "error" in answer.content.decode()
    owner_a.refresh_from_db()
    assert owner_a.language == ""


def test_signed_out_it_asks_to_sign_in(client, db):
    answer = client.get(URL)

    assert answer.status_code == 302
    assert "/accounts/login/" in answer["Location"]
