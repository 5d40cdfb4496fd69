"""Reading promotions: the portal's list by state, and what the till says of a member's."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from campaigns.models import Promotion, PromotionScope
from campaigns.promotions.earning import live_promotions, multiplier_text
from loyalty.models import Merchant
from members.models import Member, MemberStatus


def promotions_by_state(merchant: Merchant, now: datetime | None = None) -> dict[str, list]:
    """The merchant's promotions in one query: running now, scheduled, and ended (their window
    closed, ended early or their budget spent), each list in a sensible order."""
    now = now or timezone.now()
    groups: dict[str, list[Promotion]] = {"running": [], "scheduled": [], "ended": []}
    rows = Promotion.objects.for_merchant(merchant).select_related("segment", "member")
    for promotion in rows.order_by("starts_at", "pk"):
        state = promotion.state(now)
        promotion.state_now = state
        groups[state if state in ("running", "scheduled") else "ended"].append(promotion)
    groups["ended"].sort(key=lambda p: p.ended_at or p.ends_at, reverse=True)
    return groups


@dataclass(frozen=True)
class MemberPromotion:
    """“x2 points on coffee beans until Sunday”, in parts for the template to say."""

    name: str
    multiplier: str
    scope: str  # "sale", "categories" or "skus"
    products: list[str]
    # The window's last moment on the merchant's wall clock (naive, so that templates show it
    # as it is whatever time zone is active); a window ending at midnight ends the day before.
    until: datetime
    whole_days: bool


def member_promotions(member: Member, now: datetime | None = None) -> list[MemberPromotion]:
    """The promotions a sale of this member would get now (the till's member panel)."""
    if member.status != MemberStatus.ACTIVE:
        return []
    now = now or timezone.now()
    found = []
    for promotion in live_promotions(member.merchant, member, now):
        local_end = promotion.ends_at.astimezone(member.merchant.tzinfo).replace(tzinfo=None)
        whole_days = local_end.time() == local_end.time().min
        if promotion.applies_to == PromotionScope.CATEGORIES:
            products = promotion.categories
        elif promotion.applies_to == PromotionScope.SKUS:
            products = promotion.skus
        else:
            products = []
        found.append(
            MemberPromotion(
                name=promotion.name,
                multiplier=multiplier_text(promotion),
                scope=promotion.applies_to,
                products=list(products),
                until=local_end - timedelta(microseconds=1) if whole_days else local_end,
                whole_days=whole_days,
            )
        )
    return found
