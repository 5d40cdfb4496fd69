"""Sign-in to the member page with a code sent by SMS, where SMS is configured.

The code is kept only as a keyed hash, in a `SmsSignInCode` row, for `CODE_TTL_SECONDS`; it is
single use and allows `MAX_ATTEMPTS` guesses. Each guess is counted by a conditional UPDATE
before the code is compared, so parallel guesses cannot get more checks than that (the cache's
incr() is a get then a set). Sending is rate limited per phone and per IP address.

Nothing tells who is a member: asking for a code answers the same for any phone, and a phone
that is no member's gets a row too, whose hash no code matches. A wrong code then gets the same
answers, in the same order, whoever's phone it is, and every refusal is one neutral message.
"""

import secrets
from datetime import timedelta

from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from loyalty.errors import DomainError
from loyalty.languages import reader_language
from loyalty.models import Merchant
from loyalty.ratelimit import hit
from members.contacts import normalize_phone
from members.models import Member, MemberStatus, SmsSignInCode
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


def _hash(merchant: Merchant, phone: str, code: str) -> str:
    # Keyed by SECRET_KEY and bound to the merchant and phone: a database dump gives no codes.
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
        .only("pk", "language")
        .first()
    )
    now = timezone.now()
    SmsSignInCode.objects.for_merchant(merchant).filter(expires_at__lte=now).delete()
    code = new_code()
    # A new code replaces the one pending, with its tries. A stranger's phone gets a decoy:
    # the hash of a secret nobody is told, which no six digits match.
    SmsSignInCode.objects.update_or_create(
        merchant=merchant,
        phone=phone,
        defaults={
            "code_hash": _hash(merchant, phone, code if member else secrets.token_hex(16)),
            "member": member,
            "attempts": 0,
            "expires_at": now + timedelta(seconds=CODE_TTL_SECONDS),
        },
    )
    if member is None:
        return phone
    # The member's own language; one who never chose reads the page they asked from.
    with translation.override(reader_language(member.language or get_language(), merchant)):
        text = _("%(code)s is your %(merchant)s sign-in code. It expires in 10 minutes.") % {
            "code": code,
            "merchant": merchant.name,
        }
    send_sms(phone, text)
    return phone


def _refused(code: str) -> SmsSignInError:
    # One message for every refusal: wrong, expired, used up or never sent, member or not.
    return SmsSignInError(
        _("That code is not right, or it is no longer valid. Check it, or ask for a new one."),
        code=code,
    )


def verify_sms_code(*, merchant: Merchant, phone: str, code: str) -> Member:
    """The member whose phone the code was sent to; the code is then used up.

    Raises SmsSignInError, always with the same message: sms_code_invalid (the code was
    checked and is wrong; a try is used) or sms_code_refused (not checked: no code pending,
    expired, used, out of tries, or its member erased or given another phone since).
    """
    pending = (
        SmsSignInCode.objects.for_merchant(merchant)
        .filter(phone=phone)
        .values("pk", "code_hash", "member_id")
        .first()
    )
    if pending is None:
        raise _refused("sms_code_refused")
    # Count the try first, atomically, against this very code (a new one may replace it).
    counted = SmsSignInCode.objects.filter(
        pk=pending["pk"],
        code_hash=pending["code_hash"],
        attempts__lt=MAX_ATTEMPTS,
        expires_at__gt=timezone.now(),
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise _refused("sms_code_refused")
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not constant_time_compare(pending["code_hash"], _hash(merchant, phone, code)):
        raise _refused("sms_code_invalid")
    # Single use: of parallel right answers, the one that deletes the row signs in.
    deleted, _rows = SmsSignInCode.objects.filter(
        pk=pending["pk"], code_hash=pending["code_hash"]
    ).delete()
    if not deleted or pending["member_id"] is None:
        raise _refused("sms_code_refused")
    member = (
        Member.objects.for_merchant(merchant)
        .filter(pk=pending["member_id"], phone=phone)
        .exclude(status=MemberStatus.ANONYMIZED)
        .first()
    )
    if member is None:  # erased or its phone changed since the code was sent
        raise _refused("sms_code_refused")
    return member
