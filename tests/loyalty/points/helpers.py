"""Helpers for the points engine tests: a till that rings sales, program rules, events."""

import itertools
from decimal import Decimal

from loyalty.models import Event, Merchant, PointsEntry, Program, Shop
from loyalty.points.purchases import PurchaseResult, record_purchase
from loyalty.points.reconcile import differences
from members.models import Member

_receipts = itertools.count(1)


def configure(merchant: Merchant, **rules) -> Program:
    """Change the program's rules the way the settings page does, and save them."""
    program = merchant.program
    for name, value in rules.items():
        setattr(program, name, value)
    program.save()
    return program


def ring(
    shop: Shop,
    member: Member | None,
    amount: str | Decimal,
    *,
    external_id: str | None = None,
    **kwargs,
) -> PurchaseResult:
    """Record a sale at the till with a fresh receipt number unless one is given."""
    return record_purchase(
        shop=shop,
        member=member,
        external_id=external_id or f"R{next(_receipts)}",
        amount=Decimal(amount),
        **kwargs,
    )


def fresh(member: Member) -> Member:
    member.refresh_from_db()
    return member


def events_of(merchant: Merchant, type_: str) -> list[dict]:
    return [e.payload for e in Event.objects.filter(merchant=merchant, type=type_)]


def ledger_sum(member: Member) -> int:
    return sum(PointsEntry.objects.filter(member=member).values_list("points", flat=True))


def assert_reconciled(merchant: Merchant | None = None) -> None:
    """Every cache matches the ledger (what `manage.py reconcile_points` proves)."""
    found = list(differences(merchant))
    assert found == [], found
