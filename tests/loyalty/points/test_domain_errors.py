"""Bad input is refused with a DomainError whose code the API and the portal can rely on."""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.errors import DomainError
from loyalty.models import PointsEntry, Purchase
from loyalty.points.ledger import (
    InsufficientPoints,
    InvalidAmount,
    ItemsMismatch,
    PurchaseInFuture,
    RefundTooLarge,
    UnknownMember,
    WrongCurrency,
    adjust_points,
    redeem_points,
)
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from tests.loyalty.points.helpers import fresh, ring


@contextmanager
def refused(code: str):
    """pytest.raises for a DomainError that also checks its stable code."""
    with pytest.raises(DomainError) as error:
        yield error
    assert error.value.code == code, error.value.code


@pytest.mark.parametrize("amount", ["0", "0.00", "-5.00"])
def test_it_refuses_a_sale_of_nothing_or_less(shop_a, member_a, amount):
    with refused("invalid_amount") as error:
        ring(shop_a, member_a, amount)

    assert isinstance(error.value, InvalidAmount)
    assert not Purchase.objects.filter(shop=shop_a).exists()


def test_it_refuses_an_amount_with_more_than_two_decimals(shop_a, member_a):
    with refused("invalid_amount"):
        ring(shop_a, member_a, "10.005")


def test_it_refuses_a_float_amount(shop_a, member_a):
    with refused("invalid_amount"):
        record_purchase(shop=shop_a, member=member_a, external_id="R1", amount=10.5)


def test_it_refuses_another_currency(shop_a, member_a):
    assert shop_a.merchant.currency == "EUR"

    with refused("wrong_currency") as error:
        ring(shop_a, member_a, "10", currency="USD")

    assert isinstance(error.value, WrongCurrency)


def test_it_accepts_its_own_currency_in_any_case(shop_a, member_a):
    assert ring(shop_a, member_a, "10", currency="eur").points_earned == 10


def test_it_refuses_a_member_of_another_merchant(shop_a, member_b):
    with refused("unknown_member") as error:
        ring(shop_a, member_b, "10")

    assert isinstance(error.value, UnknownMember)
    assert fresh(member_b).points_balance == 0


def test_it_refuses_items_that_do_not_add_up(shop_a, member_a):
    items = [{"sku": "A", "quantity": 2, "unit_price": "3.00"}]

    with refused("items_mismatch") as error:
        ring(shop_a, member_a, "10.00", items=items)

    assert isinstance(error.value, ItemsMismatch)


def test_it_refuses_a_refund_larger_than_what_is_left(shop_a, member_a):
    sale = ring(shop_a, member_a, "40.00").purchase
    refund_purchase(purchase=sale, external_id="F1", amount=Decimal("30.00"))

    with refused("refund_too_large") as error:
        refund_purchase(purchase=sale, external_id="F2", amount=Decimal("10.01"))

    assert isinstance(error.value, RefundTooLarge)
    sale.refresh_from_db()
    assert sale.refunded_amount == Decimal("30.00")


def test_it_refuses_a_refund_of_nothing(shop_a, member_a):
    sale = ring(shop_a, member_a, "40.00").purchase

    with refused("invalid_amount"):
        refund_purchase(purchase=sale, external_id="F1", amount=Decimal("0"))


def test_it_refuses_a_sale_more_than_five_minutes_in_the_future(shop_a, member_a):
    with refused("purchase_in_future") as error:
        ring(shop_a, member_a, "10", occurred_at=timezone.now() + timedelta(minutes=6))

    assert isinstance(error.value, PurchaseInFuture)


def test_it_tolerates_a_till_clock_a_little_ahead(shop_a, member_a):
    result = ring(shop_a, member_a, "10", occurred_at=timezone.now() + timedelta(minutes=4))

    assert result.created


def test_it_refuses_to_redeem_more_than_the_balance(shop_a, member_a):
    ring(shop_a, member_a, "30")

    with refused("insufficient_points") as error:
        redeem_points(member=member_a, points=31)

    assert isinstance(error.value, InsufficientPoints)
    assert fresh(member_a).points_balance == 30


def test_it_refuses_to_redeem_on_a_negative_balance(shop_a, member_a):
    sale = ring(shop_a, member_a, "30").purchase
    redeem_points(member=member_a, points=30)
    refund_purchase(purchase=sale, external_id="F1", amount=Decimal("30"))
    assert fresh(member_a).points_balance == -30

    with refused("insufficient_points"):
        redeem_points(member=member_a, points=1)

    assert not PointsEntry.objects.filter(member=member_a, kind="redeem", points=-1).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_an_adjustment_without_a_reason(member_a, manager_a, reason):
    with refused("reason_required"):
        adjust_points(member=member_a, points=10, reason=reason, actor=manager_a)

    assert not PointsEntry.objects.filter(member=member_a).exists()


def test_it_refuses_a_sale_without_a_receipt_number(shop_a, member_a):
    with refused("external_id_required"):
        ring(shop_a, member_a, "10", external_id="  ")
