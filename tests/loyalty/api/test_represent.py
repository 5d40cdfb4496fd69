"""The API's answers from one output serializer per thread (loyalty.api.base.represent) are the
serializer's own `.data`, each in its merchant's time zone, one call after another."""

from datetime import UTC, datetime
from decimal import Decimal

from loyalty.api import presenters
from loyalty.api import serializers as s
from loyalty.api.base import represent
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
