"""A sale's effect on its member, in memory: what the sale's transaction wrote, set on the
locked instance, and the member's qualifying value for tiers after it, so that an answer is
built without reading the member again (the API's `presenters.purchase`)."""

from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import F

from loyalty.compiled import bound_cursor
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
    """What `update_member_figures` (and a referral) wrote, on the locked instance."""
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


# The member's figures after a sale: which fields add to themselves, which are set.
_ADDED = ("points_balance", "pending_points", "lifetime_points", "lifetime_spend", "purchase_count")
_MEMBER_UPDATES: dict[tuple[str, ...], str] = {}


def update_member_row(member_id: int, updates: dict) -> None:
    """The UPDATE of `update_member_figures` on PostgreSQL, its SQL built once per set of
    fields: the ORM's building of it (resolving five F() sums) cost a sale more CPU than every
    other write of it but the purchase (issue 19)."""
    names = tuple(updates)
    sql = _MEMBER_UPDATES.get(names)
    if sql is None:
        quote = connection.ops.quote_name
        sets = []
        for name in names:
            column = quote(Member._meta.get_field(name).column)
            sets.append(f"{column} = {column} + %s" if name in _ADDED else f"{column} = %s")
        sql = _MEMBER_UPDATES[names] = (
            f"UPDATE {quote(Member._meta.db_table)} SET {', '.join(sets)} "  # noqa: S608
            f"WHERE {quote(Member._meta.pk.column)} = %s"
        )
    params = []
    for name, value in updates.items():
        if name in _ADDED:
            params.append(value.rhs.value)  # F(name) + value
        else:
            field = Member._meta.get_field(name)
            raw = value.pk if isinstance(value, Tier) else value
            params.append(field.get_db_prep_save(raw, connection))
    with bound_cursor() as cursor:
        cursor.execute(sql, [*params, member_id])


def update_member_figures(
    member: Member,
    amount: Decimal,
    earned: int,
    to_available: int,
    to_pending: int,
    occurred_at: datetime,
    new_tier: Tier | None,
    now: datetime,
) -> None:
    """The member's caches of the ledger, with F() in the sale's transaction."""
    updates = {
        "points_balance": F("points_balance") + to_available,
        "pending_points": F("pending_points") + to_pending,
        "lifetime_points": F("lifetime_points") + earned,
        "lifetime_spend": F("lifetime_spend") + amount,
        "purchase_count": F("purchase_count") + 1,
        "last_purchase_at": (
            occurred_at
            if member.last_purchase_at is None or occurred_at > member.last_purchase_at
            else member.last_purchase_at
        ),
    }
    if member.first_purchase_at is None or occurred_at < member.first_purchase_at:
        updates["first_purchase_at"] = occurred_at
    if new_tier is not None:
        updates.update(tier=new_tier, tier_since=now, tier_below_since=None)
    if connection.vendor == "postgresql":
        update_member_row(member.pk, updates)
    else:
        Member.objects.filter(pk=member.pk).update(**updates)
