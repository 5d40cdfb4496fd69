"""Contact details as members type them: phone numbers in any local format, emails, birthdays,
card numbers and the QR payload of the member card."""

import re
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed

QR_PREFIX = "FDL1"
_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str, country: str) -> str:
    """E.164 for a phone number typed in any format; a local number uses the merchant's country."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            _("“%(phone)s” is not a valid phone number.") % {"phone": raw}, code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(
            _("“%(email)s” is not a valid email address.") % {"email": raw.strip()},
            code="invalid_email",
        ) from None
    return email


def parse_birthday(raw: str | date | None) -> date | None:
    """`YYYY-MM-DD`, `--MM-DD` (no year) or a date. A year-less birthday is kept on year 4,
    a leap year, so 29 February is accepted and 30 February is not."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    text = raw.strip()
    match = re.fullmatch(r"(?:(\d{4})|-)-(\d{2})-(\d{2})", text)
    if not match:
        raise ValidationFailed(
            _("Write the birthday as YYYY-MM-DD, or --MM-DD without the year."),
            code="invalid_birthday",
        )
    year = int(match.group(1)) if match.group(1) else 4
    try:
        return date(year, int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValidationFailed(
            _("%(text)s is not a date that exists.") % {"text": text}, code="invalid_birthday"
        ) from None


def card_qr_payload(merchant_slug: str, card_number: str) -> str:
    return f"{QR_PREFIX}:{merchant_slug}:{card_number}"


def parse_qr_payload(text: str) -> tuple[str, str] | None:
    parts = text.strip().split(":")
    if len(parts) == 3 and parts[0].upper() == QR_PREFIX and parts[2].isdigit():
        return parts[1], parts[2]
    return None


def digits_only(text: str) -> str:
    return _DIGITS.sub("", text)
