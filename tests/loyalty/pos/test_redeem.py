"""Redeeming a reward at the till: confirm, the voucher is issued once and usable at once."""

from decimal import Decimal

from loyalty.models import Purchase
from loyalty.pos.services import new_form_token
from rewards.models import RewardKind, Voucher, VoucherStatus
from tests.loyalty.pos.conftest import HX, find, give_points, sell


def coffee_of(merchant):
    return merchant.rewards.get(kind=RewardKind.FREE_ITEM)  # the sample: 300 points


def redeem(client, member, reward, token=None):
    find(client, member)  # a member found at the till, as the panel's button needs
    return client.post(
        f"/pos/members/{member.pk}/redeem/",
        {"token": token or new_form_token(), "reward": reward.pk},
        **HX,
    )


def test_the_panel_lists_rewards_they_can_afford(cashier_client, ana, shop_a, merchant_a):
    give_points(shop_a, ana, "320.00", "R-1")

    find(cashier_client, ana)
    html = cashier_client.get(f"/pos/members/{ana.pk}/", **HX).content.decode()

    assert "Rewards they can have now" in html
    assert "Redeem Free coffee" in html


def test_redeeming_asks_to_confirm_first(cashier_client, ana, shop_a, merchant_a):
    give_points(shop_a, ana, "320.00", "R-1")
    coffee = coffee_of(merchant_a)
    find(cashier_client, ana)

    answer = cashier_client.get(f"/pos/members/{ana.pk}/redeem/", {"reward": coffee.pk}, **HX)

    assert "Redeem Free coffee?" in answer.content.decode()
    assert not Voucher.objects.exists()


def test_it_issues_the_voucher_and_fills_it_in_for_this_sale(
    cashier_client, ana, shop_a, merchant_a
):
    give_points(shop_a, ana, "320.00", "R-1")

    answer = redeem(cashier_client, ana, coffee_of(merchant_a))

    assert answer.status_code == 200
    voucher = Voucher.objects.get()
    html = answer.content.decode()
    assert f'Voucher <strong class="mono">{voucher.masked_code}</strong> issued' in html
    # Filled in to use on this sale: the one place the till needs the code itself.
    assert f'value="{voucher.display_code}"' in html
    ana.refresh_from_db()
    assert ana.points_balance == 20


def test_the_same_redeem_form_twice_issues_one_voucher(cashier_client, ana, shop_a, merchant_a):
    give_points(shop_a, ana, "700.00", "R-1")
    token = new_form_token()

    redeem(cashier_client, ana, coffee_of(merchant_a), token)
    redeem(cashier_client, ana, coffee_of(merchant_a), token)

    assert Voucher.objects.count() == 1
    ana.refresh_from_db()
    assert ana.points_balance == 400


def test_too_few_points_is_said_and_nothing_is_issued(cashier_client, ana, merchant_a):
    answer = redeem(cashier_client, ana, coffee_of(merchant_a))

    assert answer.status_code == 409
    assert not Voucher.objects.exists()


def test_the_voucher_is_used_on_the_next_sale(cashier_client, ana, shop_a, merchant_a):
    give_points(shop_a, ana, "320.00", "R-1")
    redeem(cashier_client, ana, coffee_of(merchant_a))
    voucher = Voucher.objects.get()

    answer = sell(cashier_client, ana, "4.00", voucher=voucher.display_code)

    assert answer.status_code == 200
    voucher.refresh_from_db()
    sale = Purchase.objects.get(amount=Decimal("4.00"))
    assert (voucher.status, voucher.used_purchase, voucher.used_shop) == (
        VoucherStatus.USED,
        sale,
        shop_a,
    )
    assert f"Voucher {voucher.masked_code} used" in answer.content.decode()
    assert voucher.code not in answer.content.decode()


def test_a_voucher_that_cannot_be_used_leaves_no_sale(cashier_client, ana):
    answer = sell(cashier_client, ana, "4.00", voucher="NOPE-NOPE")

    assert answer.status_code == 422
    assert "No voucher with this code" in answer.content.decode()
    assert not Purchase.objects.exists()


def test_another_merchants_reward_is_404(cashier_client, ana, merchant_b):
    bee_coffee = coffee_of(merchant_b)

    assert redeem(cashier_client, ana, bee_coffee).status_code == 404
