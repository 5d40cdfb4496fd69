"""The portal's challenge and badge pages: the list, the form and its checks, the forecast that
saves nothing, a challenge's results, switching one off; another merchant's is a 404, a cashier
may not see them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.clock import local_today
from loyalty.models import AuditEvent
from rewards.models import Badge, BadgeIcon, Challenge, ChallengeCompletion, ChallengeKind
from tests.loyalty.points.helpers import ring
from tests.rewards.engagement.test_challenges import make_challenge

pytestmark = pytest.mark.django_db

LIST = reverse("portal:challenges")
NEW = reverse("portal:challenge_new")


def _url(name: str, challenge) -> str:
    return reverse(f"portal:{name}", kwargs={"challenge_id": challenge.pk})


def _form(merchant, **fields) -> dict:
    data = {
        "name": "Visit the Zanzibar counter five times",
        "description": "",
        "kind": ChallengeKind.VISITS,
        "goal_count": "5",
        "window_days": "30",
        "goal_amount": "",
        "categories": "",
        "weekday": "",
        "hour_from": "",
        "hour_to": "",
        "starts_on": local_today(merchant).isoformat(),
        "ends_on": "",
        "reward_points": "100",
        "reward": "",
        "badge": "",
        "limit_per_member": "1",
        "points_budget": "",
        "active": "on",
    }
    return data | fields


def test_create_a_challenge_and_see_it_listed(manager_client, merchant_a):
    answer = manager_client.post(NEW, _form(merchant_a, action="save"))
    assert answer.status_code == 302, answer.content
    challenge = Challenge.objects.get(merchant=merchant_a)
    assert (challenge.kind, challenge.goal_count, challenge.window_days) == ("visits", 5, 30)
    assert challenge.reward_points == 100 and challenge.goal_amount is None
    assert AuditEvent.objects.filter(action="rewards.challenge.saved").exists()
    page = manager_client.get(LIST)
    assert "Visit the Zanzibar counter five times" in page.content.decode()


def test_the_form_explains_what_is_missing(manager_client, merchant_a, coffee):
    answer = manager_client.post(
        NEW,
        _form(
            merchant_a,
            kind=ChallengeKind.SPEND,
            reward=str(coffee.pk),
            starts_on="2026-05-10",
            ends_on="2026-05-01",
        ),
    )
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "Enter the amount to spend within a month." in body
    assert "Pay points or a reward&#x27;s voucher, not both." in body
    assert "The end date must not come before the start." in body
    answer = manager_client.post(
        NEW, _form(merchant_a, kind=ChallengeKind.TIME_WINDOW, reward_points="0")
    )
    body = answer.content.decode()
    assert "Choose a weekday, hours, or both." in body
    assert "Enter the points it pays, or choose a reward." in body
    assert not Challenge.objects.exists()


def test_the_forecast_shows_the_cost_and_saves_nothing(manager_client, merchant_a, shop_a, ana):
    for days in (9, 6, 3, 2, 1):
        ring(shop_a, ana, "10.00", occurred_at=timezone.now() - timedelta(days=days))
    answer = manager_client.post(NEW, _form(merchant_a, action="forecast"))
    assert answer.status_code == 200
    body = answer.content.decode()
    assert 'role="status"' in body
    assert "would have been completed by 1 member" in body
    assert "cost ≈ 100 points" in body
    assert "% of your points liability" in body
    assert not Challenge.objects.exists()


def test_edit_forecast_and_results(manager_client, merchant_a, shop_a, ana):
    challenge = make_challenge(merchant_a, name="Morning regulars of Zanzibar", goal_count=1)
    ring(shop_a, ana, "10.00")
    answer = manager_client.post(
        _url("challenge_edit", challenge), _form(merchant_a, name="Renamed", action="forecast")
    )
    assert answer.status_code == 200
    challenge.refresh_from_db()
    assert challenge.name == "Morning regulars of Zanzibar"  # a forecast saves nothing
    answer = manager_client.post(
        _url("challenge_edit", challenge),
        _form(merchant_a, name="Renamed regulars", goal_count="2", action="save"),
    )
    assert answer.status_code == 302
    challenge.refresh_from_db()
    assert (challenge.name, challenge.goal_count) == ("Renamed regulars", 2)
    assert challenge.points_paid == 100  # the form's copy never writes what was paid
    page = manager_client.get(_url("challenge_results", challenge))
    body = page.content.decode()
    assert page.status_code == 200
    assert ChallengeCompletion.objects.filter(challenge=challenge).count() == 1
    assert ana.card_number in body
    assert "Budget left" in body and "No limit" in body


def test_deactivate_asks_first(manager_client, merchant_a):
    challenge = make_challenge(merchant_a)
    page = manager_client.get(_url("challenge_deactivate", challenge))
    assert page.status_code == 200
    challenge.refresh_from_db()
    assert challenge.active
    answer = manager_client.post(_url("challenge_deactivate", challenge))
    assert answer.status_code == 302
    challenge.refresh_from_db()
    assert not challenge.active


def test_badges_create_and_edit(manager_client, merchant_a):
    answer = manager_client.post(
        reverse("portal:badge_new"),
        {
            "name": "Croissant connoisseur",
            "icon": BadgeIcon.CROISSANT,
            "description": "",
            "active": "on",
        },
    )
    assert answer.status_code == 302
    badge = Badge.objects.get(merchant=merchant_a)
    answer = manager_client.post(
        reverse("portal:badge_edit", kwargs={"badge_id": badge.pk}),
        {"name": "Croissant master", "icon": BadgeIcon.TROPHY, "description": "x", "active": "on"},
    )
    assert answer.status_code == 302
    badge.refresh_from_db()
    assert (badge.name, badge.icon) == ("Croissant master", "🏆")
    assert "Croissant master" in manager_client.get(reverse("portal:badges")).content.decode()


def test_another_merchants_challenge_and_badge_are_404(manager_client, merchant_b):
    challenge = make_challenge(merchant_b)
    badge = Badge.objects.create(merchant=merchant_b, name="Theirs")
    for name in ("challenge_edit", "challenge_results", "challenge_deactivate"):
        assert manager_client.get(_url(name, challenge)).status_code == 404
    assert manager_client.post(_url("challenge_deactivate", challenge)).status_code == 404
    edit = reverse("portal:badge_edit", kwargs={"badge_id": badge.pk})
    assert manager_client.get(edit).status_code == 404
    challenge.refresh_from_db()
    assert challenge.active


def test_a_cashier_may_not_see_them(cashier_client):
    assert cashier_client.get(LIST).status_code in (302, 403)


def test_a_budget_below_what_was_paid_is_refused(manager_client, merchant_a):
    challenge = make_challenge(merchant_a, points_budget=1000)
    Challenge.objects.filter(pk=challenge.pk).update(points_paid=300)
    answer = manager_client.post(
        _url("challenge_edit", challenge), _form(merchant_a, points_budget="200", action="save")
    )
    assert answer.status_code == 200
    assert "cannot be less than the 300 points already paid" in answer.content.decode()
    challenge.refresh_from_db()
    assert challenge.points_budget == 1000
