"""The forecast replays a challenge over the merchant's own last comparable window."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.clock import local_today
from loyalty.points.balances import count_balances
from rewards.engagement.forecast import forecast
from rewards.models import Challenge, ChallengeKind
from tests.loyalty.points.helpers import fresh, ring
from tests.personas import make_bob

pytestmark = pytest.mark.django_db


def unsaved(merchant, **fields) -> Challenge:
    today = local_today(merchant)
    defaults = {
        "name": "Forecast me",
        "kind": ChallengeKind.VISITS,
        "goal_count": 3,
        "window_days": 10,
        "reward_points": 100,
        "starts_on": today,
        "ends_on": today + timedelta(days=29),
    }
    return Challenge(merchant=merchant, **(defaults | fields))


def at(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def history(shop_a, member_a):
    """Ana: three visits in 10 days; Bob: three visits spread over 25 days; 40 days ago a
    month's worth of Bob's spend that falls outside the window."""
    bob = make_bob(shop_a.merchant)
    for days in (9, 5, 1):
        ring(shop_a, member_a, "20.00", occurred_at=at(days))
    for days in (25, 13, 1):
        ring(shop_a, bob, "10.00", occurred_at=at(days))
    ring(shop_a, bob, "500.00", occurred_at=at(45))
    ring(
        shop_a,
        bob,
        "9.00",
        occurred_at=at(2),
        items=[{"category": "Pastry", "quantity": 1, "unit_price": "9.00"}],
    )
    return bob


def test_visits_within_a_rolling_window(merchant_a, member_a, history):
    count_balances(merchant_a)
    result = forecast(unsaved(merchant_a))
    assert result.members == 1  # Ana; Bob's visits are not within 10 days of each other
    assert (result.cost_per_completion, result.cost) == (100, 100)
    assert result.last_day == local_today(merchant_a)
    assert (result.last_day - result.first_day).days == 29
    liability = fresh(member_a).points_balance + fresh(history).points_balance
    assert result.liability == liability
    assert result.percent_of_liability == (Decimal(100 * 100) / liability).quantize(Decimal("0.1"))
    assert forecast(unsaved(merchant_a, window_days=30)).members == 2


def test_spend_a_voucher_and_the_budget(merchant_a, shop_a, member_a, coffee, history):
    ring(shop_a, member_a, "100.00")  # this month: Ana spends at least 100, Bob at most 39
    spend = unsaved(
        merchant_a, kind=ChallengeKind.SPEND, goal_amount=Decimal("80"), window_days=None
    )
    assert forecast(spend).members == 1
    spend.goal_amount = Decimal("600")  # Bob's 500 was 45 days ago, outside the window
    assert forecast(spend).members == 0
    spend.goal_amount = Decimal("80")
    spend.reward_points, spend.reward, spend.points_budget = 0, coffee, 200
    result = forecast(spend)
    assert result.cost_per_completion == coffee.points_cost == 300
    assert (result.cost, result.capped) == (200, True)


def test_new_category_time_window_and_no_history(merchant_a, merchant_b, history):
    pastry = unsaved(merchant_a, kind=ChallengeKind.NEW_CATEGORY, categories=["pastry"])
    assert forecast(pastry).members == 1
    assert (
        forecast(unsaved(merchant_a, kind=ChallengeKind.NEW_CATEGORY, categories=[])).members == 1
    )
    tea = unsaved(merchant_a, kind=ChallengeKind.NEW_CATEGORY, categories=["tea"])
    assert forecast(tea).members == 0
    any_day = unsaved(merchant_a, kind=ChallengeKind.TIME_WINDOW, goal_count=2, window_days=None)
    assert forecast(any_day).members == 2
    other = forecast(unsaved(merchant_b))
    assert (other.members, other.cost, other.percent_of_liability) == (0, 0, None)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"window_days": 30},
        {"goal_count": 2, "window_days": 5},
        {"kind": ChallengeKind.SPEND, "goal_amount": Decimal("40.00")},
        {"kind": ChallengeKind.SPEND, "goal_amount": Decimal("30.00")},
        {"kind": ChallengeKind.NEW_CATEGORY, "categories": ["pastry"]},
        {"kind": ChallengeKind.NEW_CATEGORY, "categories": []},
        {"kind": ChallengeKind.TIME_WINDOW, "goal_count": 2, "window_days": None},
        {"kind": ChallengeKind.TIME_WINDOW, "goal_count": 1, "hour_from": 0, "hour_to": 1},
    ],
)
def test_the_python_count_for_sqlite_agrees_with_the_statements(merchant_a, history, fields):
    """The embedded database counts the sale kinds in Python: the same answers as PostgreSQL."""
    from loyalty.clock import day_span
    from rewards.engagement.forecast import members_reaching, window_length
    from rewards.engagement.forecast_rows import members_reaching_in_rows
    from rewards.engagement.progress import goal

    challenge = unsaved(merchant_a, **fields)
    last = local_today(merchant_a)
    first = last - timedelta(days=window_length(challenge) - 1)
    start, end = day_span(first, last, merchant_a.tzinfo)
    days = challenge.window_days or 30

    expected = members_reaching(challenge, first, last)
    assert members_reaching_in_rows(challenge, start, end, goal(challenge), days) == expected
