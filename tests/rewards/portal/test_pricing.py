"""rewards.pricing.value_warning: points worth more than the reward, or under half of it."""

from decimal import Decimal

import pytest

from rewards.models import RewardKind
from rewards.pricing import OVERPRICED, UNDERPRICED, reward_value_warning, value_warning
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db


def warn(program, kind=RewardKind.FREE_ITEM, points=300, value="3.00", **terms):
    return value_warning(
        program=program,
        kind=kind,
        points_cost=points,
        value=None if value is None else Decimal(value),
        **terms,
    )


def test_a_reward_priced_at_its_value_gets_no_warning(merchant_a):
    assert warn(merchant_a.program) is None  # 300 points at €0.01 = €3.00 for a €3.00 coffee


def test_points_worth_more_than_the_reward_are_overpriced(merchant_a):
    warning = warn(merchant_a.program, points=500, value="3.00", item="coffee")

    assert warning.verdict == OVERPRICED
    assert warning.points_money == Decimal("5.00") and warning.worth == Decimal("3.00")
    assert warning.message.startswith("500 points = €5.00 of points for a €3.00 coffee.")


def test_points_worth_under_half_the_reward_are_underpriced(merchant_a):
    warning = warn(merchant_a.program, kind=RewardKind.AMOUNT_OFF, points=200, value="5.00")

    assert warning.verdict == UNDERPRICED
    assert "200 points = €2.00 of points for €5.00 off." in warning.message


def test_exactly_half_is_still_fine(merchant_a):
    assert warn(merchant_a.program, kind=RewardKind.STORE_CREDIT, points=250, value="5.00") is None


def test_the_program_point_value_is_what_counts(merchant_a):
    program = configure(merchant_a, point_value=Decimal("0.02"))

    warning = warn(program, points=300, value="3.00")

    assert warning.verdict == OVERPRICED and warning.points_money == Decimal("6.00")


def test_a_percent_discount_compares_its_maximum_discount(merchant_a):
    program = merchant_a.program
    capped = warn(
        program, kind=RewardKind.PERCENT_OFF, points=1000, value="15", max_discount=Decimal("5")
    )

    assert capped.verdict == OVERPRICED and capped.worth == Decimal("5")
    assert "a discount of at most €5.00" in capped.message


def test_a_percent_discount_without_a_maximum_cannot_be_judged(merchant_a):
    assert warn(merchant_a.program, kind=RewardKind.PERCENT_OFF, points=99999, value="50") is None


def test_a_perk_without_a_stated_worth_gets_no_warning(merchant_a):
    assert warn(merchant_a.program, kind=RewardKind.PERK, points=5000, value="0") is None


def test_a_perk_with_a_worth_is_compared(merchant_a):
    warning = warn(merchant_a.program, kind=RewardKind.PERK, points=100, value="40.00")

    assert warning.verdict == UNDERPRICED and "a perk worth €40.00" in warning.message


def test_the_sample_catalogue_is_priced_sensibly(merchant_a):
    program = merchant_a.program
    assert [reward_value_warning(r, program) for r in merchant_a.rewards.all()] == [None] * 3
