"""The card page shows the visible challenges with progress, the hidden ones found, the badges."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from rewards.engagement.challenges import award_badge
from rewards.engagement.queries import member_challenges
from rewards.models import Badge, BadgeIcon, BadgeSource, ChallengeKind
from tests.loyalty.points.helpers import ring
from tests.rewards.engagement.test_challenges import make_challenge

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana_client(ana) -> Client:
    client = Client()
    client.force_login(ana.user)
    return client


def test_progress_hidden_and_badges_on_the_card_page(shop_a, ana, ana_client):
    merchant = shop_a.merchant
    make_challenge(merchant, name="Visit the Quokka bar five times")
    hidden = make_challenge(
        merchant,
        name="The secret Wombat pastry",
        kind=ChallengeKind.NEW_CATEGORY,
        categories=["pastry"],
        hidden=True,
    )
    for days in (3, 1):
        ring(shop_a, ana, "10.00", occurred_at=timezone.now() - timedelta(days=days))
    page = ana_client.get("/m/aroma/").content.decode()
    assert "Visit the Quokka bar five times" in page
    assert "2 of 5 visits" in page
    assert "The secret Wombat pastry" not in page  # hidden until completed

    croissant = [{"sku": "CR", "category": "pastry", "quantity": 1, "unit_price": "4.00"}]
    ring(shop_a, ana, "4.00", items=croissant)
    badge = Badge.objects.create(merchant=merchant, name="Platypus regular", icon=BadgeIcon.MEDAL)
    award_badge(ana, badge, BadgeSource.MANUAL)
    page = ana_client.get("/m/aroma/").content.decode()
    assert "The secret Wombat pastry" in page
    assert "Platypus regular" in page and "🏅" in page
    view = member_challenges(ana)
    assert [p.challenge for p in view.revealed] == [hidden]
    assert [(p.value, p.goal) for p in view.visible] == [(3, 5)]


def test_spend_label(shop_a, ana):
    from decimal import Decimal

    make_challenge(shop_a.merchant, kind=ChallengeKind.SPEND, goal_amount=Decimal("50"))
    ring(shop_a, ana, "20.00")
    [item] = member_challenges(ana).visible
    assert item.value == Decimal("20.00") and "of" in item.label and "50" in item.label
