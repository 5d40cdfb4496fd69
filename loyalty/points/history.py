"""Past sales from a merchant's previous system, added in bulk and without points.

A historic sale is a `Purchase` like any other: it counts for the member's purchase count,
spend and first and last purchase, for a spend-basis tier window at the next re-evaluation,
and for RFM and CLV. It earned nothing here, so it has no ledger entry, no lot and no outbox
event (a history of years would otherwise flood webhooks; the statistics are rebuilt after an
import). The same (shop, external_id) twice is one sale, as at the till.

The history import (`members.services.history_import`) calls `record_history` per batch; with
"award points" it goes through `purchases.record_purchase` instead, one sale at a time.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from loyalty.models import Merchant, User
from loyalty.models.points import Purchase
from loyalty.points.earning import Rules, eligible_amount
from loyalty.points.ledger import get_program
from loyalty.points.reconcile import refresh_purchase_figures
from members.models import Member


@dataclass(frozen=True)
class HistoricSale:
    shop_id: int
    member_id: int
    external_id: str
    amount: Decimal
    occurred_at: datetime


def existing_receipts(
    merchant: Merchant, external_ids: Sequence[str], shop_ids: Iterable[int]
) -> dict[tuple, Purchase]:
    """The merchant's purchases at these shops with these receipt numbers, by (shop id,
    external id); the (shop, external_id) unique index answers it."""
    found = (
        Purchase.objects.for_merchant(merchant)
        .filter(shop_id__in=list(shop_ids), external_id__in=list(external_ids))
        .order_by()
    )
    return {
        (p.shop_id, p.external_id): p
        for p in found.only("pk", "shop_id", "external_id", "amount", "member_id")
    }


@transaction.atomic
def record_history(
    *, merchant: Merchant, sales: Sequence[HistoricSale], actor: User | None, now: datetime
) -> int:
    """Add the sales not recorded yet, with no points, and refresh their members' purchase
    caches; returns how many were added. One transaction (the caller's, when it has one).

    The sales were checked by the caller (amounts, times, the members are the merchant's).
    """
    if not sales:
        return 0
    member_ids = sorted({sale.member_id for sale in sales})
    # In id order, like every lock of several members, so two batches cannot deadlock.
    list(
        Member.objects.for_merchant(merchant)
        .select_for_update()
        .filter(pk__in=member_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    known = existing_receipts(
        merchant, [sale.external_id for sale in sales], {sale.shop_id for sale in sales}
    )
    rules = Rules.of(get_program(merchant))
    new = [
        Purchase(
            merchant=merchant,
            shop_id=sale.shop_id,
            member_id=sale.member_id,
            external_id=sale.external_id,
            amount=sale.amount,
            currency=merchant.currency,
            occurred_at=sale.occurred_at,
            recorded_at=now,
            eligible_amount=eligible_amount(rules, sale.amount, []),
            points_basis_amount=sale.amount,
            recorded_by=actor,
        )
        for sale in sales
        if (sale.shop_id, sale.external_id) not in known
    ]
    # The unique (shop, external_id) still decides if another import adds the same receipt
    # between the look-up and the insert: that row is skipped, not an error.
    Purchase.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    refresh_purchase_figures(member_ids)
    return len(new)
