"""Merchant B's till tries every API URL with merchant A's card numbers, sales and vouchers.

The URLs come from walking the API's URL patterns, so a new endpoint is covered the day it is
added. Another merchant's object is a 404 exactly like a missing one, and nothing changes.
"""

import pytest
from django.urls import URLPattern, get_resolver

from loyalty.models import Purchase
from loyalty.models.points import PointsEntry
from rewards.models import Voucher, VoucherStatus
from tests.loyalty.api.conftest import assert_problem

BODIES = {
    "redemptions": lambda ids: {"reward": ids["reward_b"]},
    "refunds": lambda ids: {"external_id": "RF-1", "amount": "1.00"},
    "voucher_use": lambda ids: {},
}


def api_routes() -> list[URLPattern]:
    for top in get_resolver().url_patterns:
        if getattr(top, "namespace", None) == "api":
            return [p for p in top.url_patterns if p.pattern.regex.groupindex]
    pytest.fail("the API is not mounted")


ROUTES = api_routes()


@pytest.fixture
def ids(member_a, sale_a, voucher_a, merchant_b):
    return {
        "card_number": member_a.card_number,
        "external_id": sale_a.external_id,
        "code": voucher_a.code,
        "reward_b": merchant_b.rewards.first().pk,
    }


def test_the_walk_finds_every_endpoint_about_one_object():
    names = {route.name for route in ROUTES}
    assert {"member", "redemptions", "purchase", "refunds", "voucher", "voucher_use"} <= names


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_outsider_key_gets_404_for_objects_of_another_merchant(route, ids, api_a, api_b):
    kwargs = {name: ids[name] for name in route.pattern.regex.groupindex}
    url = "/api/v1/" + str(route.pattern)
    for name, value in kwargs.items():
        url = url.replace(f"<str:{name}>", str(value))
    entries = PointsEntry.objects.count()
    purchases = Purchase.objects.count()
    method = "post" if route.name in BODIES else "get"
    body = BODIES[route.name](ids) if method == "post" else None

    answer = getattr(api_b, method)(url, body, format="json")

    assert_problem(answer, 404, answer.json()["code"])
    assert PointsEntry.objects.count() == entries
    assert Purchase.objects.count() == purchases
    assert Voucher.objects.get(code=ids["code"]).status == VoucherStatus.ISSUED
    # The object is there: merchant A's own till reaches it.
    if method == "get":
        assert api_a.get(url).status_code == 200


def test_outsider_cannot_record_a_sale_on_a_card_of_another_merchant(api_b, ids):
    answer = api_b.post(
        "/api/v1/purchases",
        {"external_id": "B-1", "member": ids["card_number"], "amount": "10.00"},
        format="json",
    )

    assert_problem(answer, 404, "member_not_found")
    assert not Purchase.objects.filter(external_id="B-1").exists()


def test_outsider_cannot_use_a_voucher_of_another_merchant_on_a_sale(api_b, ids):
    answer = api_b.post(
        "/api/v1/purchases",
        {"external_id": "B-2", "amount": "10.00", "vouchers": [ids["code"]]},
        format="json",
    )

    body = assert_problem(answer, 404, "voucher_not_found")
    assert body["voucher"] == ids["code"]
    assert not Purchase.objects.filter(external_id="B-2").exists()


def test_a_voucher_cannot_be_used_on_a_sale_of_another_merchant(api_a, ids, merchant_b):
    from decimal import Decimal

    from loyalty.points.purchases import record_purchase

    record_purchase(
        shop=merchant_b.shops.get(), member=None, external_id="B-SALE", amount=Decimal("9.00")
    )
    answer = api_a.post(
        f"/api/v1/vouchers/{ids['code']}/use", {"purchase": "B-SALE"}, format="json"
    )

    assert_problem(answer, 404, "purchase_not_found")
    assert Voucher.objects.get(code=ids["code"]).status == VoucherStatus.ISSUED


def test_outsider_cannot_redeem_a_reward_of_another_merchant(api_a, ids):
    answer = api_a.post(
        f"/api/v1/members/{ids['card_number']}/redemptions",
        {"reward": ids["reward_b"]},
        format="json",
    )

    assert_problem(answer, 404, "reward_not_found")


def test_outsider_finds_nobody_by_another_merchants_contacts(api_b, member_a):
    for query in (
        {"card": member_a.card_number},
        {"email": member_a.email},
        {"card": f"FDL1:aroma:{member_a.card_number}"},
    ):
        answer = api_b.get("/api/v1/members", query)
        assert answer.status_code == 200
        assert answer.json() == {"results": []}


def test_outsider_reads_only_its_own_program_and_rewards(api_b, merchant_a, coffee):
    coffee.name = "Aroma's own coffee"
    coffee.save(update_fields=["name"])
    answer = api_b.get("/api/v1/rewards")

    assert answer.status_code == 200
    assert "Aroma's own coffee" not in answer.content.decode()
