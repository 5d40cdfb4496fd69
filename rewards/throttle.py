"""Failed voucher look-ups are guesses at a bearer secret: count them and stop the guesser.

Each caller names the merchant and the scopes that apply (the staff member, the API key, the IP
address); once any of them has failed too often in the window at that merchant, look-ups from
it are refused until the window ends. The counting is loyalty.ratelimit's: atomic, so parallel
guesses cannot slip past the limit, and per merchant, so a guesser at one merchant never stops
another merchant's till behind the same address.
"""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from loyalty.errors import DomainError
from loyalty.models import Merchant
from loyalty.ratelimit import FailureLimit

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60

T = TypeVar("T")


class VoucherLookupThrottled(DomainError):
    code = "too_many_attempts"
    default_message = _("Too many unknown voucher codes; wait a few minutes and try again.")
    retry_after = WINDOW_SECONDS


def _limit() -> FailureLimit:
    # Read at each call, so that a test (or a bench) may raise MAX_FAILURES.
    return FailureLimit("voucher-lookup-failures", MAX_FAILURES, WINDOW_SECONDS)


def _refused(retry_after: int) -> VoucherLookupThrottled:
    error = VoucherLookupThrottled()
    error.retry_after = retry_after
    return error


def lookup_blocked(merchant: Merchant, scope: str) -> bool:
    return _limit().blocked(merchant.pk, scope)


def guarded(scopes: Iterable[str], lookup: Callable[[], T], *, merchant: Merchant) -> T:
    """Run a look-up by code at `merchant` unless a scope is blocked; count it if the code is
    unknown."""
    return _limit().guarded(
        merchant_id=merchant.pk,
        scopes=scopes,
        attempt=lookup,
        is_failure=lambda error: getattr(error, "code", None) == "voucher_not_found",
        refused=_refused,
    )
