"""Past sales from a merchant's previous system, added in bulk and without points.

A historic sale is a `Purchase` like any other: it counts for the member's purchase count,
spend and first and last purchase, for a spend-basis tier window at the next re-evaluation,
and for RFM and CLV. It earned nothing here, so it has no ledger entry, no lot and no outbox
event (a history of years would otherwise flood webhooks; the statistics are rebuilt after an
import). The same (shop, external_id) twice is one sale, as at the till.

The history import (`members.services.history_import`) calls `record_history` per batch; with
"award points" it goes through `purchases.record_purchase` instead, one sale at a time.

On PostgreSQL a batch is one COPY into a temporary table and one `INSERT … SELECT … ON
CONFLICT DO NOTHING`: building a model object and binding twenty parameters per row cost
most of the import's time. Elsewhere (SQLite in development and tests) it is `bulk_create`;
both write the same row.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction

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
) -> dict[tuple[int, str], Decimal]:
    """The amounts of the merchant's purchases at these shops with these receipt numbers, by
    (shop id, external id); the (shop, external_id) unique index answers it. On PostgreSQL
    the numbers go as one array (`= ANY`), not as thousands of IN (…) parameters."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Purchase._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                # Names from the model's meta, values as parameters.
                f"SELECT shop_id, external_id, amount FROM {table} "  # noqa: S608
                "WHERE merchant_id = %s AND shop_id = ANY(%s) AND external_id = ANY(%s)",
                [merchant.pk, list(shop_ids), list(external_ids)],
            )
            rows = cursor.fetchall()
    else:
        rows = (
            Purchase.objects.for_merchant(merchant)
            .filter(shop_id__in=list(shop_ids), external_id__in=list(external_ids))
            .order_by()
            .values_list("shop_id", "external_id", "amount")
        )
    return {(shop_id, external_id): amount for shop_id, external_id, amount in rows}


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
    rules = Rules.of(get_program(merchant))
    if connection.vendor == "postgresql":
        added = _copy_insert(merchant, sales, actor, now)
    else:
        added = _bulk_create(merchant, sales, rules, actor, now)
    refresh_purchase_figures(member_ids)
    return added


def _bulk_create(
    merchant: Merchant,
    sales: Sequence[HistoricSale],
    rules: Rules,
    actor: User | None,
    now: datetime,
) -> int:
    known = existing_receipts(
        merchant, [sale.external_id for sale in sales], {sale.shop_id for sale in sales}
    )
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
    return len(new)


# The columns a historic sale brings; every other column of the purchase is the same for the
# whole batch and is taken from a template row. A sale without items earns on its amount.
_VARYING = {
    "shop_id": "shop_id",
    "member_id": "member_id",
    "external_id": "external_id",
    "amount": "amount",
    "occurred_at": "occurred_at",
    "eligible_amount": "amount",
    "points_basis_amount": "amount",
}
_STAGE = "history_sale_stage"
MAX_EXTERNAL_ID = Purchase._meta.get_field("external_id").max_length


def _copy_insert(
    merchant: Merchant, sales: Sequence[HistoricSale], actor: User | None, now: datetime
) -> int:
    """PostgreSQL: COPY the batch into a temporary table, then one INSERT … SELECT that skips
    a receipt recorded before (the unique (shop, external_id) decides); returns the rows added.

    The temporary table lives until the end of the transaction (`ON COMMIT DROP`), so nothing
    of it outlives the batch, even behind a connection pooler.
    """
    template = Purchase(
        merchant=merchant, currency=merchant.currency, recorded_at=now, recorded_by=actor
    )
    columns, selected, params = [], [], []
    for field in Purchase._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in _VARYING:
            selected.append(_VARYING[field.attname])
        else:
            value = field.get_db_prep_save(field.pre_save(template, add=True), connection)
            selected.append(f"%s::{field.db_type(connection)}")
            params.append(value)
    table = connection.ops.quote_name(Purchase._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (shop_id bigint, member_id bigint, "
            f"external_id varchar({MAX_EXTERNAL_ID}), amount numeric(12, 2), "
            "occurred_at timestamptz) "
            "ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {_STAGE}")
        with cursor.cursor.copy(f"COPY {_STAGE} FROM STDIN") as copy:
            for sale in sales:
                copy.write_row(
                    (sale.shop_id, sale.member_id, sale.external_id, sale.amount, sale.occurred_at)
                )
        cursor.execute(
            # Names from the model's meta; the template row's values as parameters.
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(selected)} FROM {_STAGE} "
            "ON CONFLICT (shop_id, external_id) DO NOTHING",
            params,
        )
        return cursor.rowcount
