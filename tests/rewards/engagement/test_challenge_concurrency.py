"""Under real concurrency (threads on PostgreSQL connections) a challenge pays once.

Tills ringing the same member at once complete a challenge once; two members completing at
once with budget left for one are paid once between them (the conditional UPDATE).
"""

import pytest

from loyalty.models.points import PointsEntry
from rewards.models import Challenge, ChallengeCompletion
from tests.loyalty.points.helpers import assert_reconciled, ring
from tests.loyalty.points.test_concurrency import run_together
from tests.personas import make_bob
from tests.rewards.engagement.test_challenges import make_challenge

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_eight_tills_at_once_complete_once(shop_a, member_a):
    challenge = make_challenge(shop_a.merchant, goal_count=1, limit_per_member=1)

    results = run_together(
        [lambda n=n: ring(shop_a, member_a, "10.00", external_id=f"C{n}") for n in range(8)]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert ChallengeCompletion.objects.filter(challenge=challenge).count() == 1
    assert PointsEntry.objects.filter(reference__startswith="challenge:").count() == 1
    assert Challenge.objects.get(pk=challenge.pk).points_paid == 100
    assert_reconciled(shop_a.merchant)


def test_the_last_of_the_budget_pays_one_of_two_members(shop_a, member_a):
    challenge = make_challenge(shop_a.merchant, goal_count=1, points_budget=100)
    bob = make_bob(shop_a.merchant)

    results = run_together(
        [
            lambda: ring(shop_a, member_a, "10.00", external_id="A1"),
            lambda: ring(shop_a, bob, "10.00", external_id="B1"),
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert ChallengeCompletion.objects.filter(challenge=challenge).count() == 1
    assert Challenge.objects.get(pk=challenge.pk).points_paid == 100
    assert PointsEntry.objects.filter(reference__startswith="challenge:").count() == 1
