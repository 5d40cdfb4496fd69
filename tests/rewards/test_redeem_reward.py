"""redeem_reward: one transaction that checks everything, spends, takes stock, issues."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import EntryKind, Event, PointsEntry
from loyalty.points.ledger import InsufficientPoints
from loyalty.points.refunds import refund_purchase
from members.models import MemberStatus
from members.services.status import set_member_status
from rewards import catalogue, services
from rewards.models import VOUCHER_ALPHABET, LimitPeriod, VoucherSource, VoucherStatus
from tests.loyalty.points.helpers import assert_reconciled, configure
from tests.rewards.conftest import give, make_reward

pytestmark = pytest.mark.django_db


def test_it_spends_the_points_and_issues_a_voucher(merchant_a, shop_a, member_a, coffee, owner_a):
    member = give(shop_a, member_a, "350")

    voucher = services.redeem_reward(member=member, reward=coffee, actor=None, shop=shop_a)

    member.refresh_from_db()
    assert member.points_balance == 50
    assert voucher.member == member and voucher.reward == coffee
    assert voucher.status == VoucherStatus.ISSUED and voucher.source == VoucherSource.REDEMPTION
    assert voucher.points_cost == 300 and voucher.title == "Free coffee"
    assert voucher.expires_at - voucher.issued_at == timedelta(days=coffee.validity_days)
    entry = voucher.redeem_entry
    assert entry.kind == EntryKind.REDEEM and entry.points == -300
    assert len(voucher.code) == 8 and set(voucher.code) <= set(VOUCHER_ALPHABET)
    event = Event.objects.get(merchant=merchant_a, type="voucher.issued")
    assert event.payload["code"] == voucher.code and event.payload["member"] == member.pk
    assert_reconciled(merchant_a)


def test_a_later_edit_of_the_reward_leaves_issued_vouchers_alone(shop_a, member_a, coffee):
    member = give(shop_a, member_a, "300")
    voucher = services.redeem_reward(member=member, reward=coffee)

    coffee.name, coffee.value, coffee.item = "Free tea", Decimal("2.00"), "Tea"
    catalogue.save_reward(reward=coffee, actor=None)

    voucher.refresh_from_db()
    snapshot = (voucher.title, voucher.value, voucher.item)
    assert snapshot == ("Free coffee", Decimal("3.00"), "Coffee")
    assert voucher.describe() == "A free Coffee"


def test_too_few_points_is_refused_and_changes_nothing(merchant_a, shop_a, member_a, coffee):
    member = give(shop_a, member_a, "299")

    with pytest.raises(InsufficientPoints) as error:
        services.redeem_reward(member=member, reward=coffee)

    assert error.value.code == "insufficient_points"
    assert "299 points available, 300 needed" in error.value.message
    assert not member.vouchers.exists()
    assert not PointsEntry.objects.filter(member=member, kind=EntryKind.REDEEM).exists()


def test_a_negative_balance_blocks_redemption(merchant_a, shop_a, member_a):
    cheap = make_reward(merchant_a, points_cost=10)
    member = give(shop_a, member_a, "100")
    services.redeem_reward(member=member, reward=make_reward(merchant_a, points_cost=100))
    purchase = member.purchases.get()
    refund_purchase(purchase=purchase, external_id="RF1", amount=Decimal("100"))
    give(shop_a, member, "20")  # 20 earned, the balance is still -80
    member.refresh_from_db()
    assert member.points_balance < 0

    with pytest.raises(InsufficientPoints) as error:
        services.redeem_reward(member=member, reward=cheap)
    assert "negative" in error.value.message


def test_a_reward_for_a_higher_tier_is_refused(merchant_a, shop_a, member_a):
    silver_reward = merchant_a.rewards.get(min_tier__name="Silver")
    member = give(shop_a, member_a, "1200")  # 1,200 points but Silver needs 500 spent: it has
    assert member.tier.name == "Silver"
    gold = make_reward(merchant_a, min_tier=merchant_a.tiers.get(name="Gold"), name="Gold cake")

    assert services.redeem_reward(member=member, reward=silver_reward).status == "issued"
    with pytest.raises(services.TierTooLow) as error:
        services.redeem_reward(member=member, reward=gold)
    assert error.value.code == "tier_too_low" and "Gold" in error.value.message


def test_stock_runs_out(merchant_a, shop_a, member_a):
    reward = make_reward(merchant_a, stock=1)
    member = give(shop_a, member_a, "500")

    services.redeem_reward(member=member, reward=reward)
    with pytest.raises(services.OutOfStock) as error:
        services.redeem_reward(member=member, reward=reward)

    assert error.value.code == "out_of_stock"
    reward.refresh_from_db()
    assert reward.stock_left == 0
    member.refresh_from_db()
    assert member.points_balance == 400


def test_the_per_member_limit_counts_within_its_period(merchant_a, shop_a, member_a):
    reward = make_reward(merchant_a, limit_per_member=1, limit_period=LimitPeriod.MONTH)
    member = give(shop_a, member_a, "500")
    now = timezone.now()

    services.redeem_reward(member=member, reward=reward, now=now)
    with pytest.raises(services.LimitReached) as error:
        services.redeem_reward(member=member, reward=reward, now=now)
    assert error.value.code == "limit_reached"

    next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=2)
    assert services.redeem_reward(member=member, reward=reward, now=next_month)


def test_a_cancelled_voucher_does_not_count_against_the_limit(merchant_a, shop_a, member_a):
    reward = make_reward(merchant_a, limit_per_member=1, limit_period=LimitPeriod.EVER)
    member = give(shop_a, member_a, "500")
    first = services.redeem_reward(member=member, reward=reward)
    services.cancel_voucher(voucher=first, actor=None, reason="changed their mind")

    assert services.redeem_reward(member=member, reward=reward).status == "issued"


def test_the_availability_window(merchant_a, shop_a, member_a):
    now = timezone.now()
    later = make_reward(merchant_a, available_from=now + timedelta(days=2))
    over = make_reward(merchant_a, available_until=now - timedelta(days=1))
    member = give(shop_a, member_a, "500")

    with pytest.raises(services.NotAvailableYet) as error:
        services.redeem_reward(member=member, reward=later)
    assert error.value.code == "not_available_yet"
    with pytest.raises(services.RewardUnavailable):
        services.redeem_reward(member=member, reward=over)


def test_archived_and_inactive_rewards_cannot_be_redeemed(merchant_a, shop_a, member_a, coffee):
    member = give(shop_a, member_a, "500")
    catalogue.archive_reward(reward=coffee, actor=None)

    with pytest.raises(services.RewardUnavailable) as error:
        services.redeem_reward(member=member, reward=coffee)
    assert error.value.code == "reward_unavailable"


def test_a_blocked_member_cannot_redeem(merchant_a, shop_a, member_a, coffee, manager_a):
    member = give(shop_a, member_a, "500")
    set_member_status(member=member, actor=manager_a, status=MemberStatus.BLOCKED)

    with pytest.raises(services.MemberBlocked) as error:
        services.redeem_reward(member=member, reward=coffee)
    assert error.value.code == "member_blocked"


def test_another_merchants_reward_is_not_found(merchant_b, shop_a, member_a):
    member = give(shop_a, member_a, "500")
    foreign = merchant_b.rewards.first()

    with pytest.raises(services.RewardNotFound):
        services.redeem_reward(member=member, reward=foreign)


def test_every_new_merchant_gets_three_sample_rewards(merchant_a):
    configure(merchant_a)  # the default program
    rewards = list(merchant_a.rewards.order_by("position"))
    assert [r.points_cost for r in rewards] == [300, 500, 1000]
    point_value = merchant_a.program.point_value
    for reward in rewards:
        worth = reward.points_cost * point_value
        assert reward.kind == "percent_off" or worth == reward.value
    assert rewards[2].min_tier.name == "Silver"
