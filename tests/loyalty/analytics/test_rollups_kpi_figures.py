"""The figures the KPIs read, on a hand-made history, every number worked out here: repeat and
first purchases, the 90-day active members, flagged sales, points added and given back, tier
moves, and enrolments by shop and staff member."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import F

from loyalty.analytics.rollups import rebuild_day
from loyalty.models import DailyStat, EnrolmentStat
from loyalty.points.ledger import adjust_points
from loyalty.points.refunds import reverse_purchase
from loyalty.tasks import drain_outbox
from members.services.enrolment import enrol_member
from rewards.models import Reward, RewardKind
from rewards.services import cancel_voucher, redeem_reward
from tests.factories import TierFactory
from tests.loyalty.analytics.test_rollups import DAY, at, rows_of, sale
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db


@pytest.fixture
def plain(merchant_a):
    """One point per unit spent, at most 50 a sale (a bigger sale is flagged), and a Star
    tier from 100.00 spent."""
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0, max_points_per_purchase=50)
    # The sample tiers out of reach, one of our own instead.
    merchant_a.tiers.update(threshold=F("threshold") + 1_000_000)
    TierFactory(merchant=merchant_a, name="Star", threshold=Decimal("100"))
    return merchant_a


def test_repeat_and_first_purchases_active_members_and_tier_moves(
    plain, shop_a, shop_a2, manager_a, cashier_a
):
    m = plain
    with at(m, 9, day=DAY - timedelta(days=100)):
        ana = enrol_member(merchant=m, email="ana@example.com", shop=shop_a, actor=cashier_a)
        sale(shop_a, ana, "10.00", "A0")  # her first sale, 100 days before
    with at(m, 9, day=DAY - timedelta(days=1)):
        sale(shop_a, ana, "20.00", "A1")
    with at(m, 9):
        bob = enrol_member(merchant=m, email="bob@example.com", shop=shop_a, actor=manager_a)
        cara = enrol_member(merchant=m, email="cara@example.com")  # online
        eve = enrol_member(merchant=m, email="eve@example.com", shop=shop_a, actor=manager_a)
    with at(m, 10):
        sale(shop_a2, ana, "5.00", "A2")  # repeat (she bought on earlier days)
        sale(shop_a, ana, "7.00", "A3")  # repeat
        sale(shop_a, bob, "150.00", "B1")  # first; capped at 50 points: flagged; up to Star
        sale(shop_a2, cara, "4.00", "C1")  # first
        sale(shop_a, cara, "4.00", "C2")  # her first day still: neither first nor repeat
        eves = sale(shop_a, eve, "120.00", "E1")  # up to Star, flagged...
    with at(m, 11):
        reverse_purchase(purchase=eves, actor=manager_a, reason="wrong card")  # ...and down
        adjust_points(member=ana, points=15, reason="broken cup", actor=manager_a)
        adjust_points(member=ana, points=-5, reason="typo", actor=manager_a)
        coffee = Reward.objects.for_merchant(m).get(kind=RewardKind.FREE_ITEM)  # 300 points
        adjust_points(member=bob, points=300, reason="paper card", actor=manager_a)
        voucher = redeem_reward(member=bob, reward=coffee, shop=shop_a)
        cancel_voucher(voucher=voucher, actor=manager_a, reason="changed his mind")

    rebuild_day(m, DAY)
    rebuild_day(m, DAY - timedelta(days=1))

    rows = rows_of(m)
    total, old_town, station = rows[None], rows[shop_a.pk], rows[shop_a2.pk]
    # Ana (A2, A3), Bob (B1), Cara (C1, C2) bought today; Eve's sale was reversed. Ana's A0 is
    # 100 days back, outside today's 90 days, but A1 (yesterday) keeps her active.
    assert total.active_members_90d == 3
    assert (total.first_purchases, old_town.first_purchases, station.first_purchases) == (2, 1, 1)
    assert (total.sales_repeat, old_town.sales_repeat, station.sales_repeat) == (2, 1, 1)
    assert total.sales_members == 5  # A2, A3, B1, C1, C2: 2 repeat + 2 first + Cara's second
    assert (total.sales_flagged, old_town.sales_flagged) == (1, 1)  # B1; E1 no longer counts
    # Bob and Eve went up to Star; the reversal took Eve's back.
    assert (total.tier_ups, total.tier_downs) == (2, 1)
    assert (old_town.tier_ups, old_town.active_members_90d) == (0, 0)  # the total's only
    # Added by hand: 15 and 300 (not the -5); the cancelled voucher gave 300 back, at no shop
    # (a cancellation is made in the portal; the redemption was Old Town's).
    assert (total.points_added, total.points_returned) == (15 + 300, 300)
    assert total.points_adjusted == 15 - 5 + 300 + 300
    assert (old_town.points_redeemed, old_town.points_returned) == (300, 0)

    yesterday = rows_of(m, DAY - timedelta(days=1))[None]
    # Yesterday: A1 is a repeat (A0 was 99 days earlier); the window of 90 days ending
    # yesterday starts 89 days before it, so A0 is out and Ana alone is active.
    assert (yesterday.sales_repeat, yesterday.first_purchases, yesterday.active_members_90d) == (
        1,
        0,
        1,
    )

    enrolments = {
        (row.shop_id, row.enrolled_by_id): row.members
        for row in EnrolmentStat.objects.for_merchant(m).filter(day=DAY)
    }
    assert enrolments == {(shop_a.pk, manager_a.pk): 2, (None, None): 1}  # Bob, Eve; Cara
    assert sum(enrolments.values()) == total.new_members == 3


def test_the_ninety_days_end_on_the_day_and_start_89_days_before(plain, shop_a):
    m = plain
    with at(m, 9, day=DAY - timedelta(days=89)):
        ana = enrol_member(merchant=m, email="ana@example.com")
        sale(shop_a, ana, "10.00", "A0")
    with at(m, 9, day=DAY - timedelta(days=90)):
        bob = enrol_member(merchant=m, email="bob@example.com")
        sale(shop_a, bob, "10.00", "B0")
        sale(shop_a, None, "10.00", "X0")  # anonymous sales make nobody active

    rebuild_day(m, DAY)
    rebuild_day(m, DAY + timedelta(days=1))

    # Today's window is DAY-89 … DAY: Ana in, Bob (DAY-90) out. Tomorrow Ana is out too.
    assert rows_of(m)[None].active_members_90d == 1
    assert rows_of(m, DAY + timedelta(days=1))[None].active_members_90d == 0


def test_the_outbox_rebuilds_enrolments_and_tier_moves_of_today(plain, shop_a, manager_a):
    with at(plain, 9):
        bob = enrol_member(merchant=plain, email="bob@example.com", shop=shop_a, actor=manager_a)
        sale(shop_a, bob, "150.00", "B1")
        drain_outbox()
        drain_outbox()

    total = rows_of(plain)[None]
    assert (total.tier_ups, total.first_purchases, total.active_members_90d) == (1, 1, 1)
    assert list(
        EnrolmentStat.objects.for_merchant(plain).values_list("day", "enrolled_by_id", "members")
    ) == [(DAY, manager_a.pk, 1)]
    assert DailyStat.objects.for_merchant(plain).filter(day=date(2026, 1, 15)).count() == 2
