"""A sale's effect on its member, in memory: what the sale's transaction wrote, set on the
locked instance, and the member's qualifying value for tiers after it, so that an answer is
built without reading the member again (the API's `presenters.purchase`)."""

from datetime import datetime
from decimal import Decimal

from loyalty.models.points import Program, Tier, TierBasis
from members.models import Member


def tier_value_after(
    program: Program, member: Member, amount: Decimal, occurred_at: datetime, now: datetime
) -> Decimal | None:
    """The spend in the tier window after this sale, from what `read_member_figures` read
    under the lock plus the sale: exact when the sale happens now (the window then ends at
    the sale, and no later sale exists). None otherwise (the answer reads it)."""
    window_value = getattr(member, "window_value", None)
    if program.tier_basis != TierBasis.SPEND or occurred_at != now or window_value is None:
        return None
    return Decimal(window_value) + amount


def figures_in_memory(
    member: Member,
    amount: Decimal,
    earned: int,
    balance: int,
    pending: int,
    occurred_at: datetime,
    new_tier: Tier | None,
) -> None:
    """What `_update_member_figures` (and a referral) wrote, on the locked instance."""
    member.points_balance, member.pending_points = balance, pending
    member.lifetime_points += earned
    member.lifetime_spend += amount
    member.purchase_count += 1
    if member.last_purchase_at is None or occurred_at > member.last_purchase_at:
        member.last_purchase_at = occurred_at
    if member.first_purchase_at is None or occurred_at < member.first_purchase_at:
        member.first_purchase_at = occurred_at
    if new_tier is not None:
        member.tier = new_tier
