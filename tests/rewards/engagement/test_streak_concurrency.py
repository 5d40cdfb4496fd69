"""Under real concurrency (threads on PostgreSQL connections) a milestone is paid once.

Two tills selling to the same member in the week that reaches a milestone count one visit and
pay the milestone once: the member's lock orders them, and the unique (member streak,
milestone, run) would hold it in the database even without.
"""

from datetime import timedelta

import pytest

from rewards.models import MemberStreak, StreakReward, StreakVisit
from tests.loyalty.points.helpers import assert_reconciled
from tests.loyalty.points.test_concurrency import run_together
from tests.rewards.engagement.streak_helpers import make_program, visit, week

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_tills_in_the_milestone_week_pay_it_once(shop_a, shop_a2, member_a):
    program = make_program(shop_a.merchant)
    for n in range(3):
        visit(shop_a, member_a, week(n))

    results = run_together(
        [
            lambda shop=shop, n=n: visit(shop, member_a, week(3) + timedelta(hours=n))
            for n, shop in enumerate([shop_a, shop_a2, shop_a, shop_a2])
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    streak = MemberStreak.objects.get(program=program, member=member_a)
    assert streak.length == 4
    assert StreakVisit.objects.filter(member_streak=streak).count() == 4
    reward = StreakReward.objects.get(member_streak=streak)
    assert (reward.milestone.length, reward.points) == (4, 100)
    assert_reconciled(shop_a.merchant)
