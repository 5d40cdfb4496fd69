"""The points liability on hand-made histories: outstanding points, breakage from the
merchant's own redeemed and expired points, the monthly roll-forward on local months, and the
points expiring in 30 / 60 / 90 days under both expiry rules. Every figure is worked out here."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from loyalty.analytics.liability import (
    Breakage,
    breakage_rate,
    liability,
    liability_of,
    window_breakage,
)
from loyalty.analytics.rollups import rebuild
from loyalty.models import DailyStat
from loyalty.models.points import ExpiryMode
from loyalty.points.ledger import adjust_points
from loyalty.points.refunds import refund_purchase
from members.models import Member
from members.services.enrolment import enrol_member
from tests.loyalty.analytics.liability_data import TODAY, at, local, sale, three_months
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db


def test_breakage_is_the_share_of_resolved_points_that_expired():
    # 200 expired of 300 + 200 resolved: 0.4; a third rounds to four places.
    assert breakage_rate(redeemed=300, expired=200) == Decimal("0.4000")
    assert breakage_rate(redeemed=2, expired=1) == Decimal("0.3333")
    assert breakage_rate(redeemed=0, expired=0) == Decimal("0.0000")


def test_the_liability_is_the_value_less_the_breakage_rounded_once():
    # 60 points at 0.05 = 3.00; less 40 % = 1.80.
    assert liability_of(60, Decimal("0.05"), Decimal("0.4")) == Decimal("1.80")
    # 333 points at 0.0125 = 4.1625; x (1 - 0.3333) = 2.77513…: 2.78 (not 4.16 x 0.6667).
    assert liability_of(333, Decimal("0.0125"), Decimal("0.3333")) == Decimal("2.78")


def test_the_window_is_the_month_and_the_eleven_before():
    # Expired in March 2025 is outside the window of March 2026 (April 2025 to March 2026);
    # expired in April 2025 is inside.
    figures = {
        date(2025, 3, 1): {"redeemed": 0, "expired": 1000},
        date(2025, 4, 1): {"redeemed": 0, "expired": 100},
        date(2026, 3, 1): {"redeemed": 300, "expired": 0},
    }

    basis = window_breakage(figures, date(2026, 3, 1), date(2026, 3, 25))

    assert basis == Breakage(
        first_day=date(2025, 4, 1),
        last_day=date(2026, 3, 25),
        redeemed=300,
        expired=100,
        rate=Decimal("0.2500"),  # 100 / (300 + 100)
    )


def test_three_months_rolled_forward(merchant_a, shop_a, manager_a):
    three_months(merchant_a, shop_a, manager_a)

    figures = liability(merchant_a, now=local(merchant_a, TODAY))

    # Now: Ana 400 - 300 redeemed - 100 expired = 0, Bob 100 - 100 expired = 0,
    # Cara 50 - 10 clawed back + 20 = 60 points, worth 60 x 0.05 = 3.00.
    assert (figures.outstanding.available, figures.outstanding.pending) == (60, 0)
    assert figures.outstanding.debt == 0
    assert figures.outstanding.value == Decimal("3.00")
    # Resolved from April 2025 to today: 300 redeemed, 200 expired: 200 / 500 = 40 %.
    assert figures.breakage == Breakage(
        first_day=date(2025, 4, 1),
        last_day=date(2026, 3, 25),
        redeemed=300,
        expired=200,
        rate=Decimal("0.4000"),
    )
    assert figures.breakage.enough_history
    assert figures.amount == Decimal("1.80")  # 3.00 x (1 - 0.4)
    assert figures.expected_breakage_value == Decimal("1.20")

    rows = [
        (m.month, m.opening, m.issued, m.redeemed, m.expired, m.clawed_back, m.adjusted, m.closing)
        for m in figures.months
    ]
    assert rows == [
        # Cara's sale at 00:30 on 1 February (31 January in UTC) is February's.
        (date(2026, 1, 1), 0, 500, 0, 0, 0, 0, 500),
        (date(2026, 2, 1), 500, 50, 300, 0, 0, 0, 250),  # 500 + 50 - 300
        (date(2026, 3, 1), 250, 0, 0, 200, 10, 20, 60),  # 250 - 200 - 10 + 20
    ]
    for before, after in zip(figures.months, figures.months[1:], strict=False):
        assert after.opening == before.closing
    # The ledger's last closing is what members hold (no debts here).
    assert figures.ledger_closing == figures.outstanding.points - figures.outstanding.debt
    assert figures.statistics_behind == 0
    jan, feb, mar = figures.months
    # Each month's rate is its own window's: nothing resolved by January, 300 redeemed and
    # nothing expired by February, 300 and 200 by March.
    assert [m.breakage.rate for m in figures.months] == [
        Decimal("0.0000"),
        Decimal("0.0000"),
        Decimal("0.4000"),
    ]
    assert (jan.value_deferred, jan.closing_liability) == (Decimal("25.00"), Decimal("25.00"))
    assert (feb.value_deferred, feb.value_redeemed) == (Decimal("2.50"), Decimal("15.00"))
    assert feb.closing_liability == Decimal("12.50")  # 250 x 0.05
    assert mar.value_expired == Decimal("10.00")  # 200 x 0.05
    assert mar.closing_liability == Decimal("1.80")

    # Expiring (two months after earning), from 25 March 10:00: Cara's sale lot, 50 - 10
    # clawed back = 40, goes on 1 April (within 30 days); her 20 added on 20 March go on
    # 20 May (within 60 days, 56 days away); nothing else is open.
    assert [(e.days, e.points, e.value) for e in figures.expiring] == [
        (30, 40, Decimal("2.00")),
        (60, 60, Decimal("3.00")),
        (90, 60, Decimal("3.00")),
    ]


def test_months_without_statistics_are_zero_and_the_total_carries(merchant_a, shop_a):
    # A sale in November, nothing in December, today in January: December is listed with
    # nothing moving and the November closing carried through.
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    with at(merchant_a, datetime(2025, 11, 5, 10, 0)):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
        sale(shop_a, ana, "80.00", "N1")
    with at(merchant_a, datetime(2026, 1, 3, 10, 0)):
        rebuild(merchant_a, since=date(2025, 11, 1))
        DailyStat.objects.filter(merchant=merchant_a, day__month=12).delete()
        figures = liability(merchant_a)

    assert [(m.month, m.opening, m.issued, m.closing) for m in figures.months] == [
        (date(2025, 11, 1), 0, 80, 80),
        (date(2025, 12, 1), 80, 0, 80),
        (date(2026, 1, 1), 80, 0, 80),
    ]


def test_a_month_is_the_merchants_local_month(merchant_a, shop_a):
    # 31 January 23:30 in Bucharest is 21:30 UTC (January both ways); 1 February 00:30 is
    # still 31 January in UTC but February here. New York's merchant sees its own midnight.
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    with at(merchant_a, datetime(2026, 1, 31, 23, 30)):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
        sale(shop_a, ana, "7.00", "L1")
    with at(merchant_a, datetime(2026, 2, 1, 0, 30)):
        sale(shop_a, ana, "11.00", "L2")
    with at(merchant_a, datetime(2026, 2, 10, 12, 0)):
        rebuild(merchant_a, since=date(2026, 1, 1))
        figures = liability(merchant_a)

    assert [(m.month, m.issued) for m in figures.months] == [
        (date(2026, 1, 1), 7),
        (date(2026, 2, 1), 11),
    ]


def test_without_anything_resolved_there_is_not_enough_history(merchant_a, shop_a):
    # 120 points issued, none redeemed or expired: no breakage, the full value 1.20.
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    with at(merchant_a, datetime(2026, 3, 2, 10, 0)):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
        sale(shop_a, ana, "120.00", "S1")
        rebuild(merchant_a)
        figures = liability(merchant_a)

    assert not figures.breakage.enough_history
    assert figures.breakage.rate == Decimal("0.0000")
    assert figures.outstanding.value == figures.amount == Decimal("1.20")
    assert figures.expiring == []  # the default program: points never expire
    assert not figures.points_expire


def test_a_negative_balance_is_a_debt_not_a_smaller_liability(merchant_a, shop_a, manager_a):
    # Ana earns 100 and redeems them all, then her sale is refunded 40.00: 40 points clawed
    # back leave her at -40. Bob holds 30. Outstanding is Bob's 30 (not 30 - 40); her 40 is
    # a debt; the ledger nets them: -10.
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    with at(merchant_a, datetime(2026, 3, 2, 10, 0)):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
        bob = enrol_member(merchant=merchant_a, email="bob@example.com", shop=shop_a)
        bought = sale(shop_a, ana, "100.00", "S1")
        sale(shop_a, bob, "30.00", "S2")
        adjust_points(member=ana, points=-100, reason="Spent at the old till", actor=manager_a)
        refund_purchase(purchase=bought, external_id="R1", amount=Decimal("40.00"))
        rebuild(merchant_a)
        figures = liability(merchant_a)

    assert Member.objects.get(pk=ana.pk).points_balance == -40
    assert (figures.outstanding.points, figures.outstanding.debt) == (30, 40)
    assert figures.outstanding.value == Decimal("0.30")
    assert figures.ledger_closing == -10  # 130 - 40 clawed back - 100 adjusted


def test_inactivity_expiry_counts_the_members_whose_months_run_out(merchant_a, shop_a, manager_a):
    # Points expire after 6 months without a purchase; today is 25 March 2026 10:00 local.
    # Dan last bought 30 Sep 2025: his points go on 30 Mar (5 days): within 30.
    # Eve last bought 10 Nov 2025: 10 May (46 days): within 60.
    # Gus joined 1 Dec 2025 and never bought; 70 points by hand: 1 Jun (68 days): within 90.
    # Fay bought 1 Mar 2026: 1 Sep, beyond 90 days.
    configure(
        merchant_a,
        welcome_bonus=0,
        first_purchase_bonus=0,
        expiry_mode=ExpiryMode.INACTIVITY,
        expiry_months=6,
    )
    history = [
        ("dan", datetime(2025, 9, 30, 10, 0), "100.00"),
        ("eve", datetime(2025, 11, 10, 10, 0), "200.00"),
        ("fay", datetime(2026, 3, 1, 10, 0), "300.00"),
    ]
    for name, moment, amount in history:
        with at(merchant_a, moment):
            member = enrol_member(merchant=merchant_a, email=f"{name}@example.com", shop=shop_a)
            sale(shop_a, member, amount, name)
    with at(merchant_a, datetime(2025, 12, 1, 10, 0)):
        gus = enrol_member(merchant=merchant_a, email="gus@example.com", shop=shop_a)
        adjust_points(member=gus, points=70, reason="Opening balance", actor=manager_a)

    figures = liability(merchant_a, now=local(merchant_a, TODAY))

    assert [(e.days, e.points) for e in figures.expiring] == [
        (30, 100),  # Dan
        (60, 300),  # Dan + Eve
        (90, 370),  # Dan + Eve + Gus
    ]
    assert figures.expiring[2].value == Decimal("3.70")  # at the default 0.01 a point
    assert figures.outstanding.points == 670
    assert figures.months == []  # no rollups were built: nothing to roll forward


def test_another_merchants_points_never_count(merchant_a, shop_a, merchant_b):
    configure(merchant_b, welcome_bonus=0, first_purchase_bonus=0)
    shop_b = merchant_b.shops.get()
    with at(merchant_b, datetime(2026, 3, 2, 10, 0)):
        bee = enrol_member(merchant=merchant_b, email="bee@example.com", shop=shop_b)
        sale(shop_b, bee, "777.00", "B1")
        rebuild(merchant_b)
        figures = liability(merchant_a)

    assert figures.is_empty
    assert figures.outstanding.points == 0 and figures.months == []


def test_the_page_says_when_the_statistics_are_behind_the_balances(merchant_a, shop_a):
    # 120 points rolled up, then a sale of 20.00 the rollups have not seen yet: the balances
    # hold 140, the statistics' closing 120.
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    with at(merchant_a, datetime(2026, 3, 2, 10, 0)):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
        sale(shop_a, ana, "120.00", "S1")
        rebuild(merchant_a)
        sale(shop_a, ana, "20.00", "S2")
        figures = liability(merchant_a)

    assert (figures.outstanding.points, figures.ledger_closing) == (140, 120)
    assert figures.statistics_behind == 20
