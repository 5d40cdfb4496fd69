"""Voucher codes as the API takes them: normalized, looked up under the guessing throttle, and
errors that name the code they are about.

A voucher code is a bearer secret: every look-up by code goes through rewards.throttle, scoped
to the key and to the caller's address, so a till guessing codes is stopped (429). Used by the
voucher endpoints and by a purchase that lists vouchers.
"""

from decimal import Decimal

from allauth.account.adapter import get_adapter
from django.utils.translation import gettext as _
from rest_framework.request import Request

from loyalty.api.base import raise_invalid
from loyalty.errors import DomainError
from members.models import Member
from rewards import services as rewards
from rewards import throttle
from rewards.models import Voucher

MAX_CODE_LENGTH = 32


def scopes(request: Request) -> list[str]:
    """The throttle's scopes of a request: its key and its client's address."""
    # Behind a proxy: the client's address as the TRUSTED_PROXY_* settings say (allauth's rule).
    return [f"key:{request.auth.pk}", f"ip:{get_adapter().get_client_ip(request) or ''}"]


def _plausible(code: str) -> bool:
    return 0 < len(code) <= MAX_CODE_LENGTH and code.isascii() and code.isalnum()


def normalized_codes(raw_codes: list[str]) -> list[str]:
    """The codes of a purchase, normalized; a code listed twice is a 400."""
    codes = [rewards.normalize_voucher_code(code) for code in raw_codes]
    if len(set(codes)) != len(codes):
        raise_invalid({"vouchers": [_("A voucher code is listed twice.")]})
    return codes


def named(code: str, error: DomainError) -> DomainError:
    """The error of one code in a list, saying which code it is about."""
    error.api_voucher_code = code
    error.message = _("Voucher %(code)s: %(why)s") % {"code": code, "why": error.message}
    return error


def find(request: Request, code: str, *, scopes_: list[str] | None = None) -> Voucher:
    """The merchant's voucher with this code, under the guessing throttle."""

    def lookup():
        normalized = rewards.normalize_voucher_code(code)
        if not _plausible(normalized):
            raise rewards.VoucherNotFound(_("No voucher with this code. Check it and try again."))
        return rewards.find_voucher(merchant=request.merchant, code=normalized)

    return throttle.guarded(scopes_ or scopes(request), lookup, merchant=request.merchant)


def check(
    request: Request, code: str, *, amount: Decimal, member: Member | None, scopes: list[str]
) -> None:
    """Refuse, naming the code, a voucher this sale cannot use; under the guessing throttle."""

    def lookup():
        if not _plausible(code):
            raise rewards.VoucherNotFound(_("No voucher with this code. Check it and try again."))
        return rewards.check_voucher(
            merchant=request.merchant, code=code, amount=amount, member=member
        )

    try:
        throttle.guarded(scopes, lookup, merchant=request.merchant)
    except DomainError as error:
        raise named(code, error) from None
