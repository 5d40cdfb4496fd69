"""The API's answers from one output serializer per thread (loyalty.api.base.represent) are the
serializer's own `.data`, each in its merchant's time zone, one call after another; the input
validated by one serializer per thread (loyalty.api.base.validate) is what a new serializer
validates, errors included, whatever the call before it gave."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.exceptions import ValidationError

from loyalty.api import presenters
from loyalty.api import serializers as s
from loyalty.api.base import represent, validate
from loyalty.points.purchases import record_purchase
from members.services.enrolment import enrol_member


def test_each_answer_equals_the_serializers_own_and_keeps_to_its_merchants_clock(
    merchant_a, shop_a, merchant_b
):
    merchant_b.timezone = "America/New_York"
    merchant_b.save(update_fields=["timezone"])
    shop_b = merchant_b.shops.get()
    shop_b.merchant = merchant_b
    at = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    answers = []
    for merchant, shop in ((merchant_a, shop_a), (merchant_b, shop_b), (merchant_a, shop_a)):
        member = enrol_member(merchant=merchant, email=f"ana{len(answers)}@example.com")
        sale = record_purchase(
            shop=shop,
            member=member,
            external_id=f"R-{len(answers)}",
            amount=Decimal("12.50"),
            occurred_at=at,
            items=[{"sku": "ESP", "quantity": 1, "unit_price": "12.50"}],
        ).purchase
        data = presenters.purchase(sale, presenters.MemberPresenter(merchant))

        answer = represent(s.PurchaseOutput, data, merchant)

        assert answer == s.PurchaseOutput(data, context={"merchant": merchant}).data
        answers.append(answer)
    assert answers[0]["occurred_at"] == at.astimezone(merchant_a.tzinfo).isoformat()
    assert answers[1]["occurred_at"] == "2026-07-01T08:00:00-04:00"
    assert answers[2]["occurred_at"] == answers[0]["occurred_at"]
    assert answers[0]["member"]["card_number"] != answers[2]["member"]["card_number"]


def fresh_errors(serializer_class, data) -> dict | None:
    serializer = serializer_class(data=data)
    return None if serializer.is_valid() else serializer.errors


@pytest.mark.parametrize(
    "data",
    [
        {"external_id": "R-1", "member": "4242", "amount": "9.50"},
        {"external_id": " ", "amount": "0", "items": [{"unit_price": "x", "quantity": "-1"}]},
        {"external_id": "R-2", "amount": "3.00", "items": [{"sku": "ESP", "unit_price": "3"}]},
        None,
        ["not", "an", "object"],
        {"external_id": "R-3", "amount": "1.00", "vouchers": ["A" * 40], "currency": "EURO"},
        {"external_id": "R-4", "amount": "2.00", "occurred_at": "2026-07-01T12:00:00+02:00"},
    ],
)
def test_validation_by_the_threads_serializer_is_a_new_serializers(data):
    expected = fresh_errors(s.PurchaseInput, data)
    for _ in range(2):  # the second call finds the serializer the first one used
        if expected is None:
            fresh = s.PurchaseInput(data=data)
            fresh.is_valid(raise_exception=True)
            assert validate(s.PurchaseInput, data) == fresh.validated_data
        else:
            with pytest.raises(ValidationError) as raised:
                validate(s.PurchaseInput, data)
            assert raised.value.detail == expected
    # Nothing of the call stays on the serializer for the next one.
    valid = {"external_id": "R-9", "amount": "1.00"}
    assert validate(s.PurchaseInput, valid)["external_id"] == "R-9"
