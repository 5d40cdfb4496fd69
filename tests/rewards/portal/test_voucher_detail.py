"""A voucher's page: what it gives and its whole history."""

import pytest

from rewards import expiry, services
from rewards.models import VoucherSource, VoucherStatus
from tests.loyalty.points.helpers import ring
from tests.rewards.portal.conftest import give, voucher_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def voucher(shop_a, ana, coffee, manager_a):
    return services.redeem_reward(
        member=give(shop_a, ana, "300"), reward=coffee, actor=manager_a, shop=shop_a
    )


def test_an_issued_voucher_shows_how_and_for_whom(manager_client, voucher, ana):
    page = manager_client.get(voucher_url(voucher)).content.decode()

    assert voucher.display_code in page and "Issued" in page
    assert "Points redemption: 300 points spent" in page
    assert "at Old Town" in page and "by manager.a@example.com" in page
    assert f'href="/portal/members/{ana.pk}/"' in page
    assert "A free Coffee" in page
    assert f'href="{voucher_url(voucher, "cancel/")}"' in page


def test_a_redemption_on_the_member_page_is_by_the_member(manager_client, shop_a, ana, coffee):
    voucher = services.redeem_reward(member=give(shop_a, ana, "300"), reward=coffee)

    assert "by the member" in manager_client.get(voucher_url(voucher)).content.decode()


def test_a_used_voucher_shows_where_when_and_the_purchase(
    manager_client, shop_a, shop_a2, voucher, cashier_a, ana
):
    sale = ring(shop_a2, ana, "8.00", external_id="T-77").purchase
    services.use_voucher(code=voucher.code, shop=shop_a2, purchase=sale, actor=cashier_a)

    page = manager_client.get(voucher_url(voucher)).content.decode()

    assert "Used" in page and "at Station" in page and "by cashier.a@example.com" in page
    assert f'href="/portal/purchases/{sale.pk}/"' in page and "receipt T-77" in page
    assert voucher_url(voucher, "cancel/") not in page  # a used voucher cannot be cancelled
    assert "does not bring the voucher back" in page


def test_a_cancelled_voucher_shows_who_why_and_the_points(manager_client, voucher, owner_a):
    services.cancel_voucher(voucher=voucher, actor=owner_a, reason="Wrong reward chosen")

    page = manager_client.get(voucher_url(voucher)).content.decode()

    assert "Cancelled" in page and "by owner.a@example.com" in page
    assert "Wrong reward chosen" in page and "300 points returned" in page


def test_an_expired_voucher_shows_its_end(manager_client, voucher):
    expiry.expire_vouchers(now=voucher.expires_at)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED

    page = manager_client.get(voucher_url(voucher)).content.decode()

    assert "Expired" in page and voucher_url(voucher, "cancel/") not in page


def test_a_campaign_voucher_is_given_automatically(manager_client, merchant_a, coffee):
    voucher = services.issue_voucher(
        merchant=merchant_a, reward=coffee, source=VoucherSource.CAMPAIGN
    )

    page = manager_client.get(voucher_url(voucher)).content.decode()

    assert "Campaign" in page and "automatically" in page
    assert "whoever holds the code may use it" in page


def test_the_page_takes_only_get(manager_client, voucher):
    assert manager_client.post(voucher_url(voucher)).status_code == 405


def test_cashier_is_refused(cashier_client, voucher):
    assert cashier_client.get(voucher_url(voucher)).status_code == 403


def test_the_outsider_gets_404(outsider_client, voucher):
    assert outsider_client.get(voucher_url(voucher)).status_code == 404
