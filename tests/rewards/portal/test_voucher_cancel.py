"""A manager cancels an unused voucher from its page: confirmation, reason, points back."""

import pytest

from loyalty.models import AuditEvent, EntryKind, PointsEntry
from rewards import expiry, services
from rewards.models import VoucherStatus
from tests.loyalty.points.helpers import assert_reconciled
from tests.rewards.portal.conftest import give, make_reward, voucher_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def voucher(shop_a, ana, coffee):
    return services.redeem_reward(member=give(shop_a, ana, "500"), reward=coffee)


def test_the_confirmation_says_what_happens(manager_client, voucher):
    page = manager_client.get(voucher_url(voucher, "cancel/")).content.decode()

    assert f"Cancel the voucher {voucher.display_code}?" in page
    assert "300 points · €3.00 go back to Ana" in page
    assert "refunding the purchase a voucher was used on does not bring the voucher back" in page
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ISSUED


def test_cancelling_returns_the_points_and_leaves_an_audit_row(
    manager_client, merchant_a, manager_a, voucher, ana
):
    answer = manager_client.post(voucher_url(voucher, "cancel/"), {"reason": "Chose by mistake"})

    assert answer.status_code == 302 and answer["Location"] == voucher_url(voucher)
    voucher.refresh_from_db()
    ana.refresh_from_db()
    assert voucher.status == VoucherStatus.CANCELLED and voucher.cancelled_by == manager_a
    assert voucher.cancel_reason == "Chose by mistake"
    assert ana.points_balance == 500
    back = PointsEntry.objects.get(member=ana, kind=EntryKind.ADJUST)
    assert back.points == 300 and back.actor == manager_a
    audit = AuditEvent.objects.get(merchant=merchant_a, action="rewards.voucher.cancelled")
    assert audit.actor == manager_a and audit.data["reason"] == "Chose by mistake"
    assert_reconciled(merchant_a)
    page = manager_client.get(answer["Location"]).content.decode()
    assert "300 points went back to Ana" in page


def test_the_stock_unit_comes_back(manager_client, merchant_a, shop_a, ana):
    cake = make_reward(merchant_a, name="Cake", points_cost=100, stock=2)
    voucher = services.redeem_reward(member=give(shop_a, ana, "100"), reward=cake)

    manager_client.post(voucher_url(voucher, "cancel/"), {"reason": "Out of cake"})

    cake.refresh_from_db()
    assert cake.stock_left == 2


def test_a_reason_is_required(manager_client, voucher):
    answer = manager_client.post(voucher_url(voucher, "cancel/"), {"reason": ""})

    assert answer.status_code == 200 and "reason" in answer.context["form"].errors
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ISSUED


def test_a_used_voucher_is_refused(manager_client, shop_a, voucher, ana):
    services.use_voucher(code=voucher.code, shop=shop_a)

    answer = manager_client.post(
        voucher_url(voucher, "cancel/"), {"reason": "Too late"}, follow=True
    )

    voucher.refresh_from_db()
    ana.refresh_from_db()
    assert voucher.status == VoucherStatus.USED and ana.points_balance == 200
    assert "This voucher was already used at Old Town" in answer.content.decode()
    assert not AuditEvent.objects.filter(action="rewards.voucher.cancelled").exists()


def test_an_expired_voucher_is_refused(manager_client, voucher, ana):
    expiry.expire_vouchers(now=voucher.expires_at)

    manager_client.post(voucher_url(voucher, "cancel/"), {"reason": "Late"})

    voucher.refresh_from_db()
    ana.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED and ana.points_balance == 200


def test_cashier_is_refused(cashier_client, voucher):
    answer = cashier_client.post(voucher_url(voucher, "cancel/"), {"reason": "Please"})

    voucher.refresh_from_db()
    assert answer.status_code == 403 and voucher.status == VoucherStatus.ISSUED


def test_the_outsider_gets_404(outsider_client, voucher, merchant_a):
    answer = outsider_client.post(voucher_url(voucher, "cancel/"), {"reason": "Mine now"})

    voucher.refresh_from_db()
    assert answer.status_code == 404 and voucher.status == VoucherStatus.ISSUED
    assert not AuditEvent.objects.filter(
        merchant=merchant_a, action="rewards.voucher.cancelled"
    ).exists()
