"""Claim codes on receipts are bearer secrets too: wrong codes typed on the member page's
"Claim a receipt" are counted and the guesser is stopped, like voucher guesses at the till.

Counted per member and per address at the merchant (loyalty.ratelimit.FailureLimit, the helper
behind rewards.throttle); only a code that matches no receipt counts as a guess.
"""

from collections.abc import Callable
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from loyalty.errors import DomainError
from loyalty.ratelimit import FailureLimit
from members.models import Member

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60

T = TypeVar("T")


class ClaimThrottled(DomainError):
    code = "too_many_attempts"
    default_message = _(
        "Too many receipt codes that do not match. Wait a few minutes and try again."
    )
    retry_after = WINDOW_SECONDS


def _refused(retry_after: int) -> ClaimThrottled:
    error = ClaimThrottled()
    error.retry_after = retry_after
    return error


def guarded_claim(*, member: Member, ip: str, claim: Callable[[], T]) -> T:
    """Run a claim by code unless this member or address guessed too often at the merchant."""
    return FailureLimit("receipt-claim-failures", MAX_FAILURES, WINDOW_SECONDS).guarded(
        merchant_id=member.merchant_id,
        scopes=[f"member:{member.pk}", f"ip:{ip}" if ip else ""],
        attempt=claim,
        # "No such receipt" is the guess; a real receipt already claimed or too old is not.
        is_failure=lambda error: getattr(error, "code", None) == "claim_invalid",
        refused=_refused,
    )
