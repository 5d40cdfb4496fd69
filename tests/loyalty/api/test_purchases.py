"""POST /api/v1/purchases and GET /api/v1/purchases/{external_id}."""

import re
from decimal import Decimal

import pytest

from loyalty.models import Purchase
from loyalty.models.points import PointsEntry
from members.services.status import set_member_status
from rewards.models import Voucher, VoucherStatus
from tests.loyalty.api.conftest import assert_problem, rich

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def post(api, **body):
    return api.post("/api/v1/purchases", body, format="json")


def test_a_members_purchase_earns_points_and_answers_the_new_balance(api_a, member_a, shop_a):
    before = member_a.points_balance
    answer = post(
        api_a,
        external_id="R-100",
        member=member_a.card_number,
        amount="23.50",
        currency="eur",
        occurred_at="2026-01-10T09:30:00+02:00",
        items=[
            {
                "sku": "ESP",
                "name": "Espresso",
                "category": "coffee",
                "quantity": 2,
                "unit_price": "3.50",
            },
            {"sku": "CAKE", "name": "Cake", "quantity": "1", "unit_price": 16.5},
        ],
    )

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["external_id"] == "R-100"
    assert body["amount"] == "23.50"
    assert body["points_earned"] == 23
    assert body["points_breakdown"][0] == {"kind": "base", "points": 23, "label": "base"}
    assert body["member"]["points_balance"] == before + 23
    assert body["member"]["tier"] == {"name": "Bronze"}
    assert body["occurred_at"] == "2026-01-10T09:30:00+02:00"
    assert body["claim_code"] is None
    assert body["vouchers_used"] == []
    purchase = Purchase.objects.get(shop=shop_a, external_id="R-100")
    assert purchase.items[0]["unit_price"] == "3.50"


def test_times_are_answered_with_the_merchants_offset(api_a, member_a):
    body = post(
        api_a,
        external_id="R-101",
        member=member_a.card_number,
        amount="1.00",
        occurred_at="2026-01-10T07:30:00Z",
    ).json()

    assert body["occurred_at"] == "2026-01-10T09:30:00+02:00"
    assert ISO_WITH_OFFSET.match(body["member"]["joined_at"])


def test_an_anonymous_sale_gets_a_claim_code(api_a):
    answer = post(api_a, external_id="R-102", member=None, amount="8.00")

    assert answer.status_code == 201
    assert answer.json()["member"] is None
    assert re.fullmatch(r"[A-Z0-9]{8}", answer.json()["claim_code"])


def test_the_same_receipt_again_is_the_same_sale(api_a, member_a):
    first = post(api_a, external_id="R-103", member=member_a.card_number, amount="10.00")
    entries = PointsEntry.objects.count()
    second = post(api_a, external_id="R-103", member=member_a.card_number, amount="10.00")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert PointsEntry.objects.count() == entries


def test_the_same_receipt_with_other_details_is_a_409(api_a, member_a):
    post(api_a, external_id="R-104", member=member_a.card_number, amount="10.00")

    answer = post(api_a, external_id="R-104", member=member_a.card_number, amount="11.00")

    assert_problem(answer, 409, "duplicate_external_id")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "0.00"}, 400, "invalid"),
        ({"amount": "1.005"}, 400, "invalid"),
        ({"amount": "1000000.00"}, 400, "invalid"),
        ({"currency": "USD"}, 400, "wrong_currency"),
        ({"occurred_at": "2026-01-10T09:30:00"}, 400, "invalid"),
        ({"occurred_at": "2999-01-01T00:00:00+00:00"}, 400, "purchase_in_future"),
        ({"occurred_at": "1999-12-31T00:00:00+00:00"}, 400, "invalid"),
        ({"items": [{"unit_price": "1.00"}]}, 400, "items_mismatch"),
        ({"external_id": "   "}, 400, "invalid"),
        ({"member": "1234567890"}, 404, "member_not_found"),
        ({"vouchers": ["A", "a"]}, 400, "invalid"),
    ],
)
def test_invalid_purchases_record_nothing(api_a, member_a, body, status, code):
    answer = post(
        api_a,
        **({"external_id": "R-105", "member": member_a.card_number, "amount": "10.00"} | body),
    )

    assert_problem(answer, status, code)
    assert not Purchase.objects.filter(external_id="R-105").exists()


