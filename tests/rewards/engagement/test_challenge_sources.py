"""Challenges fed by the outbox: bringing friends (referrals that pay) and answering surveys."""

from decimal import Decimal

import pytest

from feedback.surveys.answering import answer_survey
from feedback.surveys.invitations import invite_for_purchase
from feedback.surveys.links import survey_token
from loyalty.tasks import drain_outbox
from members.services.enrolment import enrol_member
from rewards.models import ChallengeCompletion, ChallengeKind
from tests.feedback.surveys_kit import sale, survey_fixture  # noqa: F401
from tests.loyalty.points.helpers import configure, ring
from tests.rewards.engagement.test_challenges import make_challenge

pytestmark = pytest.mark.django_db


def test_bringing_two_friends_whose_first_sale_pays(merchant_a, shop_a, ana):
    configure(merchant_a, referral_bonus=50, referral_min_purchase=Decimal("10"))
    challenge = make_challenge(
        merchant_a, name="Bring two friends", kind=ChallengeKind.REFERRAL, goal_count=2
    )
    for email in ("carla@example.com", "dan@example.com"):
        friend = enrol_member(merchant=merchant_a, email=email, referral_code=ana.referral_code)
        ring(shop_a, friend, "25.00")
        drain_outbox()
        if email.startswith("carla"):
            assert not ChallengeCompletion.objects.filter(challenge=challenge).exists()
    [done] = ChallengeCompletion.objects.filter(challenge=challenge)
    assert (done.member_id, done.points) == (ana.pk, 100)
    drain_outbox()  # consumers are handed events again harmlessly
    assert ChallengeCompletion.objects.filter(challenge=challenge).count() == 1


def test_answering_a_survey_completes_it(merchant_a, shop_a, ana, survey):
    challenge = make_challenge(
        merchant_a, name="Tell us", kind=ChallengeKind.SURVEY, goal_count=1, reward_points=20
    )
    invitation = invite_for_purchase(purchase_id=sale(shop_a, ana, "R-9").pk)
    answer_survey(merchant=merchant_a, token=survey_token(invitation), score=9)
    drain_outbox()
    [done] = ChallengeCompletion.objects.filter(challenge=challenge)
    assert (done.member_id, done.points) == (ana.pk, 20)
