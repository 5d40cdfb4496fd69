"""Members of merchant A (Ana is in tests/conftest.py), enrolled through the real service, and
helpers of the members pages."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.points.purchases import record_purchase
from members.models import Member
from members.services.enrolment import enrol_member
from tests.personas import make_ana

LIST = "/portal/members/"
_receipts = itertools.count(1)


def member_url(member: Member, suffix: str = "") -> str:
    return f"/portal/members/{member.pk}/{suffix}"


def buy(member: Member, shop, amount: str, *, days_ago: int = 0, external_id: str | None = None):
    """A sale through the points engine, `days_ago` days back."""
    return record_purchase(
        shop=shop,
        member=member,
        external_id=external_id or f"R-{next(_receipts)}",
        amount=Decimal(amount),
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def bob(merchant_a) -> Member:
    return enrol_member(
        merchant=merchant_a, email="bob.ionescu@example.com", first_name="Bob", last_name="Ionescu"
    )


@pytest.fixture
def stranger(merchant_b) -> Member:
    """Ana's double at merchant B: the same email and phone, nothing of hers at A."""
    return make_ana(merchant_b, last_name="")
