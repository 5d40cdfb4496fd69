"""Category affinity on hand-made baskets, every share worked out here: categories in mixed
case, a discount line, a partly refunded sale, a reversed one, a sale older than 12 months, a
member without categories, another merchant; recomputing replaces the rows."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from campaigns.models import CategoryAffinity
from campaigns.segments.affinity import recompute_affinity
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase, reverse_purchase
from members.services.enrolment import enrol_member

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 30)


def line(category: str, quantity: str, unit_price: str, sku: str = "") -> dict:
    return {"sku": sku, "category": category, "quantity": quantity, "unit_price": unit_price}


def basket(shop, member, when: datetime, receipt: str, *items: dict):
    amount = sum(Decimal(i["quantity"]) * Decimal(i["unit_price"]) for i in items)
    return record_purchase(
        shop=shop,
        member=member,
        external_id=receipt,
        amount=amount,
        occurred_at=when.replace(tzinfo=shop.merchant.tzinfo),
        items=list(items),
    ).purchase


def shares(merchant) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    return {
        (row.member.email.split("-")[0], row.category): (row.spend, row.share)
        for row in CategoryAffinity.objects.for_merchant(merchant).select_related("member")
    }


def make_baskets(merchant, shop, owner) -> dict:
    """Ana: 2 x 3.00 "Coffee" + 4.00 "cakes" (10), then 10.00 "coffee" beans and a -2.00
    discount line without a category (8), then 20.00 of "Beans" refunded 5.00 (15 kept: 3/4
    of the line). Not counted: her 50.00 "coffee" reversed, her 30.00 "tea" of 20 June 2025
    (older than 365 days). Bo: one sale whose lines have no category. So Ana's spend:
    coffee 6 + 10 = 16, cakes 4, beans 20 * 3/4 = 15; 35 in all."""
    ana = enrol_member(merchant=merchant, email="ana-aff@example.com")
    bo = enrol_member(merchant=merchant, email="bo-aff@example.com")
    basket(shop, ana, datetime(2026, 5, 2, 9), "A1", line("Coffee", "2", "3.00"),
           line("cakes", "1", "4.00"))  # fmt: skip
    basket(shop, ana, datetime(2026, 5, 9, 9), "A2", line("coffee", "1", "10.00", "BEANS-1"),
           line("", "1", "-2.00"))  # fmt: skip
    beans = basket(shop, ana, datetime(2026, 6, 1, 9), "A3", line("Beans", "1", "20.00"))
    refund_purchase(purchase=beans, external_id="A3-R", amount=Decimal("5.00"))
    typo = basket(shop, ana, datetime(2026, 6, 2, 9), "A4", line("coffee", "5", "10.00"))
    reverse_purchase(purchase=typo, actor=owner, reason="wrong quantity")
    basket(shop, ana, datetime(2025, 6, 20, 9), "A5", line("tea", "1", "30.00"))
    basket(shop, bo, datetime(2026, 6, 3, 9), "B1", line("", "1", "7.00"))
    return {"ana": ana, "bo": bo}


def test_shares_of_spend_per_category(merchant_a, shop_a, owner_a):
    make_baskets(merchant_a, shop_a, owner_a)

    assert recompute_affinity(merchant_a, TODAY) == 3

    # 16 / 35 = 0.45714..., 4 / 35 = 0.11428..., 15 / 35 = 0.42857...
    assert shares(merchant_a) == {
        ("ana", "coffee"): (Decimal("16.00"), Decimal("0.4571")),
        ("ana", "cakes"): (Decimal("4.00"), Decimal("0.1143")),
        ("ana", "beans"): (Decimal("15.00"), Decimal("0.4286")),
    }


def test_the_window_is_the_last_12_months_of_the_day_computed(merchant_a, shop_a, owner_a):
    make_baskets(merchant_a, shop_a, owner_a)

    # On 1 May 2026 only the June 2025 tea is in the window (and 30 June 2026 is not yet).
    recompute_affinity(merchant_a, date(2026, 5, 1))

    assert shares(merchant_a) == {("ana", "tea"): (Decimal("30.00"), Decimal("1.0000"))}


def test_recomputing_replaces_the_rows_of_that_merchant_only(
    merchant_a, shop_a, owner_a, merchant_b
):
    people = make_baskets(merchant_a, shop_a, owner_a)
    zoe = enrol_member(merchant=merchant_b, email="zoe-aff@example.com")
    basket(merchant_b.shops.get(), zoe, datetime(2026, 6, 5, 9), "Z1", line("Bread", "2", "2.50"))
    recompute_affinity(merchant_b, TODAY)
    recompute_affinity(merchant_a, TODAY)
    cakes = people["ana"].purchases.get(external_id="A1")
    refund_purchase(purchase=cakes, external_id="A1-R", amount=Decimal("10.00"))

    assert recompute_affinity(merchant_a, TODAY) == 2
    assert recompute_affinity(merchant_a, TODAY) == 2

    # A1 fully refunded: coffee 10, beans 15 of 25.
    assert shares(merchant_a) == {
        ("ana", "coffee"): (Decimal("10.00"), Decimal("0.4000")),
        ("ana", "beans"): (Decimal("15.00"), Decimal("0.6000")),
    }
    assert shares(merchant_b) == {("zoe", "bread"): (Decimal("5.00"), Decimal("1.0000"))}
