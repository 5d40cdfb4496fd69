"""Sign-in to the member page with a code sent by SMS, where SMS is configured.

The code lives only in the cache, as a keyed hash, for `CODE_TTL_SECONDS`; it is single-use
and allows `MAX_ATTEMPTS` guesses. Sending is rate limited per phone and per IP address. The
answer to "send me a code" is the same whether or not the phone is a member's, so the page
tells nobody who is a member. Nothing here touches the database but the member lookup: the
cache (database or Redis) is shared by every web process.
"""

import secrets
import time

from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from loyalty.errors import DomainError
from loyalty.models import Merchant
from loyalty.ratelimit import hit
from members.contacts import normalize_phone
from members.models import Member, MemberStatus
from members.sms import send_sms, sms_configured

CODE_DIGITS = 6
CODE_TTL_SECONDS = 10 * 60
MAX_ATTEMPTS = 5
SENDS_PER_PHONE = 3  # codes per phone number…
SENDS_PER_IP = 10  # …and per IP address…
SEND_WINDOW_SECONDS = 60 * 60  # …per hour
_SALT = "fidela.members.sms_signin"


class SmsSignInError(DomainError):
    code = "sms_sign_in"


def _code_key(merchant: Merchant, phone: str) -> str:
    return f"fidela:smscode:{merchant.pk}:{phone}"


def _hash(merchant: Merchant, phone: str, code: str) -> str:
    # Keyed by SECRET_KEY and bound to the merchant and phone: a cache dump gives no codes.
    return salted_hmac(_SALT, f"{merchant.pk}:{phone}:{code}", algorithm="sha256").hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def request_sms_code(*, merchant: Merchant, phone: str, ip: str) -> str:
    """Send a sign-in code to `phone` if it is the phone of one of this merchant's members.

    Returns the phone in E.164, to carry to the code page. Raises ValidationFailed
    (invalid_phone) for a malformed number and SmsSignInError (sms_rate_limited) when too many
    codes were asked for; otherwise the same silent success whether or not anyone was sent one.
    """
    if not sms_configured():
        raise SmsSignInError(_("Sign-in by SMS is not available."), code="sms_not_configured")
    phone = normalize_phone(phone, merchant.country)
    if not phone:
        raise SmsSignInError(_("Enter your phone number."), code="invalid_phone")
    over_ip = hit(f"fidela:smssend:m{merchant.pk}:ip:{ip}", SEND_WINDOW_SECONDS) > SENDS_PER_IP
    over_phone = (
        hit(f"fidela:smssend:m{merchant.pk}:phone:{phone}", SEND_WINDOW_SECONDS) > SENDS_PER_PHONE
    )
    if over_ip or over_phone:
        raise SmsSignInError(
            _("Too many codes were asked for. Please try again in an hour."),
            code="sms_rate_limited",
        )
    member = (
        Member.objects.for_merchant(merchant)
        .filter(phone=phone)
        .exclude(status=MemberStatus.ANONYMIZED)
        .only("pk")
        .first()
    )
    if member is None:
        return phone
    code = new_code()
    cache.set(
        _code_key(merchant, phone),
        {
            "hash": _hash(merchant, phone, code),
            "member": member.pk,
            "attempts": 0,
            "expires": time.time() + CODE_TTL_SECONDS,
        },
        CODE_TTL_SECONDS,
    )
    send_sms(
        phone,
        _("%(code)s is your %(merchant)s sign-in code. It expires in 10 minutes.")
        % {"code": code, "merchant": merchant.name},
    )
    return phone


def verify_sms_code(*, merchant: Merchant, phone: str, code: str) -> Member:
    """The member whose phone the code was sent to; the code is then used up.

    Raises SmsSignInError: sms_code_expired (none pending: expired, used or never sent),
    sms_code_invalid (wrong code, attempts left) or sms_code_attempts (the last attempt failed;
    the code is void and a new one must be asked for).
    """
    key = _code_key(merchant, phone)
    pending = cache.get(key)
    left = pending["expires"] - time.time() if pending else 0
    if left <= 0:
        raise SmsSignInError(
            _("This code has expired. Ask for a new one."), code="sms_code_expired"
        )
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if constant_time_compare(pending["hash"], _hash(merchant, phone, code)):
        cache.delete(key)  # single use
        member = (
            Member.objects.for_merchant(merchant)
            .filter(pk=pending["member"], phone=phone)
            .exclude(status=MemberStatus.ANONYMIZED)
            .first()
        )
        if member is None:  # erased or its phone changed since the code was sent
            raise SmsSignInError(
                _("This code has expired. Ask for a new one."), code="sms_code_expired"
            )
        return member
    pending["attempts"] += 1
    if pending["attempts"] >= MAX_ATTEMPTS:
        cache.delete(key)
        raise SmsSignInError(
            _("Too many wrong codes. Ask for a new one."), code="sms_code_attempts"
        )
    # The code keeps its own expiry: the entry is stored again for the time it had left.
    cache.set(key, pending, max(1, int(left)))
    raise SmsSignInError(
        _("That code is not right. %(left)s attempts left.")
        % {"left": MAX_ATTEMPTS - pending["attempts"]},
        code="sms_code_invalid",
    )
