"""Cancelling returns what a voucher cost; the expiry job ends the rest and warns before."""

from datetime import timedelta

import pytest

from loyalty.models import AuditEvent, EntryKind, Event, PointsEntry
from loyalty.points.refunds import refund_purchase, reverse_purchase
from rewards import expiry, services
from rewards.models import VoucherStatus
from tests.loyalty.points.helpers import assert_reconciled, ring
from tests.rewards.conftest import give, make_reward

pytestmark = pytest.mark.django_db


def test_cancelling_returns_the_points_and_the_stock(merchant_a, shop_a, member_a, manager_a):
    reward = make_reward(merchant_a, points_cost=120, stock=3)
    member = give(shop_a, member_a, "200")
    voucher = services.redeem_reward(member=member, reward=reward)

    services.cancel_voucher(voucher=voucher, actor=manager_a, reason="wrong reward")

    member.refresh_from_db()
    reward.refresh_from_db()
    voucher.refresh_from_db()
    assert member.points_balance == 200 and reward.stock_left == 3
    assert voucher.status == VoucherStatus.CANCELLED and voucher.cancelled_by == manager_a
    back = PointsEntry.objects.get(member=member, kind=EntryKind.ADJUST)
    assert back.points == 120 and back.actor == manager_a
    audit = AuditEvent.objects.get(action="rewards.voucher.cancelled")
    assert audit.data["points_returned"] == 120 and audit.data["reason"] == "wrong reward"
    assert_reconciled(merchant_a)


def test_a_used_voucher_cannot_be_cancelled(shop_a, member_a, coffee):
    member = give(shop_a, member_a, "300")
    voucher = services.redeem_reward(member=member, reward=coffee)
    services.use_voucher(code=voucher.code, shop=shop_a)

    with pytest.raises(services.VoucherUsed):
        services.cancel_voucher(voucher=voucher, actor=None)
    member.refresh_from_db()
    assert member.points_balance == 0


def test_refunding_the_purchase_does_not_bring_the_voucher_back(shop_a, member_a, coffee):
    from decimal import Decimal

    member = give(shop_a, member_a, "300")
    voucher = services.redeem_reward(member=member, reward=coffee)
    sale = ring(shop_a, member, "10").purchase
    services.use_voucher(code=voucher.code, shop=shop_a, purchase=sale)

    refund_purchase(purchase=sale, external_id="RF", amount=Decimal("10"))

    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.USED


def test_a_cancel_twice_is_refused_and_returns_the_points_once(shop_a, member_a, coffee):
    member = give(shop_a, member_a, "300")
    voucher = services.redeem_reward(member=member, reward=coffee)
    services.cancel_voucher(voucher=voucher, actor=None)

    with pytest.raises(services.VoucherCancelled):
        services.cancel_voucher(voucher=voucher, actor=None)
    member.refresh_from_db()
    assert member.points_balance == 300


def test_the_expiry_job_expires_and_announces_once(merchant_a, shop_a, member_a):
    short = make_reward(merchant_a, validity_days=10)
    member = give(shop_a, member_a, "300")
    voucher = services.redeem_reward(member=member, reward=short)
    other = services.redeem_reward(member=member, reward=make_reward(merchant_a, validity_days=60))

    eight_days_on = voucher.issued_at + timedelta(days=8)
    assert expiry.expire_vouchers(now=eight_days_on) == 0
    assert expiry.expire_vouchers(now=eight_days_on) == 0  # safe twice
    warned = Event.objects.filter(type="voucher.expiring")
    assert [e.payload["code"] for e in warned] == [voucher.code]

    assert expiry.expire_vouchers(now=voucher.issued_at + timedelta(days=10)) == 1
    voucher.refresh_from_db()
    other.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED and other.status == VoucherStatus.ISSUED
    with pytest.raises(services.VoucherExpired):
        services.cancel_voucher(voucher=voucher, actor=None)
    assert Event.objects.filter(type="voucher.expiring").count() == 1


def test_the_expiry_schedule_exists():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="Expire vouchers")
    assert schedule.func == "rewards.tasks.expire_vouchers" and schedule.repeats == -1


def test_a_voucher_past_its_date_is_not_cancelled_even_before_the_job(shop_a, member_a, coffee):
    member = give(shop_a, member_a, "300")
    voucher = services.redeem_reward(member=member, reward=coffee)

    with pytest.raises(services.VoucherExpired):
        services.cancel_voucher(
            voucher=voucher, actor=None, now=voucher.expires_at + timedelta(seconds=1)
        )
    member.refresh_from_db()
    assert member.points_balance == 0


def test_a_reversed_sale_gives_its_voucher_back_a_refunded_one_does_not(
    merchant_a, shop_a, member_a, coffee, manager_a
):

    member = give(shop_a, member_a, "300")
    voucher = services.redeem_reward(member=member, reward=coffee)
    sale = ring(shop_a, member, "10", external_id="USED-ON").purchase
    services.use_voucher(code=voucher.code, shop=shop_a, purchase=sale)

    with pytest.raises(services.RewardError) as error:
        services.release_voucher(voucher=voucher, actor=manager_a)  # the sale still stands
    assert error.value.code == "voucher_not_released"

    reverse_purchase(purchase=sale, actor=manager_a, reason="rang up by mistake")
    back = services.release_voucher(voucher=voucher, actor=manager_a, reason="sale reversed")

    voucher.refresh_from_db()
    assert back.pk == voucher.pk and voucher.status == VoucherStatus.ISSUED
    assert voucher.used_purchase is None and voucher.code == back.code
    assert AuditEvent.objects.filter(action="rewards.voucher.released").count() == 1
    assert services.use_voucher(code=voucher.code, shop=shop_a).status == VoucherStatus.USED


def test_the_portal_reversal_gives_the_voucher_back(
    manager_client, merchant_a, shop_a, member_a, coffee
):
    member = give(shop_a, member_a, "300")
    voucher = services.redeem_reward(member=member, reward=coffee)
    sale = ring(shop_a, member, "10", external_id="USED-ON").purchase
    services.use_voucher(code=voucher.code, shop=shop_a, purchase=sale)

    answer = manager_client.post(
        f"/portal/purchases/{sale.pk}/reverse/", {"reason": "wrong card"}, follow=True
    )

    assert "is given back to the member" in answer.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ISSUED
