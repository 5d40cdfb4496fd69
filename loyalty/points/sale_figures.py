"""What a sale reads after the member's lock, in one statement whose SQL is built once.

`read_sale_figures` sets on the locked member what `ledger.read_member_figures` sets (the tier,
`window_value`, `purchases_today` under a daily limit) and the sale probes of the hooks
(`hooks.sale_probes`), and returns the merchant's tiers by threshold: the member row, the
tier window's sum, today's count, one `EXISTS` per probe and the tiers as an array of JSON rows,
one round trip.

Building that statement through the ORM (eight subqueries) cost more CPU than running it, on
every sale. Its text depends only on the program's shape (the tier basis, whether a daily
limit applies, the probes registered), so it is compiled once per shape with stand-in values
and kept; each sale passes its own values in the stand-ins' places (the member, the window's
start, the day's bounds). Reads only, after the lock, as before (see `ledger.lock_member`).
"""

import json
from datetime import UTC, datetime
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, TextField
from django.db.models.functions import Cast, JSONObject

from loyalty.compiled import bound_cursor
from loyalty.models.points import Program, Tier
from loyalty.points.hooks import sale_probe_names, sale_probes
from loyalty.points.ledger import (
    local_day,
    purchases_between_subquery,
    read_member_figures,
    tier_window_start,
    tiers_of,
    window_value_subquery,
)
from members.models import Member

# In the model's order of fields, as Model.from_db takes them.
_TIER_FIELDS = tuple(
    field.attname
    for field in Tier._meta.concrete_fields
    if field.attname
    in {"id", "merchant_id", "name", "translations", "threshold", "multiplier", "benefits"}
)
# Stand-ins while the statement is compiled: values no real sale passes.
_MEMBER = -7_919_000_000_001
_WINDOW = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
_DAY_START = datetime(1902, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
_DAY_END = datetime(1903, 4, 5, 6, 7, 8, 901234, tzinfo=UTC)

# (database alias, tier basis, daily limit, probe names) -> (sql, params, stand-ins' places)
_COMPILED: dict[tuple, tuple[str, list, dict[int, object]]] = {}


def read_sale_figures(member: Member, program: Program, occurred_at: datetime, tz) -> list[Tier]:
    """The figures of a locked member for a sale, its probes, and the merchant's tiers."""
    if connection.vendor != "postgresql":
        read_member_figures(member, program, occurred_at, tz)
        for name in sale_probe_names():
            setattr(member, name, None)  # unknown: every hook reads as before
        return tiers_of(member.merchant)
    daily = bool(program.max_purchases_per_day)
    probes = sale_probe_names()  # building the probes cost more than the sale's statement
    shape = (connection.alias, program.tier_basis, daily, tuple(probes))
    if shape not in _COMPILED:
        _COMPILED[shape] = _compile(program, daily)
    sql, params, places = _COMPILED[shape]
    day_start, day_end = local_day(occurred_at, tz)
    values = {
        _MEMBER: member.pk,
        _WINDOW: tier_window_start(program, occurred_at, tz),
        _DAY_START: day_start,
        _DAY_END: day_end,
    }
    bound = list(params)
    for index, stand_in in places.items():
        bound[index] = values[stand_in]
    with bound_cursor() as cursor:
        cursor.execute(sql, bound)
        row = cursor.fetchone()
    tier_id, window_value, *rest = row
    today = rest.pop(0) if daily else None
    rows = rest.pop()
    tiers = [_tier_of(json.loads(r) if isinstance(r, str) else r) for r in rows or []]
    member.window_value = window_value
    if daily:
        member.purchases_today = today
    for name, found in zip(probes, rest, strict=True):
        setattr(member, name, bool(found))
    member.tier = next((tier for tier in tiers if tier.pk == tier_id), None)
    if tier_id is not None and member.tier is None:  # not among the tiers read: read it
        member.tier = Tier.objects.get(pk=tier_id)
    return tiers


def _compile(program: Program, daily: bool) -> tuple[str, list, dict[int, object]]:
    annotations = {"window_value": window_value_subquery(program, _WINDOW)}
    if daily:
        annotations["purchases_today"] = purchases_between_subquery(_DAY_START, _DAY_END)
    annotations.update(sale_probes())
    annotations["sale_tier_rows"] = _tier_rows()
    query = (
        Member.objects.filter(pk=_MEMBER)
        .annotate(**annotations)
        .order_by()
        .values_list("tier_id", *annotations)
    )
    sql, params = query.query.sql_with_params()
    stand_ins = (_MEMBER, _WINDOW, _DAY_START, _DAY_END)
    places = {
        index: value
        for index, value in enumerate(params)
        if any(type(value) is type(s) and value == s for s in stand_ins)
    }
    if _MEMBER not in places.values():
        raise RuntimeError("the sale's figures statement lost its member")  # never: a guard
    return sql, list(params), places


def _tier_rows() -> ArraySubquery:
    """The outer member's merchant's tiers, by threshold, each as JSON (the decimals as text,
    so that nothing passes through a float)."""
    return ArraySubquery(
        Tier.objects.filter(merchant_id=OuterRef("merchant_id"))
        .order_by("threshold")
        .values(
            row=JSONObject(
                id="id",
                merchant_id="merchant_id",
                name="name",
                threshold=Cast("threshold", TextField()),
                multiplier=Cast("multiplier", TextField()),
                benefits="benefits",
                translations="translations",
            )
        )
    )


def _tier_of(values: dict) -> Tier:
    values = values | {
        "threshold": Decimal(values["threshold"]),
        "multiplier": Decimal(values["multiplier"]),
        # The till names the tier in its reader's language (loyalty.content).
        "translations": _json(values.get("translations")),
    }
    return Tier.from_db(connection.alias, list(_TIER_FIELDS), [values[f] for f in _TIER_FIELDS])


def _json(value) -> dict:
    # PostgreSQL nests the JSON object; a text column would come as its text.
    if isinstance(value, str):
        return json.loads(value)
    return value or {}
