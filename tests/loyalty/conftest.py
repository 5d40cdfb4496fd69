from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import ActionKind, Campaign, CampaignKind, Promotion, Segment, Step, Variant
from campaigns.promotions.services import save_promotion
from feedback.cases.services import open_case_for_answer
from feedback.models import Answer, Survey, TopicKeyword
from loyalty.models import Role
from loyalty.models.points import Tier
from loyalty.models.webhooks import WebhookDelivery
from loyalty.points.purchases import record_purchase
from loyalty.tasks import drain_outbox
from loyalty.tenancy.services import create_api_key, invite_staff
from loyalty.webhooks.services import create_endpoint
from members.services.enrolment import enrol_member
from members.services.history_uploads import create_history_import
from members.services.imports import create_import
from rewards.models import (
    Badge,
    Challenge,
    ChallengeKind,
    Club,
    ClubPerk,
    RewardKind,
    StampCard,
    StreakProgram,
    VoucherSource,
)
from rewards.services import issue_voucher
from tests.campaigns.templates_helpers import make_template


@pytest.fixture
def manager_staff_a(merchant_a, manager_a):
    return merchant_a.staff.get(user=manager_a)


@pytest.fixture
def ids_of_a(merchant_a, owner_a, shop_a, shop_a2, manager_staff_a, settings) -> dict[str, int]:
    """One object of merchant A for every URL argument of the portal and the POS.

    A new URL argument makes the tenancy walk fail until it is added here.
    """
    invitation, _token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="invited.a@example.com", role=Role.MANAGER
    )
    key, _raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)
    # Silver: neither the entry tier nor the last one, so its edit and delete pages both work.
    silver = Tier.objects.for_merchant(merchant_a).get(name="Silver")
    member = enrol_member(merchant=merchant_a, email="member.a@example.com", shop=shop_a)
    # A member's sale, not yet reversed, so its detail and its reversal page both work.
    sale = record_purchase(
        shop=shop_a, member=member, external_id="A-1", amount=Decimal("12.50")
    ).purchase
    # A webhook endpoint with one delivery (of the member's joining), via the real outbox.
    settings.WEBHOOKS_ALLOW_INSECURE = True
    endpoint = create_endpoint(
        merchant=merchant_a, actor=owner_a, url="http://127.0.0.1:9/hook", events=["member.joined"]
    )
    drain_outbox()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    member_import = create_import(
        merchant=merchant_a,
        actor=owner_a,
        filename="a.csv",
        data=b"email\nimported.a@example.com\n",
    )
    history_import = create_history_import(
        merchant=merchant_a,
        actor=owner_a,
        filename="history.csv",
        data=b"customer_id,date,amount\nK1,2024-01-15,12.50\n",
    )
    # A sample reward and an unused voucher of it, so the edit, archive and cancel pages work.
    reward = merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)
    voucher = issue_voucher(
        merchant=merchant_a, reward=reward, source=VoucherSource.MANUAL, member=member
    )
    # A running promotion (campaigns), so its edit and end pages both work.
    now = timezone.now()
    promotion = save_promotion(
        promotion=Promotion(
            merchant=merchant_a,
            name="Walk promotion",
            multiplier=Decimal("2"),
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
        ),
        actor=owner_a,
    )
    campaign = Campaign.objects.create(
        merchant=merchant_a, name="Walk", kind=CampaignKind.BROADCAST
    )
    variant = Variant.objects.create(merchant=merchant_a, campaign=campaign, name="A")
    # A detractor's answer and its case (feedback), so the case pages all work.
    survey = Survey.objects.create(merchant=merchant_a, name="Walk survey", active=True)
    answer = Answer.objects.create(
        merchant=merchant_a,
        survey=survey,
        source="invitation",
        member=member,
        score=2,
        group="detractor",
    )
    # An active stamp card giving the sample reward, so its edit and deactivate pages both work.
    stamp_card = StampCard.objects.create(merchant=merchant_a, name="Walk card", reward=reward)
    # An active streak program, so its edit and deactivate pages both work.
    streak = StreakProgram.objects.create(merchant=merchant_a, name="Walk streak")
    # A challenge and a badge (issue 16), so the challenge's edit, results and deactivate pages
    # and the badge's edit page all work.
    badge = Badge.objects.create(merchant=merchant_a, name="Walk badge")
    challenge = Challenge.objects.create(
        merchant=merchant_a,
        name="Walk challenge",
        kind=ChallengeKind.VISITS,
        goal_count=3,
        window_days=30,
        reward_points=50,
        starts_on=now.date(),
        badge=badge,
    )
    keyword = TopicKeyword.objects.create(merchant=merchant_a, topic="price", keyword="walk price")
    # A paid club with one perk, so its settings, members and perk pages all work.
    club = Club.objects.create(merchant=merchant_a, name="Walk club", sku="walk-club", price=49)
    perk = ClubPerk.objects.create(merchant=merchant_a, club=club, name="Walk perk")
    return {
        "case_id": open_case_for_answer(answer=answer).pk,
        "keyword_id": keyword.pk,
        "promotion_id": promotion.pk,
        "shop_id": shop_a2.pk,
        "staff_id": manager_staff_a.pk,
        "invitation_id": invitation.pk,
        "key_id": key.pk,
        "tier_id": silver.pk,
        "purchase_id": sale.pk,
        "member_id": member.pk,
        "import_id": member_import.pk,
        "history_import_id": history_import.pk,
        "reward_id": reward.pk,
        "card_id": stamp_card.pk,
        "club_id": club.pk,
        "perk_id": perk.pk,
        "program_id": streak.pk,
        "challenge_id": challenge.pk,
        "badge_id": badge.pk,
        "voucher_id": voucher.pk,
        "webhook_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "template_id": make_template(merchant_a, "Hello {{ first_name }}").pk,
        "segment_id": Segment.objects.create(merchant=merchant_a, name="Walk", rules={}).pk,
        "campaign_id": campaign.pk,
        "variant_id": variant.pk,
        "step_id": Step.objects.create(
            merchant=merchant_a, variant=variant, action=ActionKind.BONUS_POINTS, bonus_points=5
        ).pk,
    }
