"""What starts an automation for a member: outbox events as they happen, and a nightly pass
for what no event announces (a lapse, a birthday, an anniversary, being at risk).

Each trigger names the occasion of the entry (`CampaignEntry.occasion`), so a member enters a
given automation once per occasion: the welcome series once, the birthday one once a year,
the win-back once per lapse, the expiry reminder once per voucher. A member outside the
automation's segment does not enter. Events reach `enter_on_event` through the outbox
(`loyalty.events.register_consumer`, in `CampaignsConfig.ready()`), inside the drain's
transaction: an event handed over twice enters nobody twice.
"""

from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils import timezone

from campaigns.automations.audience import audience, enter
from campaigns.models import Campaign, CampaignKind, CampaignStatus, Trigger
from loyalty.clock import local_today, midnight
from loyalty.events import batch_memo
from loyalty.models import Event, Merchant
from members.models import Member, MemberScore
from rewards.models import Reward

# Outbox event type -> the triggers it may start.
EVENT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "member.joined": (Trigger.JOINED,),
    "purchase.recorded": (Trigger.FIRST_PURCHASE, Trigger.REWARD_REACHABLE),
    "tier.changed": (Trigger.TIER_UP,),
    "points.expiring": (Trigger.POINTS_EXPIRING,),
    "voucher.expiring": (Trigger.VOUCHER_EXPIRING,),
    "feedback.detractor": (Trigger.DETRACTOR,),
    "membership.renewal_due": (Trigger.CLUB_RENEWAL_DUE,),
}
SCHEDULED_TRIGGERS = (Trigger.NO_PURCHASE, Trigger.BIRTHDAY, Trigger.ANNIVERSARY, Trigger.AT_RISK)


def running_automations(merchant_id: int, triggers) -> list[Campaign]:
    return list(
        Campaign.objects.filter(
            merchant_id=merchant_id,
            kind=CampaignKind.AUTOMATION,
            status=CampaignStatus.RUNNING,
            trigger__in=triggers,
        )
        .select_related("merchant", "segment")
        .order_by("pk")
    )


def _occasion(campaign: Campaign, event: Event, member: Member) -> str | None:
    """The occasion this event is for this automation, or None when it does not apply."""
    payload = event.payload or {}
    trigger = campaign.trigger
    if trigger == Trigger.JOINED:
        return ""
    if trigger == Trigger.FIRST_PURCHASE:
        return "" if member.purchase_count == 1 else None
    if trigger == Trigger.TIER_UP:
        return f"tier:{payload.get('to')}" if payload.get("direction") == "up" else None
    if trigger == Trigger.POINTS_EXPIRING:
        return f"points:{local_today(campaign.merchant, event.created_at).isoformat()}"
    if trigger == Trigger.VOUCHER_EXPIRING:
        return f"voucher:{payload.get('voucher')}"
    if trigger == Trigger.REWARD_REACHABLE:
        reward = _reward_within_reach(campaign.merchant, member, int(payload.get("points") or 0))
        return f"reward:{reward.pk}" if reward else None
    if trigger == Trigger.DETRACTOR:
        # Once per unhappy answer (feedback.surveys.answering emits feedback.detractor).
        return f"answer:{payload.get('answer')}" if payload.get("answer") else None
    if trigger == Trigger.CLUB_RENEWAL_DUE:
        # Once per term that ends (rewards.engagement.club's nightly job emits it once).
        club, ends = payload.get("club"), payload.get("ends_on")
        return f"club:{club}:{ends}" if club and ends else None
    return None


def _reward_within_reach(merchant: Merchant, member: Member, earned: int) -> Reward | None:
    """After a sale that earned points, the dearest live reward the balance now pays for.

    The balance is read when the outbox hands the event over, which may be after later sales
    of the same batch: "reached with this sale" cannot be told reliably then, so the trigger
    is "a sale left the balance at a reward's cost or more", once per reward (the occasion).
    """
    if earned <= 0:
        return None
    return (
        Reward.objects.for_merchant(merchant)
        .live()
        .filter(points_cost__lte=member.points_balance)
        .order_by("-points_cost", "pk")
        .first()
    )


