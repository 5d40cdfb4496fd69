"""The next best offer the till can mention to a member: a live promotion on a category the
member buys most (their category affinity), else the reward they are nearest to.

A heuristic every merchant gets without setting anything up; a campaign that picks offers per
member can answer first when it comes. Read from what the member panel loads anyway (the
member's promotions now and the catalogue as the member sees it), plus one query of the
member's top categories.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from campaigns.models import CategoryAffinity
from campaigns.promotions.queries import MemberPromotion
from members.models import Member
from rewards.queries import Offer as RewardOffer

TOP_CATEGORIES = 3


@dataclass(frozen=True)
class NextOffer:
    kind: str  # "promotion" or "reward"
    promotion: MemberPromotion | None = None
    category: str = ""
    share: Decimal | None = None  # of the member's spend in the category, 0-1
    reward_name: str = ""
    points_missing: int = 0


def next_best_offer(
    member: Member, *, promotions: Sequence[MemberPromotion], catalogue: Sequence[RewardOffer]
) -> NextOffer | None:
    """The offer to mention, or None (nothing live that fits, every reward affordable)."""
    scoped = [p for p in promotions if p.scope == "categories"]
    if scoped:
        favourites = (
            CategoryAffinity.objects.for_merchant(member.merchant_id)
            .filter(member=member)
            .order_by("-share", "category")
            .values_list("category", "share")[:TOP_CATEGORIES]
        )
        for category, share in favourites:
            for promotion in scoped:
                if category in promotion.products:
                    return NextOffer(
                        kind="promotion", promotion=promotion, category=category, share=share
                    )
    within_reach = [
        offer
        for offer in catalogue
        if offer.available and not offer.locked_by_tier and not offer.affordable
    ]
    if within_reach:
        nearest = min(within_reach, key=lambda offer: offer.points_missing)
        return NextOffer(
            kind="reward", reward_name=nearest.reward.name, points_missing=nearest.points_missing
        )
    return None