def test_a_negative_excluded_line_does_not_earn_points_on_more_than_was_paid(
    api_a, merchant_a, member_a
):
    program = merchant_a.program
    program.excluded_categories = ["tobacco"]
    program.save()

    answer = post(
        api_a,
        external_id="R-190",
        member=member_a.card_number,
        amount="10.00",
        items=[
            {"sku": "CIG", "category": "tobacco", "unit_price": "-990.00"},
            {"sku": "COF", "category": "coffee", "unit_price": "1000.00"},
        ],
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["points_earned"] == 10
    assert Purchase.objects.get(external_id="R-190").eligible_amount == Decimal("10.00")


@pytest.mark.parametrize("typed", ["1e5", "1E5", "1e2", "inf", "-inf", "Infinity", "nan", "NaN"])
def test_exponents_and_non_numbers_are_not_amounts(api_a, member_a, typed):
    answer = post(api_a, external_id="R-191", member=member_a.card_number, amount=typed)

    body = assert_problem(answer, 400, "invalid")
    assert "amount" in body["errors"]
    assert not Purchase.objects.filter(external_id="R-191").exists()


def test_an_exponent_in_an_items_price_is_refused(api_a, member_a):
    answer = post(
        api_a,
        external_id="R-192",
        member=member_a.card_number,
        amount="100.00",
        items=[{"sku": "X", "unit_price": "1e2"}],
    )

    body = assert_problem(answer, 400, "invalid")
    assert "items.0.unit_price" in body["errors"]


def test_a_sale_above_the_programs_maximum_is_a_422_with_its_code(api_a, member_a):
    answer = post(api_a, external_id="R-193", member=member_a.card_number, amount="10000.01")

    body = assert_problem(answer, 422, "amount_too_large")
    assert "amount" in body["errors"]
    assert not Purchase.objects.filter(external_id="R-193").exists()


def test_a_blocked_member_earns_nothing_409(api_a, member_a, owner_a):
    set_member_status(member=member_a, actor=owner_a, status="blocked")

    answer = post(api_a, external_id="R-106", member=member_a.card_number, amount="10.00")

    assert_problem(answer, 409, "member_inactive")


def test_vouchers_are_used_on_the_purchase_in_one_go(api_a, member_a, voucher_a):
    answer = post(
        api_a,
        external_id="R-107",
        member=member_a.card_number,
        amount="10.00",
        vouchers=[voucher_a.display_code.lower()],
    )

    assert answer.status_code == 201, answer.content
    assert [v["code"] for v in answer.json()["vouchers_used"]] == [voucher_a.code]
    voucher_a.refresh_from_db()
    assert voucher_a.status == VoucherStatus.USED
    assert voucher_a.used_purchase.external_id == "R-107"


def test_a_voucher_that_cannot_be_used_records_nothing_and_is_named(
    api_a, member_a, voucher_a, shop_a
):
    from rewards.services import use_voucher

    fresh = _another_voucher(shop_a, member_a)
    use_voucher(code=voucher_a.code, shop=shop_a)
    entries = PointsEntry.objects.count()

    answer = post(
        api_a,
        external_id="R-108",
        member=member_a.card_number,
        amount="10.00",
        vouchers=[fresh.code, voucher_a.code],
    )

    body = assert_problem(answer, 409, "voucher_used")
    assert body["voucher"] == voucher_a.code
    assert voucher_a.code in body["detail"]
    assert not Purchase.objects.filter(external_id="R-108").exists()
    assert PointsEntry.objects.count() == entries
    fresh.refresh_from_db()
    assert fresh.status == VoucherStatus.ISSUED


def test_a_voucher_below_its_minimum_is_refused(api_a, member_a, shop_a):
    five_off = member_a.merchant.rewards.get(kind="amount_off")
    from rewards.services import redeem_reward

    rich(shop_a, member_a)
    voucher = redeem_reward(member=member_a, reward=five_off)

    answer = post(
        api_a,
        external_id="R-109",
        member=member_a.card_number,
        amount="10.00",
        vouchers=[voucher.code],
    )

    body = assert_problem(answer, 409, "minimum_not_met")
    assert body["voucher"] == voucher.code


def test_a_retried_purchase_with_vouchers_does_not_use_them_twice(api_a, member_a, voucher_a):
    body = {
        "external_id": "R-110",
        "member": member_a.card_number,
        "amount": "10.00",
        "vouchers": [voucher_a.code],
    }
    first = api_a.post("/api/v1/purchases", body, format="json")
    second = api_a.post("/api/v1/purchases", body, format="json")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Voucher.objects.filter(used_purchase__external_id="R-110").count() == 1


def test_one_purchase_of_this_shop(api_a, sale_a):
    answer = api_a.get("/api/v1/purchases/R-1")

    assert answer.status_code == 200
    assert answer.json()["amount"] == "23.50"
    assert answer.json()["member"]["card_number"] == sale_a.member.card_number


def test_a_purchase_of_another_shop_of_the_same_merchant_is_a_404(api_a, shop_a2, member_a):
    from loyalty.points.purchases import record_purchase

    record_purchase(shop=shop_a2, member=member_a, external_id="S2-1", amount=Decimal("5.00"))

    assert_problem(api_a.get("/api/v1/purchases/S2-1"), 404, "purchase_not_found")


def _another_voucher(shop, member):
    from rewards.services import redeem_reward

    coffee = member.merchant.rewards.get(kind="free_item")
    rich(shop, member, "300.00")
    return redeem_reward(member=member, reward=coffee)
