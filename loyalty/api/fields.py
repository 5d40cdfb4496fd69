"""Fields of the API's contract: money as strings with two decimals, times with an offset."""

import re
from datetime import UTC, datetime
from decimal import Decimal

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Amounts a shop sends: up to a million, so that no sum the ledger keeps can overflow.
MAX_AMOUNT = Decimal("999999.99")
# Sales before this are refused: the engine counts windows and expiry back from a sale.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
NUL = "\x00"


# A number as people write it: digits, an optional point and decimals. No exponent ("1e5" is a
# typo or a probe, never an amount), no "inf" or "nan", no thousands separators.
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class PlainDecimalField(serializers.DecimalField):
    """A DecimalField that refuses exponent notation and non-numbers, as strings or numbers."""

    default_error_messages = {
        "not_plain": _("Write the number with digits and a point, e.g. 23.50 (no exponent).")
    }

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, float):
            # A JSON number: its shortest form says whether it is finite and plain.
            data = repr(data)
        if isinstance(data, str) and not PLAIN_NUMBER.match(data.strip()):
            if len(data) > self.MAX_STRING_LENGTH:
                self.fail("max_string_length")
            self.fail("not_plain")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$"})
class MoneyField(PlainDecimalField):
    """`"23.50"` out; a string or a number with at most two decimals in."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return f"{Decimal(value).quantize(Decimal('0.01')):f}"


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """ISO 8601 with an offset, both ways; out in the merchant's time zone."""

    default_error_messages = {
        "invalid": _("Write the time as ISO 8601 with an offset, e.g. 2025-03-01T14:30:00+02:00."),
        "naive": _("The time needs an offset, e.g. +02:00 or Z."),
        "too_early": _("The time is too far in the past."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or NUL in data or len(data) > 40:
            self.fail("invalid")
        try:
            value = parse_datetime(data.strip())
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if value.tzinfo is None or value.utcoffset() is None:
            self.fail("naive")
        try:
            if value < EARLIEST:
                self.fail("too_early")
            return value.astimezone(UTC)
        except OverflowError:
            self.fail("invalid")

    def to_representation(self, value):
        if value is None:
            return None
        merchant = self.context.get("merchant")
        tz = merchant.tzinfo if merchant is not None else UTC
        return value.astimezone(tz).isoformat(timespec="seconds")


class TextField(serializers.CharField):
    """A CharField that also refuses control characters other than tabs and newlines."""

    default_error_messages = {"control": _("This value contains control characters.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
            self.fail("control")
        return value
