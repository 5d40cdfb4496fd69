"""GET /api/v1/vouchers/{code} and POST /api/v1/vouchers/{code}/use."""

from rewards.models import VoucherStatus
from rewards.services import cancel_voucher
from tests.loyalty.api.conftest import assert_problem


def test_a_voucher_by_its_code_however_typed(api_a, voucher_a, member_a):
    answer = api_a.get(f"/api/v1/vouchers/{voucher_a.display_code.lower()}")

    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == voucher_a.code
    assert body["status"] == "issued"
    assert body["kind"] == "free_item"
    assert body["member"] == member_a.card_number
    assert body["expires_at"].endswith("+02:00")
    assert body["conditions"]["expires_at"] == body["expires_at"]


def test_an_unknown_code_is_a_404(api_a, voucher_a):
    assert_problem(api_a.get("/api/v1/vouchers/ZZZZ2222"), 404, "voucher_not_found")


def test_using_a_voucher_marks_it_used_once(api_a, voucher_a, sale_a):
    answer = api_a.post(
        f"/api/v1/vouchers/{voucher_a.code}/use", {"purchase": "R-1"}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "used"
    voucher_a.refresh_from_db()
    assert voucher_a.status == VoucherStatus.USED
    assert voucher_a.used_purchase == sale_a

    again = api_a.post(f"/api/v1/vouchers/{voucher_a.code}/use", {}, format="json")
    body = assert_problem(again, 409, "voucher_used")
    assert "Old Town" in body["detail"]


def test_using_without_a_body_works(api_a, voucher_a, shop_a):
    answer = api_a.post(f"/api/v1/vouchers/{voucher_a.code}/use")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["code"], body["status"]) == (voucher_a.code, "used")
    voucher_a.refresh_from_db()
    assert voucher_a.status == VoucherStatus.USED
    # No purchase named: the voucher is used at the key's shop, tied to no sale.
    assert (voucher_a.used_shop, voucher_a.used_purchase) == (shop_a, None)


def test_a_cancelled_voucher_is_a_409(api_a, voucher_a, owner_a):
    cancel_voucher(voucher=voucher_a, actor=owner_a)

    answer = api_a.post(f"/api/v1/vouchers/{voucher_a.code}/use", {}, format="json")

    assert_problem(answer, 409, "voucher_cancelled")


def test_using_on_an_unknown_purchase_is_a_404(api_a, voucher_a):
    answer = api_a.post(f"/api/v1/vouchers/{voucher_a.code}/use", {"purchase": "X"}, format="json")

    assert_problem(answer, 404, "purchase_not_found")
    voucher_a.refresh_from_db()
    assert voucher_a.status == VoucherStatus.ISSUED
