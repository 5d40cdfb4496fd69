"""Category affinity (`CategoryAffinity`): each member's share of spend per category over the
last 12 months, recomputed nightly with the RFM scores, in SQL.

The source is `Purchase.items`, the line items the till or the API sent and
`loyalty.points.sale_checks.validate_sale` cleaned: a JSON list of
``{"sku", "name", "category", "quantity", "unit_price"}`` with the numbers as strings. A line
is worth quantity x unit price (a missing quantity is 1). What counts:

- the purchases the rollups count (`counted_purchases`: not reversed, not fully refunded) of
  the merchant's active members, in the 365 local days ending on the day computed;
- a partly refunded purchase's lines by the share that was kept, (amount - refunded) / amount:
  a refund names no lines, so it is spread over all of them;
- lines with a category, lower-cased as the earning rules compare them ("Coffee" and "coffee"
  are one category). Lines without one (a discount line, a till that sends no categories) are
  left out of the shares;
- per member and category the summed spend; a category whose net spend is not above zero (a
  discount bigger than the goods) is dropped, and each share is the category's spend over the
  member's spend in the categories kept, so a member's shares add up to 1 (to rounding).

A member with no categorised line has no row. How: the merchant's rows are deleted and one
``INSERT ... SELECT`` writes them again, in one transaction. The purchases are the ORM's query
(member, items, amounts); around it, the JSON is unnested by the database: PostgreSQL's
``jsonb_array_elements``, SQLite's ``json_each`` (the only vendor branch), then grouped by
member and category, and ``SUM(...) OVER (PARTITION BY member)`` gives the shares.
"""

from datetime import date, timedelta

from django.db import connection, transaction

from campaigns.models import CategoryAffinity
from loyalty.analytics.cohorts import counted_purchases
from loyalty.clock import day_span, local_today
from loyalty.models import Merchant
from members.models import MemberStatus

WINDOW_DAYS = 365

# The per-vendor part: unnest the items, read a line's category, quantity and unit price.
UNNEST = {
    "postgresql": (
        "CROSS JOIN LATERAL jsonb_array_elements("
        "CASE WHEN jsonb_typeof(p.items) = 'array' THEN p.items ELSE '[]'::jsonb END) AS line",
        "line ->> 'category'",
        "CAST(COALESCE(NULLIF(line ->> 'quantity', ''), '1') AS numeric)",
        "CAST(NULLIF(line ->> 'unit_price', '') AS numeric)",
    ),
    "sqlite": (
        ", json_each(CASE WHEN json_type(p.items) = 'array' THEN p.items ELSE '[]' END) AS line",
        "json_extract(line.value, '$.category')",
        "CAST(COALESCE(NULLIF(json_extract(line.value, '$.quantity'), ''), '1') AS REAL)",
        "CAST(NULLIF(json_extract(line.value, '$.unit_price'), '') AS REAL)",
    ),
}


def purchases_sql(merchant: Merchant, today: date) -> tuple[str, list]:
    """The ORM's SQL of the counted purchases of the window: member_id, items, amounts."""
    start, end = day_span(today - timedelta(days=WINDOW_DAYS - 1), today, merchant.tzinfo)
    purchases = (
        counted_purchases(merchant)
        .filter(occurred_at__gte=start, occurred_at__lt=end, member__status=MemberStatus.ACTIVE)
        .values("member_id", "items", "amount", "refunded_amount")
    )
    sql, params = purchases.query.sql_with_params()
    return sql, list(params)


def affinity_statement(merchant: Merchant, today: date) -> tuple[str, list]:
    unnest, category, quantity, unit_price = UNNEST[connection.vendor]
    source, params = purchases_sql(merchant, today)
    table = connection.ops.quote_name(CategoryAffinity._meta.db_table)
    # The inner statement is the ORM's own SQL with its parameters; the rest is constants.
    statement = (
        f"INSERT INTO {table} (merchant_id, member_id, category, spend, share) "  # noqa: S608
        "SELECT %s, c.member_id, c.category, ROUND(c.spend, 2), "
        "ROUND(c.spend / SUM(c.spend) OVER (PARTITION BY c.member_id), 4) FROM ("
        f"SELECT p.member_id, SUBSTR(LOWER({category}), 1, 100) AS category, "
        f"SUM({quantity} * {unit_price} * (p.amount - p.refunded_amount) * 1.0 / p.amount) "
        "AS spend "
        f"FROM ({source}) p {unnest} "
        f"WHERE COALESCE({category}, '') <> '' "
        f"GROUP BY p.member_id, SUBSTR(LOWER({category}), 1, 100)) c WHERE c.spend > 0"
    )
    return statement, [merchant.pk, *params]


@transaction.atomic
def recompute_affinity(merchant: Merchant, today: date | None = None) -> int:
    """Replace the merchant's affinity rows with the shares of the 12 months ending `today`
    (default: the merchant's today). Returns the rows written."""
    today = today or local_today(merchant)
    statement, params = affinity_statement(merchant, today)
    CategoryAffinity.objects.for_merchant(merchant).delete()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount
