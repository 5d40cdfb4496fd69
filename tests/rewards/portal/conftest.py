"""The portal's rewards pages: a member of A with points, merchant A's sample catalogue, and
helpers that build rewards and vouchers through the real services."""

import pytest

from members.models import Member
from rewards.models import Reward, RewardKind
from tests.rewards.conftest import give, make_reward

REWARDS = "/portal/rewards/"


def reward_url(reward: Reward, suffix: str = "") -> str:
    return f"/portal/rewards/{reward.pk}/{suffix}"


def voucher_url(voucher, suffix: str = "") -> str:
    return f"/portal/rewards/vouchers/{voucher.pk}/{suffix}"


@pytest.fixture
def coffee(merchant_a) -> Reward:
    """The sample 'Free coffee' every merchant starts with: 300 points for a 3.00 coffee."""
    return merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)


@pytest.fixture
def rich_ana(ana, shop_a) -> Member:
    """Ana after spending 2,000 at the till: 2,000 points."""
    return give(shop_a, ana, "2000")


__all__ = ["REWARDS", "give", "make_reward", "reward_url", "voucher_url"]
