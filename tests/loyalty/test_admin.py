"""Django's admin is off unless ADMIN_ENABLED; on, its sign-in is allauth's (two-factor, limits).

Its own password form used to open the admin to a superuser enrolled in TOTP with the password
alone, and took 30 wrong passwords in a row without a limit.
"""

import importlib

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import clear_url_caches

import config.urls
from tests.factories import PASSWORD, UserFactory


def _reload_urls() -> None:
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def admin_on(settings):
    settings.ADMIN_ENABLED = True
    _reload_urls()
    yield
    settings.ADMIN_ENABLED = False
    _reload_urls()


@pytest.fixture
def superuser(db):
    user = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def test_the_admin_is_not_mounted_by_default(client, superuser, settings):
    assert settings.ADMIN_ENABLED is False

    assert client.get("/admin/").status_code == 404
    answer = client.post("/admin/login/", {"username": superuser.email, "password": PASSWORD})
    assert answer.status_code == 404
    assert "_auth_user_id" not in client.session


def test_the_admins_password_form_signs_nobody_in(client, superuser, admin_on):
    answer = client.post(
        "/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD}
    )

    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_allauth_asks_the_superuser_for_the_second_factor(client, superuser, admin_on):
    answer = client.post(
        "/accounts/login/?next=/admin/", {"login": superuser.email, "password": PASSWORD}
    )

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_wrong_passwords_meet_allauths_limit(client, superuser, admin_on):
    # The admin's own form checks no password at all: each try is sent to allauth's sign-in.
    admin_answers = {
        client.post("/admin/login/", {"username": superuser.email, "password": f"wrong-{n}"})[
            "Location"
        ]
        for n in range(30)
    }
    assert admin_answers == {"/accounts/login/?next=%2Fadmin%2Flogin%2F"}
    for n in range(10):
        client.post("/accounts/login/", {"login": superuser.email, "password": f"wrong-{n}"})

    # Even the right password is refused now, at the only sign-in the admin has.
    answer = client.post("/accounts/login/", {"login": superuser.email, "password": PASSWORD})

    assert "Too many failed login attempts" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_signed_in_staff_without_the_admin_flag_are_refused(owner_client, admin_on):
    assert owner_client.get("/admin/login/").status_code == 403


def test_the_setting_is_read_strictly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_bool

    monkeypatch.setenv("ADMIN_ENABLED", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("ADMIN_ENABLED", False)
