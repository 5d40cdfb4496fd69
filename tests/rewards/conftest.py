"""Rewards personas: a member of A with points, the sample catalogue, a helper to give points."""

from decimal import Decimal

import pytest

from members.models import Member
from rewards.models import Reward, RewardKind
from tests.loyalty.points.helpers import ring
from tests.personas import make_ana, make_bob


@pytest.fixture
def member_a(merchant_a) -> Member:
    return make_ana(merchant_a)


@pytest.fixture
def member_b(merchant_b) -> Member:
    return make_bob(merchant_b)


@pytest.fixture
def coffee(merchant_a) -> Reward:
    """The sample 'Free coffee' every merchant starts with: 300 points."""
    return merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)


def give(shop, member, amount: str) -> Member:
    """Points the honest way: a purchase at the till (1 point per unit by default)."""
    ring(shop, member, amount)
    member.refresh_from_db()
    return member


def make_reward(merchant, **fields) -> Reward:
    from rewards.catalogue import save_reward

    defaults = {
        "name": "Cake",
        "kind": RewardKind.FREE_ITEM,
        "item": "Cake",
        "value": Decimal("4.00"),
        "points_cost": 100,
    }
    return save_reward(reward=Reward(merchant=merchant, **(defaults | fields)), actor=None)


__all__ = ["give", "make_reward"]
