"""A blocked or deleted (anonymized) member's points cannot be spent, as they cannot be earned."""

import pytest

from loyalty.errors import DomainError
from loyalty.models import PointsEntry
from loyalty.points.ledger import MemberBlocked, redeem_points, spend_points
from members.services.gdpr import anonymize_member
from members.services.status import set_member_status
from tests.loyalty.points.helpers import fresh, ring


@pytest.fixture
def ana(ana, shop_a):
    """The shared Ana (tests/conftest.py) with 50 points to spend."""
    ring(shop_a, ana, "50")
    return fresh(ana)


def test_a_blocked_member_cannot_spend_points(ana, owner_a):
    balance = ana.points_balance
    set_member_status(member=ana, actor=owner_a, status="blocked")

    with pytest.raises(MemberBlocked) as error:
        redeem_points(member=ana, points=10)

    assert error.value.code == "member_blocked"
    assert "blocked" in error.value.message
    assert fresh(ana).points_balance == balance
    assert not PointsEntry.objects.filter(member=ana, kind="redeem").exists()


def test_the_stale_member_object_does_not_matter_the_lock_reads_the_status(ana, owner_a):
    stale = ana  # loaded while active; the block is committed after
    set_member_status(member=ana, actor=owner_a, status="blocked")

    with pytest.raises(DomainError) as error:
        spend_points(member=stale, points=10)

    assert error.value.code == "member_blocked"


def test_an_anonymized_member_cannot_spend_points(ana):
    anonymize_member(member=ana, actor=None, reason="asked")

    with pytest.raises(DomainError) as error:
        redeem_points(member=ana, points=10)

    assert error.value.code == "member_blocked"
    assert not PointsEntry.objects.filter(member=ana, kind="redeem").exists()


def test_a_blocked_member_earns_nothing_either(ana, owner_a, shop_a):
    set_member_status(member=ana, actor=owner_a, status="blocked")

    with pytest.raises(DomainError) as error:
        ring(shop_a, ana, "20")

    assert error.value.code == "member_inactive"


def test_unblocked_the_member_spends_again(ana, owner_a):
    set_member_status(member=ana, actor=owner_a, status="blocked")
    set_member_status(member=ana, actor=owner_a, status="active")

    entry = redeem_points(member=ana, points=10)

    assert entry.points == -10
