"""Django's own validation messages, and ours, reach the member page translated: our
catalogue (LOCALE_PATHS, searched first) holds only our strings and masks none of Django's or
allauth's."""

import pytest
from django.test import Client

# Django's own EmailField message, from Django's catalogues.
INVALID_EMAIL = {
    "ro": "Introduceți o adresă de email validă.",
    "ru": "Введите правильный адрес электронной почты.",
}
# The join form's own check of an address (members.contacts), from ours.
NOT_AN_ADDRESS = {
    "ro": "„not-an-email” nu este o adresă de email validă.",
    "ru": "«not-an-email» — недопустимый адрес эл. почты.",
}


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_a_bad_sign_in_address_is_refused_in_the_browsers_language(merchant_a, language):
    answer = Client(HTTP_ACCEPT_LANGUAGE=language).post("/m/aroma/login", {"email": "not-an-email"})

    assert answer.status_code == 400
    page = answer.content.decode()
    assert INVALID_EMAIL[language] in page
    assert "Enter a valid email address." not in page


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_a_bad_join_form_is_refused_in_the_browsers_language(merchant_a, language):
    answer = Client(HTTP_ACCEPT_LANGUAGE=language).post(
        "/m/aroma/join", {"email": "not-an-email", "first_name": "Ana"}
    )

    assert answer.status_code == 400
    assert NOT_AN_ADDRESS[language] in answer.content.decode()


@pytest.mark.parametrize(
    ("language", "refused"), [("ro", "Cod incorect."), ("ru", "Неверный код.")]
)
def test_allauths_code_page_refuses_a_wrong_code_in_the_browsers_language(
    merchant_a, ana, mailoutbox, language, refused
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    asked = client.post("/m/aroma/login", {"email": "ana@example.com", "next": "/m/aroma/"})

    page = client.post(asked["Location"], {"code": "WRONG-CODE"}).content.decode()

    assert refused in page
    assert "Incorrect code." not in page
