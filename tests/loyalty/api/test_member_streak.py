"""A member's streak through the API: the member's answer shows it, null without a program."""

import pytest

from tests.rewards.engagement.streak_helpers import make_program

pytestmark = pytest.mark.django_db


def test_the_member_shows_no_streak_without_a_program(api_a, member_a):
    body = api_a.get(f"/api/v1/members/{member_a.card_number}").json()
    assert body["streak"] is None


def test_a_purchase_counts_the_week_and_the_member_shows_the_streak(api_a, merchant_a, member_a):
    make_program(merchant_a, grace=True)
    answer = api_a.post(
        "/api/v1/purchases",
        {"external_id": "W1", "member": member_a.card_number, "amount": "6.00"},
        format="json",
    )
    assert answer.status_code == 201

    body = api_a.get(f"/api/v1/members/{member_a.card_number}").json()

    assert body["streak"] == {
        "name": "Weekly regulars",
        "period": "week",
        "length": 1,
        "best": 1,
        "alive": True,
        "at_risk": False,
        "grace_left": True,
        "next_milestone": {"length": 4, "points": 100},
        "periods_to_next": 3,
    }
