"""Under real concurrency stock is never oversold, points never overspent, a code used once.

Real threads on real PostgreSQL connections.
"""

from decimal import Decimal

import pytest

from loyalty.points.ledger import InsufficientPoints
from members.services.enrolment import enrol_member
from rewards import services
from rewards.models import Voucher, VoucherStatus
from tests.loyalty.points.helpers import assert_reconciled, ring
from tests.loyalty.points.test_concurrency import run_together
from tests.rewards.conftest import give, make_reward

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_thirty_members_for_five_in_stock_get_exactly_five(merchant_a, shop_a):
    reward = make_reward(merchant_a, points_cost=100, stock=5)
    members = []
    for n in range(30):
        member = enrol_member(merchant=merchant_a, email=f"m{n}@example.com")
        members.append(give(shop_a, member, "150"))

    results = run_together(
        [lambda m=m: services.redeem_reward(member=m, reward=reward) for m in members]
    )

    vouchers = [r for r in results if isinstance(r, Voucher)]
    refused = [r for r in results if isinstance(r, services.OutOfStock)]
    assert len(vouchers) == 5 and len(refused) == 25, results
    reward.refresh_from_db()
    assert reward.stock_left == 0
    assert Voucher.objects.filter(reward=reward).count() == 5
    winners = {v.member_id for v in vouchers}
    for member in members:
        member.refresh_from_db()
        assert member.points_balance == (50 if member.pk in winners else 150)
    assert_reconciled(merchant_a)


def test_thirty_redemptions_by_one_member_who_can_afford_two(merchant_a, shop_a):
    reward = make_reward(merchant_a, points_cost=100)
    member = enrol_member(merchant=merchant_a, email="solo@example.com")
    member = give(shop_a, member, "250")

    results = run_together(
        [lambda: services.redeem_reward(member=member, reward=reward) for _n in range(30)]
    )

    vouchers = [r for r in results if isinstance(r, Voucher)]
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert len(vouchers) == 2 and len(refused) == 28, results
    member.refresh_from_db()
    assert member.points_balance == 50
    assert Voucher.objects.filter(member=member).count() == 2
    assert_reconciled(merchant_a)


def test_ten_tills_at_two_shops_use_one_code_once(merchant_a, shop_a, shop_a2):
    reward = make_reward(merchant_a, points_cost=100)
    member = give(shop_a, enrol_member(merchant=merchant_a, email="v@example.com"), "100")
    voucher = services.redeem_reward(member=member, reward=reward)
    sales = [
        ring(shop, member, "10", external_id=f"S{n}").purchase
        for n, shop in enumerate([shop_a, shop_a2] * 5)
    ]

    results = run_together(
        [
            lambda s=sale: services.use_voucher(
                code=voucher.code.lower(), shop=s.shop, purchase=s, amount=Decimal("10")
            )
            for sale in sales
        ]
    )

    used = [r for r in results if isinstance(r, Voucher)]
    refused = [r for r in results if isinstance(r, services.VoucherUsed)]
    assert len(used) == 1 and len(refused) == 9, results
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.USED and voucher.used_purchase == used[0].used_purchase
    where = voucher.used_shop.name
    assert all(where in r.message for r in refused)
