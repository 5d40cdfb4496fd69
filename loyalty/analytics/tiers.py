"""Members by tier, now: the tier distribution of the insights pages.

Counted from the members' rows in one grouped query (each member's `tier` is kept current by
the points engine and the nightly re-evaluation), so the figure is always today's. A member
counts while their card is active: blocked and anonymized cards, and duplicates merged into
another card, are left out.
"""

from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _

from loyalty.models import Merchant, Tier
from members.models import Member, MemberStatus


@dataclass(frozen=True)
class TierCount:
    tier_id: int | None  # None: members below the first tier
    name: str
    members: int


def members_by_tier(merchant: Merchant) -> list[TierCount]:
    """Every tier of the merchant, lowest threshold first, with its active members; members
    with no tier come first, when there are any. Two queries: the tiers and the counts."""
    counts = dict(
        Member.objects.for_merchant(merchant)
        .filter(status=MemberStatus.ACTIVE, merged_into__isnull=True)
        .values("tier_id")
        .annotate(n=Count("*"))  # COUNT(*): an index on (merchant, tier) can answer alone
        .order_by()
        .values_list("tier_id", "n")
    )
    rows = [
        TierCount(tier_id=tier.pk, name=tier.name, members=counts.get(tier.pk, 0))
        for tier in Tier.objects.for_merchant(merchant).order_by("threshold")
    ]
    if counts.get(None):
        rows.insert(0, TierCount(tier_id=None, name=_("No tier"), members=counts[None]))
    return rows
