"""The ledger is append-only: nothing updates or deletes an entry, not even the services."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.models import AppendOnlyError, PointsEntry
from loyalty.points.jobs import (
    award_birthday_bonuses,
    expire_points,
    reevaluate_tiers,
    release_pending_points,
)
from loyalty.points.ledger import add_months, adjust_points, award_bonus, redeem_points
from loyalty.points.purchases import claim_purchase
from loyalty.points.refunds import refund_purchase, reverse_purchase
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import assert_reconciled, configure, ring

WRITES_TO_LEDGER = re.compile(
    r'^\s*(UPDATE|DELETE\s+FROM)\s+"?loyalty_pointsentry\b',
    re.IGNORECASE,
)


@pytest.fixture
def entry(shop_a, member_a) -> PointsEntry:
    sale = ring(shop_a, member_a, "20").purchase
    return PointsEntry.objects.get(purchase=sale)


def test_an_entry_cannot_be_saved_again(entry):
    entry.points = 1000

    with pytest.raises(AppendOnlyError):
        entry.save()

    assert PointsEntry.objects.get(pk=entry.pk).points == 20


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()

    assert PointsEntry.objects.filter(pk=entry.pk).exists()


def test_the_ledger_cannot_be_updated_in_bulk(entry):
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.filter(pk=entry.pk).update(points=1000)
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.all().update(reason="tampered")

    assert PointsEntry.objects.get(pk=entry.pk).points == 20


def test_the_ledger_cannot_be_bulk_updated(entry):
    entry.points = 1000

    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.bulk_update([entry], ["points"])


def test_the_ledger_cannot_be_deleted_in_bulk(entry):
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.all().delete()

    assert PointsEntry.objects.filter(pk=entry.pk).exists()


def test_the_services_never_update_or_delete_an_entry(merchant_a, shop_a, manager_a):
    """A tripwire: every write path of the engine, with the SQL it sends watched."""
    configure(
        merchant_a,
        expiry_mode="after_earning",
        expiry_months=12,
        pending_days=3,
        welcome_bonus=10,
        first_purchase_bonus=20,
        birthday_bonus=30,
        birthday_mode="month",
    )
    now = timezone.now()
    with CaptureQueriesContext(connection) as captured:
        member = enrol_member(merchant=merchant_a, email="ana@example.com", birthday=now.date())
        old = ring(shop_a, member, "100", occurred_at=add_months(now, -13)).purchase
        sale = ring(shop_a, member, "80", occurred_at=now - timedelta(days=1)).purchase
        wrong = ring(shop_a, member, "600", occurred_at=now - timedelta(hours=2)).purchase
        anonymous = ring(shop_a, None, "15").purchase
        claim_purchase(member=member, code=anonymous.claim_code)
        redeem_points(member=member, points=50)
        refund_purchase(purchase=sale, external_id="F1", amount=Decimal("40"))
        refund_purchase(purchase=sale, external_id="F1", amount=Decimal("40"))
        refund_purchase(purchase=old, external_id="F2", amount=Decimal("100"))
        reverse_purchase(purchase=wrong, actor=manager_a, reason="wrong customer")
        adjust_points(member=member, points=25, reason="goodwill", actor=manager_a)
        adjust_points(member=member, points=-5, reason="typo", actor=manager_a)
        award_bonus(member=member, bonus="profile")
        award_birthday_bonuses(today=date.today())
        with time_machine.travel(now + timedelta(days=4), tick=False):
            release_pending_points()
            expire_points()
            reevaluate_tiers()
        expire_points(now=add_months(now, 13))

    statements = [query["sql"] for query in captured.captured_queries]
    assert any("loyalty_pointsentry" in sql for sql in statements)
    assert [sql for sql in statements if WRITES_TO_LEDGER.search(sql)] == []
    kinds = set(PointsEntry.objects.filter(member=member).values_list("kind", flat=True))
    assert kinds == {"earn", "bonus", "redeem", "clawback", "expire", "adjust", "reversal"}
    assert_reconciled(merchant_a)
