# ruff: noqa: RUF001 (the Russian messages are Cyrillic on purpose)
"""A command for one merchant speaks the merchant's language (or --language); what scripts read
(the key on the last line) is never translated."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loyalty.tenancy.services import authenticate_api_key


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_api_key_speaks_the_merchants_language_and_keeps_the_key_last(merchant_a):
    merchant_a.default_language = "ro"
    merchant_a.save(update_fields=["default_language"])

    lines = _run("create_api_key", "--merchant", "aroma", "--shop", "Port").splitlines()

    assert lines[0] == "Magazinul 'Port' a fost creat."
    assert authenticate_api_key(lines[-1]).shop.name == "Port"  # the key, as it was


def test_the_language_option_beats_the_merchants(merchant_a):
    merchant_a.default_language = "ro"
    merchant_a.save(update_fields=["default_language"])

    output = _run("reconcile_points", "--merchant", "aroma", "--language", "ru")

    assert "Балансы всех участников совпадают с журналом." in output


def test_an_unknown_merchant_is_told_in_the_language_asked_for(db):
    with pytest.raises(CommandError, match="Nu există nicio afacere cu identificatorul 'nope'"):
        _run("reconcile_points", "--merchant", "nope", "--language", "ro")
