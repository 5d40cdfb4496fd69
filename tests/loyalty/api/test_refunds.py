"""POST /api/v1/purchases/{external_id}/refunds: points clawed back on the refunded part."""

from loyalty.models.points import Refund
from loyalty.points.refunds import reverse_purchase
from tests.loyalty.api.conftest import assert_problem


def refund(api, purchase="R-1", **body):
    return api.post(f"/api/v1/purchases/{purchase}/refunds", body, format="json")


def test_a_partial_refund_claws_back_its_share_of_the_points(api_a, sale_a, member_a):
    member_a.refresh_from_db()
    before = member_a.points_balance

    answer = refund(api_a, external_id="RF-1", amount="10.00")

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body == body | {"external_id": "RF-1", "purchase": "R-1", "amount": "10.00"}
    # 23 points were earned on 23.50: a refund of 10.00 takes back floor(23 * 10 / 23.5).
    assert body["points_clawed_back"] == 9
    assert body["member"]["points_balance"] == before - 9
    assert body["created_at"].endswith("+02:00")


def test_the_same_refund_again_changes_nothing(api_a, sale_a):
    first = refund(api_a, external_id="RF-2", amount="5.00")
    second = refund(api_a, external_id="RF-2", amount="5.00")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Refund.objects.filter(external_id="RF-2").count() == 1


def test_more_than_is_left_is_a_409(api_a, sale_a):
    refund(api_a, external_id="RF-3", amount="20.00")

    assert_problem(refund(api_a, external_id="RF-4", amount="5.00"), 409, "refund_too_large")


def test_a_reversed_sale_cannot_be_refunded(api_a, sale_a, owner_a):
    reverse_purchase(purchase=sale_a, actor=owner_a, reason="mistake")

    assert_problem(refund(api_a, external_id="RF-5", amount="1.00"), 409, "purchase_reversed")


def test_an_unknown_sale_is_a_404(api_a, sale_a):
    answer = refund(api_a, purchase="NOPE", external_id="RF-6", amount="1.00")

    assert_problem(answer, 404, "purchase_not_found")


def test_an_invalid_refund_is_a_400(api_a, sale_a):
    body = assert_problem(refund(api_a, external_id="", amount="-1"), 400, "invalid")

    assert set(body["errors"]) == {"external_id", "amount"}
