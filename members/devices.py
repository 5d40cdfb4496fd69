"""The browser a person uses for the member pages, for the "same browser" referral check.

Member pages give each browser a long-lived signed cookie holding a random id. The join page
keeps a keyed hash of it on the new member (never the id itself), so a friend who joins with a
referral code from the referrer's own browser is recognised as the referrer.
"""

import re
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

DEVICE_COOKIE = "fdl_device"
DEVICE_MAX_AGE = 2 * 365 * 24 * 60 * 60  # two years
_SALT = "fidela.members.device"
_ID = re.compile(r"^[0-9a-f]{32}$")
_NEW = "_fidela_new_device"


def device_hash(device_id: str) -> str:
    """What is stored on the member: a keyed hash, empty for no device."""
    if not device_id:
        return ""
    return salted_hmac(_SALT, device_id, algorithm="sha256").hexdigest()


def device_id(request: HttpRequest) -> str:
    """This browser's id: from its cookie, or a new one that `remember_device` will set."""
    new = getattr(request, _NEW, "")
    if new:
        return new
    found = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=_SALT)
    if _ID.match(found or ""):
        return found
    new = secrets.token_hex(16)
    setattr(request, _NEW, new)
    return new


def remember_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Gives the browser its id cookie if it has none yet."""
    device_id(request)
    new = getattr(request, _NEW, "")
    if new:
        response.set_signed_cookie(
            DEVICE_COOKIE,
            new,
            salt=_SALT,
            max_age=DEVICE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response
