"""POST /api/v1/members/{card_number}/redemptions: points for a reward, answered as a voucher."""

from rewards.models import Voucher, VoucherStatus
from tests.loyalty.api.conftest import assert_problem, rich


def redeem(api, member, reward_id):
    return api.post(
        f"/api/v1/members/{member.card_number}/redemptions", {"reward": reward_id}, format="json"
    )


def test_redeeming_spends_points_and_answers_the_voucher(api_a, member_a, shop_a, coffee):
    balance = rich(shop_a, member_a).points_balance

    answer = redeem(api_a, member_a, coffee.pk)

    assert answer.status_code == 201, answer.content
    body = answer.json()
    voucher = Voucher.objects.get(code=body["code"])
    assert voucher.member == member_a and voucher.status == VoucherStatus.ISSUED
    assert body["status"] == "issued"
    assert body["member"] == member_a.card_number
    assert body["value"] == "3.00"
    assert body["conditions"]["item"] == "Coffee"
    member_a.refresh_from_db()
    assert member_a.points_balance == balance - 300


def test_not_enough_points_is_a_409(api_a, member_a, coffee):
    assert_problem(redeem(api_a, member_a, coffee.pk), 409, "insufficient_points")
    assert not Voucher.objects.exists()


def test_a_tier_reward_below_the_tier_is_a_409(api_a, member_a, merchant_a, owner_a):
    from loyalty.points.ledger import adjust_points

    fifteen = merchant_a.rewards.get(kind="percent_off")
    adjust_points(member=member_a, points=5000, reason="goodwill", actor=owner_a)

    assert_problem(redeem(api_a, member_a, fifteen.pk), 409, "tier_too_low")
    assert not Voucher.objects.exists()


def test_an_unknown_reward_is_a_404(api_a, member_a):
    assert_problem(redeem(api_a, member_a, 2**31 - 1), 404, "reward_not_found")


def test_a_redemption_with_an_idempotency_key_issues_one_voucher(api_a, member_a, shop_a, coffee):
    rich(shop_a, member_a)
    url = f"/api/v1/members/{member_a.card_number}/redemptions"
    first = api_a.post(url, {"reward": coffee.pk}, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    second = api_a.post(url, {"reward": coffee.pk}, format="json", HTTP_IDEMPOTENCY_KEY="r1")

    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert Voucher.objects.filter(member=member_a).count() == 1
