"""Read paths of the member's own pages: the card, the history, what the join page offers. Each
starts from the merchant."""

from datetime import datetime

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from loyalty.models import Merchant
from loyalty.models.points import PointsEntry, PointsLot, Purchase
from loyalty.points.ledger import get_program
from loyalty.qr import qr_svg
from loyalty.queries import tier_progress
from members.contacts import card_qr_payload
from members.history import with_notes
from members.models import Member
from rewards.models import Reward
from rewards.queries import active_rewards


def grouped_card_number(number: str) -> str:
    """“123 456 7890”: easier to read out at the till than ten digits in a row."""
    return " ".join([number[:3], number[3:6], number[6:]]) if len(number) > 6 else number


def card_qr_svg(member: Member, title: str) -> str:
    """The card's QR code, for the till's scanner to read from the phone."""
    return qr_svg(card_qr_payload(member.merchant.slug, member.card_number), title)


def pending_available_at(member: Member) -> datetime | None:
    """When the earliest of the member's pending points can be spent."""
    return PointsLot.objects.filter(
        merchant_id=member.merchant_id, member=member, released=False, remaining__gt=0
    ).aggregate(first=Min("available_at"))["first"]


def member_purchases(member: Member) -> QuerySet[Purchase]:
    return (
        Purchase.objects.for_merchant(member.merchant)
        .filter(member=member)
        .select_related("shop", "merchant")
        .order_by("-occurred_at", "-pk")
    )


def member_ledger(member: Member) -> QuerySet[PointsEntry]:
    return (
        PointsEntry.objects.for_merchant(member.merchant)
        .filter(member=member)
        .select_related("purchase__shop", "merchant")
        .order_by("-created_at", "-pk")
    )


def card_summary(member: Member) -> dict:
    """What the card page shows besides the card itself."""
    program = get_program(member.merchant)
    return {
        "program": program,
        "pending_from": pending_available_at(member) if member.pending_points > 0 else None,
        "progress": tier_progress(member, program=program, localize=True),
        "has_purchases": member_purchases(member).exists(),
        "latest_entries": with_notes(member_ledger(member)[:3]),
    }


def first_reward(merchant: Merchant, *, now: datetime | None = None) -> Reward | None:
    """The cheapest reward a new member could redeem: offered now, for the entry tier (a
    threshold of 0) or every tier, in stock."""
    now = now or timezone.now()
    return (
        active_rewards(merchant, now=now)
        .filter(Q(min_tier__isnull=True) | Q(min_tier__threshold__lte=0))
        .filter(Q(available_from__isnull=True) | Q(available_from__lte=now))
        .exclude(stock_left=0)
        .order_by("points_cost", "position", "pk")
        .first()
    )


def join_offer(merchant: Merchant) -> dict:
    """What joining gives, for the join page: the welcome bonus and the first reward."""
    return {
        "welcome_bonus": get_program(merchant).welcome_bonus,
        "first_reward": first_reward(merchant),
    }
