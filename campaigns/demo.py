"""The demo merchant's campaigns: segments, promotions and messages, seeded through the real
services (registered as demo steps in `campaigns.apps`).

`seed_campaigns` is a finishing step (it needs the members' scores for the win-back):

- "Welcome series": joined -> a welcome email at once, 50 bonus points after 10 days;
  running, with the members who joined in the last 14 days entered on their joining day, so
  each is at a different step.
- "Happy birthday": a birthday email with 100 bonus points; running.
- "We miss you": a win-back on the members at risk with a voucher for a free coffee; running,
  the members flagged at risk entered now.
- "Autumn tasting": a finished broadcast with two variants (an invitation; the same with 50
  bonus points) and a 10 % holdout, launched 45 days ago to every member active then. What
  it earned is read from the demo's purchases in its 14-day window; the demo simulates a
  modest effect (treated members come back a little more often: a few extra visits recorded
  through the points engine, dated inside the window), so its page shows a result to read.

Every message goes through the real pipeline: queued by the runner, rendered with the
templates, sent by `send_due_messages` through the configured email backend (`make run`
writes them into sent-mail/).
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from campaigns.automations.audience import enter
from campaigns.automations.runner import run_due_steps
from campaigns.automations.services import VariantSpec, create_campaign, launch
from campaigns.automations.triggers import enter_scheduled
from campaigns.messaging.send import claim_due, deliver, send_due_messages
from campaigns.models import (
    ActionKind,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Channel,
    Message,
    MessageStatus,
    Promotion,
    PromotionScope,
    Step,
    Trigger,
)
from campaigns.promotions.services import save_promotion
from campaigns.segments.affinity import recompute_affinity
from campaigns.segments.rfm import COMPARE_DAYS, recompute_rfm
from loyalty.analytics.rollups import rebuild
from loyalty.clock import local_today, midnight
from loyalty.models import Merchant
from loyalty.points.purchases import record_purchase
from members.models import Member, MemberStatus
from rewards.models import Reward


def seed_promotions(merchant: Merchant, stdout=None) -> None:
    """ "Double points weekend" over the demo's coming weekend (this one, from Saturday, if
    today is Saturday or Sunday) with a budget, and "Coffee beans week" (x3) the week after."""
    now = timezone.now()
    today = local_today(merchant, now)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:  # Sunday: the weekend under way
        saturday = today - timedelta(days=1)
    tz = merchant.tzinfo
    weekend = (midnight(saturday, tz), midnight(saturday + timedelta(days=2), tz))
    save_promotion(
        promotion=Promotion(
            merchant=merchant,
            name="Double points weekend",
            multiplier=Decimal("2"),
            starts_at=weekend[0],
            ends_at=weekend[1],
            points_budget=20000,
        ),
        actor=None,
    )
    save_promotion(
        promotion=Promotion(
            merchant=merchant,
            name="Coffee beans week",
            multiplier=Decimal("3"),
            starts_at=weekend[1],
            ends_at=weekend[1] + timedelta(days=7),
            applies_to=PromotionScope.CATEGORIES,
            categories=["coffee beans"],
        ),
        actor=None,
    )
    if stdout is not None:
        stdout.write("  promotions: a double points weekend and a coffee beans week")


def seed_segments(merchant: Merchant, stdout=None) -> None:
    """RFM scores and category affinity of the demo's history (registered after the points'
    step, so the two years of purchases exist). The scores are computed as of 30 days ago
    first (that day's purchases only, as the nightly job would have then), then as of today,
    so the segments page has a month-old count to compare with."""
    today = local_today(merchant)
    recompute_rfm(merchant, today - timedelta(days=COMPARE_DAYS))
    scored = recompute_rfm(merchant, today)
    shares = recompute_affinity(merchant, today)
    if stdout is not None:
        stdout.write(
            f"  RFM segments of {scored} members, counted today and {COMPARE_DAYS} days ago, and "
            f"{shares} category shares (Portal → Campaigns → RFM segments)."
        )


BROADCAST_DAYS_AGO = 45
WINDOW_DAYS = 14


def _automation(merchant: Merchant, name: str, trigger: str, specs, now) -> Campaign:
    campaign = create_campaign(
        merchant=merchant,
        actor=None,
        name=name,
        kind=CampaignKind.AUTOMATION,
        trigger=trigger,
        variants=specs,
        holdout_percent=10,
        conversion_days=WINDOW_DAYS,
    )
    launch(campaign=campaign, actor=None, now=now - timedelta(days=30))
    return campaign


def seed_campaigns(merchant: Merchant, stdout=None) -> None:
    now = timezone.now()
    rng = random.Random(20261202)  # noqa: S311 - the same demo every time, not a secret
    welcome = _automation(
        merchant,
        "Welcome series",
        Trigger.JOINED,
        [
            VariantSpec(
                name="A",
                channel=Channel.EMAIL,
                subject="Welcome, {{ first_name }}",
                body=(
                    "Your card is ready: {{ points }} points so far.\n\n"
                    "Every coffee brings you closer to {{ next_reward }}."
                ),
            )
        ],
        now,
    )
    variant = welcome.variants.get()
    Step.objects.create(
        merchant=merchant,
        variant=variant,
        position=2,
        delay_days=10,
        action=ActionKind.BONUS_POINTS,
        bonus_points=50,
    )
    recent = Member.objects.for_merchant(merchant).filter(
        status=MemberStatus.ACTIVE, joined_at__gte=now - timedelta(days=14)
    )
    for member in recent.order_by("pk"):
        enter(welcome, [member.pk], now=member.joined_at)
    _automation(
        merchant,
        "Happy birthday",
        Trigger.BIRTHDAY,
        [
            VariantSpec(
                name="A",
                channel=Channel.EMAIL,
                subject="Happy birthday, {{ first_name }}!",
                body="A treat from us: 100 bonus points are on your card.",
                bonus_points=100,
            )
        ],
        now,
    )
    win_back = _automation(
        merchant,
        "We miss you",
        Trigger.AT_RISK,
        [
            VariantSpec(
                name="A",
                channel=Channel.EMAIL,
                subject="We miss you, {{ first_name }}",
                body="Your next coffee is on us: show this voucher at the counter.",
            )
        ],
        now,
    )
    coffee = Reward.objects.for_merchant(merchant).live().order_by("points_cost").first()
    if coffee is not None:
        Step.objects.create(
            merchant=merchant,
            variant=win_back.variants.get(),
            position=2,
            action=ActionKind.VOUCHER,
            reward=coffee,
        )
    enter_scheduled(merchant, now)
    broadcast = _finished_broadcast(merchant, now, rng)
    for campaign in Campaign.objects.for_merchant(merchant).filter(status=CampaignStatus.RUNNING):
        run_due_steps(campaign, now)
    sent = send_due_messages()
    messages = Message.objects.for_merchant(merchant)
    waiting = messages.filter(status=MessageStatus.QUEUED).count()
    if stdout is not None:
        stdout.write(
            f"  Campaigns: a welcome series, a birthday and a win-back automation, and the "
            f'finished broadcast "{broadcast.name}" ({broadcast_sent(broadcast)} emails); '
            f"{sent} messages sent now, {waiting} waiting for the quiet hours or the cap "
            "(the task worker sends them; Portal → Campaigns)."
        )


def broadcast_sent(campaign: Campaign) -> int:
    return Message.objects.filter(
        source_type="campaign", source_id=campaign.pk, status=MessageStatus.SENT
    ).count()


def _finished_broadcast(merchant: Merchant, now, rng: random.Random) -> Campaign:
    # 10:00 on the merchant's clock, 45 days ago: outside the quiet hours.
    day = local_today(merchant, now) - timedelta(days=BROADCAST_DAYS_AGO)
    launched = midnight(day, merchant.tzinfo) + timedelta(hours=10)
    campaign = create_campaign(
        merchant=merchant,
        actor=None,
        name="Autumn tasting",
        kind=CampaignKind.BROADCAST,
        variants=[
            VariantSpec(
                name="A",
                channel=Channel.EMAIL,
                subject="Our autumn tasting, {{ first_name }}",
                body="New beans from our roaster this week: come and taste them with us.",
            ),
            VariantSpec(
                name="B",
                channel=Channel.EMAIL,
                subject="Autumn tasting: 50 points for you",
                body=(
                    "New beans from our roaster this week. Come and taste them: 50 bonus "
                    "points are already on your card ({{ points }} in all)."
                ),
                bonus_points=50,
            ),
        ],
        holdout_percent=10,
        conversion_days=WINDOW_DAYS,
    )
    active = Member.objects.for_merchant(merchant).filter(
        status=MemberStatus.ACTIVE,
        joined_at__lt=launched,
        last_purchase_at__gte=launched - timedelta(days=180),
    )
    enter(campaign, active.order_by("pk").values_list("pk", flat=True), now=launched)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.RUNNING, launched_at=launched
    )
    campaign.refresh_from_db()
    # Its messages were queued and sent then: the runner and the sender with that clock.
    run_due_steps(campaign, launched)
    while claim := claim_due(now=launched + timedelta(minutes=5)):
        deliver(claim)
    _simulate_effect(merchant, campaign, launched, rng)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.FINISHED, finished_at=launched + timedelta(days=WINDOW_DAYS)
    )
    rebuild(merchant, since=local_today(merchant, launched))
    return campaign


def _simulate_effect(merchant: Merchant, campaign: Campaign, launched, rng) -> None:
    """A few treated members come back within the window: 6 % of A's, 9 % of B's (the held-out
    members keep their history as it was), for their usual basket, at the shop they use."""
    shops = list(merchant.shops.filter(archived_at__isnull=True).order_by("pk"))
    chance = {"A": 0.06, "B": 0.09}
    entries = campaign.entries.filter(variant__isnull=False).select_related("member", "variant")
    for entry in entries.order_by("pk"):
        if rng.random() >= chance.get(entry.variant.name, 0):
            continue
        member = entry.member
        basket = (
            member.lifetime_spend / member.purchase_count if member.purchase_count else Decimal("8")
        )
        amount = max(
            Decimal("2.50"), (basket * Decimal(rng.uniform(0.8, 1.3))).quantize(Decimal("0.01"))
        )
        moment = launched + timedelta(days=rng.randint(1, WINDOW_DAYS - 1), hours=rng.randint(0, 7))
        record_purchase(
            shop=member.enrolled_at_shop or shops[0],
            member=member,
            external_id=f"demo-autumn-{member.pk}",
            amount=amount,
            occurred_at=moment,
            now=moment,
        )
