"""A double tap is two requests at once: on PostgreSQL, real threads send one form token
together, and exactly one sale, one enrolment, one redemption comes out of it."""

from decimal import Decimal

import pytest

from loyalty.models import Purchase
from loyalty.pos import services as pos_services
from members.models import Member
from members.services.enrolment import enrol_member
from rewards.models import RewardKind, Voucher
from tests.loyalty.points.helpers import assert_reconciled, ring
from tests.loyalty.points.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TAPS = 6


def test_one_sale_token_sent_six_times_at_once_records_one_sale(merchant_a, shop_a, cashier_a):
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    token = pos_services.new_form_token()

    results = run_together(
        [
            lambda: pos_services.record_pos_purchase(
                shop=shop_a, member=ana, amount=Decimal("23.50"), token=token, actor=cashier_a
            )
            for _ in range(TAPS)
        ]
    )

    sales = [r for r in results if isinstance(r, pos_services.PosSale)]
    assert len(sales) == TAPS, results
    assert sum(not sale.replayed for sale in sales) == 1
    assert Purchase.objects.count() == 1
    ana.refresh_from_db()
    assert ana.points_balance == 23
    assert_reconciled(merchant_a)


def test_one_enrolment_token_sent_at_once_enrols_once(merchant_a, shop_a, cashier_a):
    token = pos_services.new_form_token()

    def enrol() -> dict:
        return enrol_member(
            merchant=merchant_a, phone="0733123456", shop=shop_a, actor=cashier_a
        ).pk

    results = run_together(
        [
            lambda: pos_services.run_once(
                merchant=merchant_a,
                user=cashier_a,
                token=token,
                action="enrol",
                perform=lambda: {"member": enrol()},
            )
            for _ in range(TAPS)
        ]
    )

    assert Member.objects.count() == 1
    member = Member.objects.get()
    answers = [r for r in results if isinstance(r, pos_services.Once)]
    assert answers and all(a.result == {"member": member.pk} for a in answers), results


def test_one_redeem_token_sent_at_once_issues_one_voucher(merchant_a, shop_a, cashier_a):
    from rewards.services import redeem_reward

    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    ring(shop_a, ana, "2000")
    coffee = merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)
    token = pos_services.new_form_token()

    run_together(
        [
            lambda: pos_services.run_once(
                merchant=merchant_a,
                user=cashier_a,
                token=token,
                action="redeem",
                perform=lambda: {"voucher": redeem_reward(member=ana, reward=coffee).pk},
                together=False,
            )
            for _ in range(TAPS)
        ]
    )

    assert Voucher.objects.count() == 1
    ana.refresh_from_db()
    assert ana.points_balance == 2000 - coffee.points_cost
