# ruff: noqa: RUF001 (the Russian messages are Cyrillic on purpose)
"""A problem's `title` and `detail` speak the till's Accept-Language, else the merchant's
default language, else English; its `code` and `type` stay English. DRF's own messages
(validation, authentication) and the domain's speak it too."""

import pytest
import time_machine
from django.utils import translation
from rest_framework.test import APIClient

from tests.loyalty.api.conftest import assert_problem, key_client

INVALID = {
    "ro": ("Date de intrare nevalide", "Cererea nu este validă: vedeți `errors`."),
    "ru": ("Недопустимые данные", "Запрос недопустим: см. `errors`."),
}
REQUIRED = {"ro": "Acest câmp este obligatoriu.", "ru": "Обязательное поле."}
NO_MEMBER = {
    "ro": ("Negăsit", "Niciun membru cu acest număr de card."),
    "ru": ("Не найдено", "Нет участника с таким номером карты."),
}
NO_KEY = {
    "ro": ("Neautorizat", "Datele de autentificare nu au fost furnizate."),
    "ru": ("Требуется авторизация", "Учетные данные не были предоставлены."),
}
BAD_HEADER = {
    "ro": "Trimiteți cheia ca `Authorization: Bearer <key>`.",
    "ru": "Передавайте ключ как `Authorization: Bearer <key>`.",
}


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_a_validation_error_speaks_the_tills_language(api_a, language):
    answer = api_a.post(
        "/api/v1/purchases", {"amount": "12.00"}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    body = assert_problem(answer, 400, "invalid")
    assert (body["title"], body["detail"]) == INVALID[language]
    assert body["errors"]["external_id"] == [REQUIRED[language]]  # DRF's own words
    assert answer["Content-Language"] == language


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_an_unknown_member_is_a_404_in_the_tills_language(api_a, language):
    answer = api_a.get("/api/v1/members/1234567890", HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5")

    body = assert_problem(answer, 404, "member_not_found")
    assert (body["title"], body["detail"]) == NO_MEMBER[language]


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_an_authentication_failure_speaks_the_callers_language(db, language):
    missing = APIClient().get("/api/v1/program", HTTP_ACCEPT_LANGUAGE=language)
    malformed = APIClient().get(
        "/api/v1/program", HTTP_AUTHORIZATION="Token x", HTTP_ACCEPT_LANGUAGE=language
    )

    body = assert_problem(missing, 401, "not_authenticated")
    assert (body["title"], body["detail"]) == NO_KEY[language]
    assert (
        assert_problem(malformed, 401, "authentication_failed")["detail"] == (BAD_HEADER[language])
    )


def test_without_accept_language_the_merchants_default_is_spoken(merchant_a, key_a):
    merchant_a.default_language = "ru"
    merchant_a.save(update_fields=["default_language"])

    answer = key_client(key_a[1]).get("/api/v1/members/1234567890")

    body = assert_problem(answer, 404, "member_not_found")
    assert (body["title"], body["detail"]) == NO_MEMBER["ru"]


def test_the_tills_language_beats_the_merchants(merchant_a, key_a):
    merchant_a.default_language = "ru"
    merchant_a.save(update_fields=["default_language"])

    answer = key_client(key_a[1]).get("/api/v1/members/1234567890", HTTP_ACCEPT_LANGUAGE="en")

    body = assert_problem(answer, 404, "member_not_found")
    assert (body["title"], body["detail"]) == ("Not Found", "No member with this card number.")


def test_a_language_fidela_does_not_speak_falls_back_to_the_merchants(merchant_a, key_a):
    merchant_a.default_language = "ro"
    merchant_a.save(update_fields=["default_language"])

    answer = key_client(key_a[1]).get("/api/v1/members/1234567890", HTTP_ACCEPT_LANGUAGE="de")

    assert assert_problem(answer, 404, "member_not_found")["detail"] == NO_MEMBER["ro"][1]


THROTTLED = {
    "ro": ("Prea multe cereri", "Prea multe cereri cu această cheie: încercați din nou peste "),
    "ru": ("Слишком много запросов", "Слишком много запросов с этим ключом: повторите через "),
}


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_a_throttled_request_is_told_in_the_tills_language(api_a, merchant_a, language):
    merchant_a.api_requests_per_second = 1
    merchant_a.save(update_fields=["api_requests_per_second"])
    with time_machine.travel("2025-06-01 10:00:00+00:00", tick=False):
        answers = [api_a.get("/api/v1/program", HTTP_ACCEPT_LANGUAGE=language) for _ in range(3)]

    body = assert_problem(answers[-1], 429, "throttled")
    title, detail = THROTTLED[language]
    assert body["title"] == title
    assert body["detail"].startswith(detail)


def test_the_tills_language_ends_with_its_request(api_a, settings):
    """What runs next in the same thread (a task run synchronously, a command) speaks the
    default language again, not the last till's."""
    api_a.get("/api/v1/members/1234567890", HTTP_ACCEPT_LANGUAGE="ru")

    assert translation.get_language() == settings.LANGUAGE_CODE
