"""A retried sale or refund returns the first answer and changes nothing."""

from decimal import Decimal

import pytest

from loyalty.models import EntryKind, Event, PointsEntry, Purchase, Refund
from loyalty.points.ledger import DuplicateExternalId
from loyalty.points.refunds import refund_purchase
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import assert_reconciled, configure, fresh, ring


def test_the_same_receipt_twice_is_one_sale_with_the_same_answer(merchant_a, shop_a, member_a):
    configure(merchant_a, first_purchase_bonus=25)

    first = ring(shop_a, member_a, "40.00", external_id="T-1001")
    again = ring(shop_a, member_a, "40.00", external_id="T-1001")

    assert first.created and not again.created
    assert again.purchase.pk == first.purchase.pk
    assert again.points_earned == first.points_earned == 65
    assert again.breakdown == first.breakdown
    assert again.explanation == "40 base + 25 first purchase bonus"
    assert Purchase.objects.filter(shop=shop_a, external_id="T-1001").count() == 1
    assert PointsEntry.objects.filter(member=member_a).count() == 2
    assert Event.objects.filter(merchant=merchant_a, type="purchase.recorded").count() == 1
    member = fresh(member_a)
    assert member.points_balance == 65 and member.purchase_count == 1
    assert again.points_balance == 65
    assert_reconciled(merchant_a)


def test_a_receipt_number_is_trimmed_before_it_is_compared(shop_a, member_a):
    first = ring(shop_a, member_a, "10", external_id="T-7")
    again = ring(shop_a, member_a, "10", external_id="  T-7 ")

    assert again.purchase.pk == first.purchase.pk and not again.created


def test_a_retried_anonymous_sale_keeps_its_claim_code(shop_a):
    first = ring(shop_a, None, "9.90", external_id="T-8")
    again = ring(shop_a, None, "9.90", external_id="T-8")

    assert again.purchase.pk == first.purchase.pk
    assert again.purchase.claim_code == first.purchase.claim_code


def test_the_same_receipt_with_another_amount_is_refused(shop_a, member_a):
    ring(shop_a, member_a, "40.00", external_id="T-1001")

    with pytest.raises(DuplicateExternalId) as error:
        ring(shop_a, member_a, "41.00", external_id="T-1001")

    assert error.value.code == "duplicate_external_id"
    assert Purchase.objects.get(shop=shop_a, external_id="T-1001").amount == Decimal("40.00")
    assert fresh(member_a).points_balance == 40


def test_the_same_receipt_for_another_member_is_refused(merchant_a, shop_a, member_a):
    other = enrol_member(merchant=merchant_a, email="eve@example.com")
    ring(shop_a, member_a, "40.00", external_id="T-1001")

    with pytest.raises(DuplicateExternalId):
        ring(shop_a, other, "40.00", external_id="T-1001")

    assert fresh(other).points_balance == 0


def test_the_same_receipt_number_at_another_shop_is_another_sale(shop_a, shop_a2, member_a):
    here = ring(shop_a, member_a, "40.00", external_id="T-1001")
    there = ring(shop_a2, member_a, "40.00", external_id="T-1001")

    assert there.created and there.purchase.pk != here.purchase.pk
    member = fresh(member_a)
    assert member.purchase_count == 2 and member.points_balance == 80


def test_the_same_refund_twice_is_one_refund(merchant_a, shop_a, member_a):
    sale = ring(shop_a, member_a, "40.00").purchase

    first = refund_purchase(purchase=sale, external_id="F-1", amount=Decimal("10.00"))
    again = refund_purchase(purchase=sale, external_id="F-1", amount=Decimal("10.00"))

    assert first.created and not again.created
    assert again.refund.pk == first.refund.pk
    assert again.points_clawed_back == first.points_clawed_back == 10
    assert Refund.objects.filter(purchase=sale).count() == 1
    assert PointsEntry.objects.filter(member=member_a, kind=EntryKind.CLAWBACK).count() == 1
    sale.refresh_from_db()
    assert sale.refunded_amount == Decimal("10.00")
    assert fresh(member_a).points_balance == 30
    assert_reconciled(merchant_a)


def test_the_same_refund_number_with_another_amount_is_refused(shop_a, member_a):
    sale = ring(shop_a, member_a, "40.00").purchase
    refund_purchase(purchase=sale, external_id="F-1", amount=Decimal("10.00"))

    with pytest.raises(DuplicateExternalId):
        refund_purchase(purchase=sale, external_id="F-1", amount=Decimal("20.00"))

    sale.refresh_from_db()
    assert sale.refunded_amount == Decimal("10.00")
