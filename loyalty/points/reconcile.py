"""Recompute every member cache from the ledger, the lots and the purchases, and compare."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, IntegerField, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from loyalty.models import Merchant
from loyalty.models.points import EntryKind, PointsEntry, PointsLot, Purchase
from loyalty.points.ledger import earned_subquery
from members.models import Member

EARNED_KINDS = [EntryKind.EARN, EntryKind.BONUS, EntryKind.CLAWBACK, EntryKind.REVERSAL]


def _sum(queryset, expression, output=None):
    return Coalesce(
        Subquery(
            queryset.values("member").annotate(v=expression).values("v")[:1],
            output_field=output or IntegerField(),
        ),
        0,
        output_field=output or IntegerField(),
    )


@dataclass
class Difference:
    member_id: int
    card_number: str
    field: str
    cached: object
    expected: object


def _annotated(members):
    """The members with what the ledger, their lots and their purchases say of each cache."""
    entries = PointsEntry.objects.filter(member=OuterRef("pk"))
    lots = PointsLot.objects.filter(member=OuterRef("pk"))
    purchases = Purchase.objects.filter(member=OuterRef("pk"), reversed_at__isnull=True)
    money = Member._meta.get_field("lifetime_spend")
    return members.annotate(
        x_total=_sum(entries, Sum("points")),
        x_lifetime=earned_subquery(),
        x_pending=_sum(lots.filter(released=False), Sum("remaining")),
        x_released=_sum(lots.filter(released=True), Sum("remaining")),
        x_negative_lots=_sum(
            lots.filter(Q(remaining__lt=0) | Q(remaining__gt=F("points"))), Count("pk")
        ),
        x_spend=_sum(purchases, Sum(F("amount") - F("refunded_amount")), money),
        x_count=_sum(purchases, Count("pk")),
        x_first=Subquery(purchases.values("member").annotate(v=Min("occurred_at")).values("v")[:1]),
        x_last=Subquery(purchases.values("member").annotate(v=Max("occurred_at")).values("v")[:1]),
    )


def expected_caches(member_id: int) -> dict:
    """The caches of one member as the ledger, lots and purchases define them."""
    m = _annotated(Member.objects.filter(pk=member_id)).get()
    return {
        "points_balance": m.x_total - m.x_pending,
        "pending_points": m.x_pending,
        "lifetime_points": m.x_lifetime,
        "lifetime_spend": Decimal(m.x_spend).quantize(Decimal("0.01")),
        "purchase_count": m.x_count,
        "first_purchase_at": m.x_first,
        "last_purchase_at": m.x_last,
    }


def recompute_member_caches(member: Member) -> dict:
    """Write the member's caches from the ledger, lots and purchases (same definitions as
    `differences`). The caller holds the member's row lock in its transaction."""
    values = expected_caches(member.pk)
    Member.objects.filter(pk=member.pk).update(**values)
    for name, value in values.items():
        setattr(member, name, value)
    return values


def refresh_purchase_figures(member_ids: Iterable[int]) -> int:
    """Write the purchase caches (count, spend, first and last purchase) of these members from
    their purchases, with the definitions `differences` checks: one grouped query, then one
    bulk UPDATE. A member without a purchase left is not touched.

    For sales added in bulk (the history import). The caller holds the members' row locks in
    its transaction, so a sale at the till waits and then adds to what is written here.
    """
    ids = sorted(set(member_ids))
    if connection.vendor == "postgresql":
        return _refresh_in_postgresql(ids)
    # Read once, then written by id: a correlated subquery per member, or a join to the
    # grouped query, is planned from the statistics, and during a bulk load those still
    # describe the tables before it (a nested loop that re-ran the aggregate per member).
    figures = (
        Purchase.objects.filter(member_id__in=ids, reversed_at__isnull=True)
        .order_by()
        .values("member_id")
        .annotate(
            n=Count("pk"),
            spend=Sum(F("amount") - F("refunded_amount")),
            first=Min("occurred_at"),
            last=Max("occurred_at"),
        )
        .values_list("member_id", "n", "spend", "first", "last")
    )
    members = [
        Member(
            pk=member_id,
            purchase_count=count,
            lifetime_spend=Decimal(spend).quantize(Decimal("0.01")),
            first_purchase_at=first,
            last_purchase_at=last,
        )
        for member_id, count, spend, first, last in figures
    ]
    return Member.objects.bulk_update(
        members,
        ["purchase_count", "lifetime_spend", "first_purchase_at", "last_purchase_at"],
        batch_size=1000,
    )


def _refresh_in_postgresql(ids: list[int]) -> int:
    """One UPDATE, each member's figures from its own purchases (the member_id index): the
    plan stays the same whatever the statistics say, and there is no thousand-branch CASE per
    column, which `bulk_update` writes and which cost more than the aggregate itself. The
    members with a purchase are found first (a join or EXISTS in the UPDATE can be planned
    as a scan of every purchase per member while the statistics are stale)."""
    with_purchases = list(
        Purchase.objects.filter(member_id__in=ids, reversed_at__isnull=True)
        .order_by()
        .values_list("member_id", flat=True)
        .distinct()
    )
    if not with_purchases:
        return 0
    purchases = connection.ops.quote_name(Purchase._meta.db_table)
    members = connection.ops.quote_name(Member._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # Table names from the models' meta; the ids as a parameter.
            f"UPDATE {members} AS m SET (purchase_count, lifetime_spend, first_purchase_at,"  # noqa: S608
            f" last_purchase_at) = (SELECT COUNT(*), SUM(p.amount - p.refunded_amount),"
            f" MIN(p.occurred_at), MAX(p.occurred_at) FROM {purchases} AS p"
            f" WHERE p.member_id = m.id AND p.reversed_at IS NULL)"
            f" WHERE m.id = ANY(%s)",
            [sorted(with_purchases)],
        )
        return cursor.rowcount


def differences(merchant: Merchant | None = None) -> Iterator[Difference]:
    """Every cache that does not match what the ledger, lots and purchases say."""
    members = Member.objects.all()
    if merchant is not None:
        members = members.for_merchant(merchant)
    members = _annotated(members).order_by("pk")
    for m in members.iterator(chunk_size=2000):
        expected_available = m.x_total - m.x_pending
        checks = [
            ("points_balance", m.points_balance, expected_available),
            ("pending_points", m.pending_points, m.x_pending),
            ("lifetime_points", m.lifetime_points, m.x_lifetime),
            ("lifetime_spend", m.lifetime_spend, Decimal(m.x_spend).quantize(Decimal("0.01"))),
            ("purchase_count", m.purchase_count, m.x_count),
            ("first_purchase_at", m.first_purchase_at, m.x_first),
            ("last_purchase_at", m.last_purchase_at, m.x_last),
            ("lots_within_bounds", 0, m.x_negative_lots),
        ]
        # The available balance is what is left in released lots, unless a clawback made it
        # negative, in which case every released lot is empty.
        lots_expected = max(expected_available, 0)
        checks.append(("released_lots_remaining", m.x_released, lots_expected))
        for name, cached, expected in checks:
            if cached != expected:
                yield Difference(m.pk, m.card_number, name, cached, expected)
