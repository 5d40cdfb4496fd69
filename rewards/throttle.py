"""Failed voucher look-ups are guesses at a bearer secret: count them and stop the guesser.

Each caller names the scopes that apply (the staff member, the API key, the IP address); once any
of them has failed too often in the window, look-ups from it are refused until the window ends.
"""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from loyalty.errors import DomainError
from loyalty.ratelimit import hit

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60

T = TypeVar("T")


class VoucherLookupThrottled(DomainError):
    code = "too_many_attempts"
    default_message = _("Too many unknown voucher codes; wait a few minutes and try again.")
    retry_after = WINDOW_SECONDS


def _key(scope: str) -> str:
    return f"voucher-lookup-failures:{scope}"


def lookup_blocked(scope: str) -> bool:
    return (cache.get(_key(scope)) or 0) >= MAX_FAILURES


def record_failed_lookup(scope: str) -> None:
    hit(_key(scope), WINDOW_SECONDS)


def guarded(scopes: Iterable[str], lookup: Callable[[], T]) -> T:
    """Run a look-up by code unless a scope is blocked; count it if the code is unknown."""
    scopes = [scope for scope in scopes if scope]
    if any(lookup_blocked(scope) for scope in scopes):
        raise VoucherLookupThrottled()
    try:
        return lookup()
    except DomainError as error:
        if error.code == "voucher_not_found":
            for scope in scopes:
                record_failed_lookup(scope)
        raise