def enter_on_event(event: Event) -> None:
    """The outbox consumer: enter the event's member into the automations it starts."""
    triggers = EVENT_TRIGGERS.get(event.type, ())
    member_id = (event.payload or {}).get("member")
    if not triggers or not member_id:
        return
    campaigns = batch_memo(
        ("automations", event.merchant_id, triggers),
        lambda: running_automations(event.merchant_id, triggers),
    )
    if not campaigns:
        return
    member = Member.objects.filter(merchant_id=event.merchant_id, pk=member_id).first()
    if member is None:
        return
    for campaign in campaigns:
        if campaign.launched_at and event.created_at < campaign.launched_at:
            continue  # an event from before the automation started (an outbox catching up)
        occasion = _occasion(campaign, event, member)
        if occasion is None or not audience(campaign).filter(pk=member.pk).exists():
            continue
        enter(campaign, [member.pk], now=event.created_at, occasion=occasion)


def scheduled_candidates(
    campaign: Campaign, today: date, now: datetime
) -> tuple[QuerySet[Member], str]:
    """The members a nightly trigger picks today, and the occasion of their entry."""
    merchant = campaign.merchant
    members = audience(campaign)
    trigger = campaign.trigger
    if trigger == Trigger.NO_PURCHASE:
        lapsed_on = today - timedelta(days=campaign.trigger_days or 60)
        members = members.filter(
            last_purchase_at__gte=midnight(lapsed_on, merchant.tzinfo),
            last_purchase_at__lt=midnight(lapsed_on + timedelta(days=1), merchant.tzinfo),
        )
        return members, f"lapse:{lapsed_on.isoformat()}"
    if trigger == Trigger.BIRTHDAY:
        return members.filter(birth_month=today.month, birth_day=today.day), str(today.year)
    if trigger == Trigger.ANNIVERSARY:
        picked = members.annotate(
            joined_month=ExtractMonth("joined_at", tzinfo=merchant.tzinfo),
            joined_day=ExtractDay("joined_at", tzinfo=merchant.tzinfo),
        ).filter(
            joined_month=today.month,
            joined_day=today.day,
            joined_at__lt=midnight(today.replace(month=1, day=1), merchant.tzinfo),
        )
        return picked, str(today.year)
    if trigger == Trigger.AT_RISK:
        flagged = MemberScore.objects.for_merchant(merchant).filter(at_risk=True)
        return members.filter(pk__in=flagged.values("member_id")), today.strftime("%Y-%m")
    return members.none(), ""


def enter_scheduled(merchant: Merchant, now: datetime | None = None) -> int:
    """The nightly pass for one merchant; answers how many entries it made."""
    now = now or timezone.now()
    today = local_today(merchant, now)
    entered = 0
    for campaign in running_automations(merchant.pk, SCHEDULED_TRIGGERS):
        members, occasion = scheduled_candidates(campaign, today, now)
        ids = members.order_by("pk").values_list("pk", flat=True)
        entered += enter(campaign, ids.iterator(chunk_size=5000), now=now, occasion=occasion)
    return entered


def enter_scheduled_everywhere(now: datetime | None = None) -> int:
    """The nightly job: every merchant with a running scheduled automation."""
    merchant_ids = (
        Campaign.objects.filter(
            kind=CampaignKind.AUTOMATION,
            status=CampaignStatus.RUNNING,
            trigger__in=SCHEDULED_TRIGGERS,
        )
        .values_list("merchant_id", flat=True)
        .distinct()
    )
    return sum(
        enter_scheduled(merchant, now)
        for merchant in Merchant.objects.filter(pk__in=list(merchant_ids)).order_by("pk")
    )
