"""Who the suite's people are, written once.

Ana is the member almost every test needs. Her details live here; a test that depends on one
of them (an address it asserts masked, a birthday, a consent) passes it as an override, so a
reader sees in the test what matters and here everything else.

Members are built through `enrol_member`, the one write path the POS, the join page, the API
and the import share (STYLE.md: build test data through the real services): a card number,
the entry tier, the welcome bonus and the `member.joined` event, as in production.
"""

from typing import Any

from loyalty.models import Merchant
from members.models import Member
from members.services.enrolment import enrol_member

ANA: dict[str, Any] = {
    "email": "ana.pop@example.com",
    "phone": "+40721234567",
    "first_name": "Ana",
    "last_name": "Pop",
}

BOB: dict[str, Any] = {
    "email": "bob@example.com",
    "first_name": "Bob",
}


def make_member(persona: dict[str, Any], merchant: Merchant, **overrides: Any) -> Member:
    """`persona` enrolled at `merchant`; an override of "" leaves that detail out."""
    return enrol_member(merchant=merchant, **{**persona, **overrides})


def make_ana(merchant: Merchant, **overrides: Any) -> Member:
    """Ana enrolled at `merchant` (at a till when `shop=` is given)."""
    return make_member(ANA, merchant, **overrides)


def make_bob(merchant: Merchant, **overrides: Any) -> Member:
    return make_member(BOB, merchant, **overrides)
