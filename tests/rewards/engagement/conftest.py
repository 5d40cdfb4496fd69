"""Stamp card fixtures: the café's coffee card (nine coffees, the tenth free)."""

from decimal import Decimal

import pytest

from rewards.models import StampCard, StampEarnOn


def coffee_items(count: int = 1, price: str = "3.00") -> list[dict]:
    return [
        {
            "sku": "ESP",
            "name": "Espresso",
            "category": "coffee",
            "quantity": count,
            "unit_price": price,
        }
    ]


def make_card(merchant, reward, **fields) -> StampCard:
    defaults = {
        "name": "Coffee card",
        "earn_on": StampEarnOn.ITEM,
        "categories": ["coffee"],
        "per_item": True,
        "stamps_needed": 10,
        "item_word": "coffees",
    }
    return StampCard.objects.create(merchant=merchant, reward=reward, **(defaults | fields))


@pytest.fixture
def coffee_card(merchant_a, coffee) -> StampCard:
    return make_card(merchant_a, coffee)


def amount_of(items: list[dict]) -> Decimal:
    return sum((Decimal(str(i["quantity"])) * Decimal(i["unit_price"]) for i in items), Decimal(0))
