"""Challenges and badges through the API: the member's answer shows their progress and badges."""

from datetime import timedelta

import pytest

from loyalty.clock import local_today
from rewards.models import Badge, BadgeIcon, Challenge, ChallengeKind

pytestmark = pytest.mark.django_db


def buy(api, member, receipt):
    answer = api.post(
        "/api/v1/purchases",
        {"external_id": receipt, "member": member.card_number, "amount": "9.00"},
        format="json",
    )
    assert answer.status_code == 201, answer.content


def test_the_member_answer_has_challenges_and_badges(api_a, merchant_a, member_a):
    badge = Badge.objects.create(merchant=merchant_a, name="First visit", icon=BadgeIcon.STAR)
    start = local_today(merchant_a) - timedelta(days=1)
    first = Challenge.objects.create(
        merchant=merchant_a,
        name="First visit",
        kind=ChallengeKind.VISITS,
        goal_count=1,
        window_days=30,
        reward_points=10,
        starts_on=start,
        badge=badge,
    )
    three = Challenge.objects.create(
        merchant=merchant_a,
        name="Three visits",
        kind=ChallengeKind.VISITS,
        goal_count=3,
        window_days=30,
        reward_points=10,
        starts_on=start,
    )
    Challenge.objects.create(
        merchant=merchant_a,
        name="Secret",
        kind=ChallengeKind.SURVEY,
        reward_points=5,
        starts_on=start,
        hidden=True,
    )
    buy(api_a, member_a, "C1")
    body = api_a.get(f"/api/v1/members/{member_a.card_number}").json()
    by_name = {c["name"]: c for c in body["challenges"]}
    assert set(by_name) == {"First visit", "Three visits"}
    assert by_name["First visit"] == {
        "id": first.pk,
        "name": "First visit",
        "kind": "visits",
        "progress": "0",
        "goal": "1",
        "label": "Completed",
        "completed": 1,
        "ends_on": None,
    }
    assert (by_name["Three visits"]["progress"], by_name["Three visits"]["label"]) == (
        "1",
        "1 of 3 visits",
    )
    assert by_name["Three visits"]["id"] == three.pk
    [held] = body["badges"]
    assert (held["id"], held["name"], held["icon"]) == (badge.pk, "First visit", "⭐")
