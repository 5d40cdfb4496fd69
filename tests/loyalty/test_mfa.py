"""A merchant that requires two-factor authentication sends staff without TOTP to set it up."""

import time
from urllib.parse import quote

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)

from tests.factories import PASSWORD, AuthenticatorFactory

ACTIVATE_TOTP = "/accounts/2fa/totp/activate/"


@pytest.fixture
def mfa_required(merchant_a):
    merchant_a.require_mfa = True
    merchant_a.save(update_fields=["require_mfa"])
    return merchant_a


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("owner_client", "/portal/"),
        ("owner_client", "/portal/settings/profile/"),
        ("manager_client", "/portal/"),
        ("cashier_client", "/pos/"),
        ("cashier_client", "/portal/"),
    ],
)
def test_staff_without_totp_is_sent_to_set_it_up(request, mfa_required, persona, url):
    answer = request.getfixturevalue(persona).get(url)

    assert answer.status_code == 302
    assert answer["Location"] == ACTIVATE_TOTP


def test_the_redirect_says_why(owner_client, mfa_required):
    answer = owner_client.get("/portal/", follow=True)

    assert "Aroma Café requires two-factor authentication." in answer.content.decode()


@pytest.mark.parametrize(
    ("persona", "url"),
    [("owner_client", "/portal/"), ("manager_client", "/portal/"), ("cashier_client", "/pos/")],
)
def test_staff_with_totp_gets_through(request, mfa_required, persona, url):
    client = request.getfixturevalue(persona)
    user = request.getfixturevalue(persona.replace("_client", "_a"))
    TOTP.activate(user, generate_totp_secret())

    assert client.get(url).status_code == 200


def test_a_recovery_codes_authenticator_alone_is_not_enough(owner_client, owner_a, mfa_required):
    AuthenticatorFactory(user=owner_a, type=Authenticator.Type.RECOVERY_CODES)

    assert owner_client.get("/portal/")["Location"] == ACTIVATE_TOTP


def test_without_the_requirement_staff_get_through_without_totp(owner_client, merchant_a):
    assert not merchant_a.require_mfa
    assert owner_client.get("/portal/").status_code == 200


def test_the_requirement_of_one_merchant_does_not_reach_another(outsider_client, mfa_required):
    assert outsider_client.get("/portal/").status_code == 200


def test_pages_outside_the_portal_and_the_pos_stay_open(owner_client, mfa_required):
    assert owner_client.get("/welcome/").status_code == 200
    assert owner_client.get("/healthz").status_code == 200


def test_owner_signs_in_sets_up_totp_and_reaches_the_portal(client, owner_a, mfa_required):
    signed_in = client.post(
        "/accounts/login/", {"login": owner_a.email, "password": PASSWORD}, follow=True
    )
    # allauth asks for the password once more before an authenticator is added.
    reauthenticate = f"/accounts/reauthenticate/?next={quote(ACTIVATE_TOTP, safe='')}"
    assert [url for url, _status in signed_in.redirect_chain] == [
        "/start/",
        "/portal/",
        ACTIVATE_TOTP,
        reauthenticate,
    ]
    confirmed = client.post(reauthenticate, {"password": PASSWORD}, follow=True)
    assert confirmed.redirect_chain[-1] == (ACTIVATE_TOTP, 302)
    secret = confirmed.context["form"].secret

    # A frozen clock, so the code cannot roll over to the next period before it is checked.
    with time_machine.travel(time.time(), tick=False):
        answer = client.post(ACTIVATE_TOTP, {"code": _current_code(secret)})

    assert answer.status_code == 302
    assert Authenticator.objects.filter(user=owner_a, type=Authenticator.Type.TOTP).exists()
    assert client.get("/portal/").status_code == 200
