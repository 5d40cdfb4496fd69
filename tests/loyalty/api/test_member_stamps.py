"""Stamps through the API: a purchase's items stamp the card; the member's answer shows it."""

import pytest

from rewards.models import Voucher
from tests.rewards.engagement.conftest import make_card

pytestmark = pytest.mark.django_db


def buy(api, member, receipt, coffees):
    return api.post(
        "/api/v1/purchases",
        {
            "external_id": receipt,
            "member": member.card_number,
            "amount": f"{3 * coffees}.00",
            "items": [
                {
                    "sku": "ESP",
                    "name": "Espresso",
                    "category": "coffee",
                    "quantity": str(coffees),
                    "unit_price": "3.00",
                }
            ],
        },
        format="json",
    )


def test_items_stamp_the_card_and_a_refund_takes_them_back(api_a, merchant_a, member_a):
    coffee = merchant_a.rewards.get(kind="free_item")
    card = make_card(merchant_a, coffee, stamps_needed=5)
    assert buy(api_a, member_a, "S1", 3).status_code == 201
    body = api_a.get(f"/api/v1/members/{member_a.card_number}").json()
    assert body["stamp_cards"] == [
        {
            "id": card.pk,
            "name": "Coffee card",
            "stamps": 3,
            "stamps_needed": 5,
            "stamps_left": 2,
            "cards_filled": 0,
            "reward": coffee.name,
        }
    ]
    assert buy(api_a, member_a, "S2", 2).status_code == 201
    assert Voucher.objects.filter(member=member_a, source="stamp_card").count() == 1
    refund = api_a.post(
        "/api/v1/purchases/S1/refunds",
        {"external_id": "RF1", "amount": "9.00"},
        format="json",
    )
    assert refund.status_code == 201, refund.content
    body = api_a.get(f"/api/v1/members/{member_a.card_number}").json()
    # The card that S2 filled lost S1's three stamps: its unused voucher was given back and
    # S2's two stamps moved to the card being filled.
    assert body["stamp_cards"][0]["stamps"] == 2
    assert Voucher.objects.get(member=member_a, source="stamp_card").status == "cancelled"
