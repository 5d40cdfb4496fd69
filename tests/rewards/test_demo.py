"""The demo merchant has a catalogue and a few weeks of redemptions, and still reconciles."""

import pytest
from django.core.management import call_command

from loyalty.models import Merchant
from rewards.models import VoucherStatus
from tests.loyalty.points.helpers import assert_reconciled

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_demo(monkeypatch):
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 30)
    monkeypatch.setattr("loyalty.demo.points.HISTORY_MEMBERS", 12)


def test_the_demo_has_rewards_and_vouchers_through_the_services(small_demo):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    merchant = Merchant.objects.get(slug="demo")
    assert merchant.rewards.count() == 5
    vouchers = merchant.vouchers.all()
    assert vouchers.exists()
    assert vouchers.filter(status=VoucherStatus.USED).exists()
    assert all(v.redeem_entry.points == -v.points_cost for v in vouchers)
    assert_reconciled(merchant)
