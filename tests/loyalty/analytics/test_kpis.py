"""Every KPI on hand-made daily rows, the arithmetic worked out in the comments; then the same
figures from a history recorded through the real services and rolled up by the real rebuild.

The hand-made rows stand for what `rebuild_day` writes (the property test proves that against
raw rows); here they pin down the KPIs' arithmetic, day by day.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine

from loyalty.analytics.kpis import Figure, insights
from loyalty.analytics.periods import Period, custom, preset
from loyalty.analytics.rollups import rebuild
from loyalty.models import DailyStat, EnrolmentStat
from loyalty.points.refunds import refund_purchase
from members.services.enrolment import enrol_member
from tests.loyalty.analytics.helpers import sale
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 12)


def row(merchant, day: date, **figures) -> None:
    money = ("revenue_members", "revenue_anonymous", "vouchers_used_value")
    values = {k: Decimal(v) if k in money else v for k, v in figures.items()}
    DailyStat.objects.create(merchant=merchant, shop=None, day=day, **values)


@pytest.fixture
def days(merchant_a, shop_a, shop_a2, manager_a, cashier_a):
    m = merchant_a
    row(m, date(2026, 2, 10), sales_members=7)  # in the 90 days to 7 May, not to 12 May
    row(m, date(2026, 2, 20), sales_members=15)  # in both
    row(m, date(2026, 5, 2), active_members_90d=40)  # the day before the previous period
    # The previous period, 3-7 May.
    row(
        m,
        date(2026, 5, 5),
        sales_members=10,
        sales_anonymous=5,
        revenue_members="200.00",
        revenue_anonymous="50.00",
        new_members=3,
        first_purchases=2,
        sales_repeat=6,
        points_issued=200,
        points_redeemed=100,
        tier_ups=1,
        vouchers_used_value="10.00",
        active_members_90d=41,
    )
    row(m, date(2026, 5, 7), active_members_90d=42)
    # This period, 8-12 May (the 9th to the 11th have no row: the nightly job was down).
    row(
        m,
        date(2026, 5, 8),
        sales_members=12,
        sales_anonymous=4,
        revenue_members="300.00",
        revenue_anonymous="40.00",
        new_members=5,
        first_purchases=4,
        sales_repeat=9,
        points_issued=300,
        points_added=20,
        points_redeemed=150,
        points_returned=30,
        points_expired=10,
        tier_ups=2,
        tier_downs=1,
        vouchers_used_value="24.00",
        active_members_90d=44,
    )
    row(
        m,
        date(2026, 5, 12),
        sales_members=8,
        revenue_members="100.00",
        sales_repeat=3,
        active_members_90d=45,
    )
    EnrolmentStat.objects.create(
        merchant=m, day=date(2026, 5, 8), shop=shop_a, enrolled_by=manager_a, members=3
    )
    EnrolmentStat.objects.create(
        merchant=m, day=date(2026, 5, 8), shop=shop_a2, enrolled_by=cashier_a, members=1
    )
    EnrolmentStat.objects.create(merchant=m, day=date(2026, 5, 8), members=1)  # online
    EnrolmentStat.objects.create(
        merchant=m, day=date(2026, 5, 5), shop=shop_a, enrolled_by=manager_a, members=3
    )
    return m


def values(result, key):
    figure: Figure = result.figures[key]
    return figure.value, figure.previous


def test_every_kpi_against_the_period_before(days, merchant_b):
    # Another merchant's row changes nothing.
    DailyStat.objects.create(merchant=merchant_b, day=date(2026, 5, 8), revenue_members=999)
    period = custom("2026-05-08", "2026-05-12", TODAY)  # against 3-7 May
    result = insights(days, period)
    assert result.previous == Period(date(2026, 5, 3), date(2026, 5, 7), "previous")

    # Revenue from members: 300 + 100 = 400 against 200; all revenue 400 + 40 against 250.
    assert values(result, "revenue_members") == (Decimal("400.00"), Decimal("200.00"))
    assert values(result, "revenue") == (Decimal("440.00"), Decimal("250.00"))
    # Share: 400 / 440 = 0.90909…; 200 / 250 = 0.8.
    assert values(result, "member_share") == (Decimal("0.9091"), Decimal("0.8000"))
    # Active members: the snapshot of the last day, 12 May (45), and of 7 May (42).
    assert values(result, "active_members") == (45, 42)
    assert values(result, "new_buyers") == (4, 2)
    # Repeat rate: (9 + 3) / (12 + 8) = 0.6; 6 / 10 = 0.6.
    assert values(result, "repeat_rate") == (Decimal("0.6000"), Decimal("0.6000"))
    # Visits in the 90 days to 12 May (12 Feb …): 15 + 10 + 12 + 8 = 45, per 45 active = 1;
    # to 7 May (7 Feb …): 7 + 15 + 10 = 32 per 42 = 0.7619.
    assert values(result, "visit_frequency") == (Decimal("1.00"), Decimal("0.76"))
    # Baskets: 400 / 20 sales = 20, 40 / 4 = 10; before 200 / 10 = 20, 50 / 5 = 10.
    assert values(result, "basket_members") == (Decimal("20.00"), Decimal("20.00"))
    assert values(result, "basket_anonymous") == (Decimal("10.00"), Decimal("10.00"))
    # Retention: (45 at the end - 4 new) / 42 at the start (7 May) = 41 / 42 = 0.97619…;
    # before: (42 - 2) / 40 (2 May) = 1. Churn is the rest.
    assert values(result, "retention") == (Decimal("0.9762"), Decimal("1.0000"))
    assert values(result, "churn") == (Decimal("0.0238"), Decimal("0.0000"))
    assert values(result, "enrolments") == (5, 3)
    # Issued: 300 earned + 20 added by hand; redeemed: 150 - 30 given back by a cancellation.
    assert values(result, "points_issued") == (320, 200)
    assert values(result, "points_redeemed") == (120, 100)
    assert values(result, "points_expired") == (10, 0)
    # Redemption rate: 120 / 320 = 0.375; 100 / 200 = 0.5.
    assert values(result, "redemption_rate") == (Decimal("0.3750"), Decimal("0.5000"))
    assert values(result, "tier_ups") == (2, 1)
    assert values(result, "tier_downs") == (1, 0)
    # The program's return: 400 of members' revenue per 24.00 of vouchers = 16.67; 200 / 10.
    assert values(result, "voucher_cost") == (Decimal("24.00"), Decimal("10.00"))
    assert values(result, "program_return") == (Decimal("16.67"), Decimal("20.00"))

    # Changes: absolute, and in % of the previous value (None from 0).
    revenue = result.figures["revenue_members"]
    assert (revenue.change, revenue.change_pct, revenue.direction) == (
        Decimal("200.00"),
        Decimal("100.0"),
        "up",
    )
    active = result.figures["active_members"]
    assert (active.change, active.change_pct) == (3, Decimal("7.1"))  # 3 / 42 = 7.14%
    repeat = result.figures["repeat_rate"]
    assert (repeat.change, repeat.change_pct, repeat.direction) == (0, Decimal("0.0"), "same")
    expired = result.figures["points_expired"]
    assert (expired.change, expired.change_pct, expired.direction) == (10, None, "up")
    back = result.figures["program_return"]
    assert (back.change, back.direction) == (Decimal("-3.33"), "down")

    # Enrolments by shop and by staff member, most first; "" is online / nobody on the staff.
    assert result.enrolments_by_shop == [("Old Town", 3), ("", 1), ("Station", 1)]
    assert result.enrolments_by_staff == [
        ("manager.a@example.com", 3),
        ("", 1),
        ("cashier.a@example.com", 1),
    ]
    # The chart: one point per day of this period, next to the same day of the one before.
    assert result.revenue_by_day[0] == (
        date(2026, 5, 8),
        Decimal("340.00"),
        date(2026, 5, 3),
        Decimal("0.00"),
    )
    assert result.revenue_by_day[2][1:] == (Decimal("0.00"), date(2026, 5, 5), Decimal("250.00"))
    assert [r[0] for r in result.revenue_by_day] == period.dates()


def test_nothing_to_divide_by_gives_no_rate(merchant_a):
    result = insights(merchant_a, preset("30d", TODAY))
    for key in ("member_share", "repeat_rate", "retention", "churn", "program_return"):
        assert result.figures[key].value is None, key
        assert result.figures[key].change is None
        assert result.figures[key].direction == ""
    assert result.figures["revenue"].value == Decimal("0.00")
    assert not result.has_rows


def test_retention_stays_between_0_and_100_percent(merchant_a):
    row(merchant_a, date(2026, 5, 10), active_members_90d=10)
    # 12 May: 30 active, none new, against 10 at the start: 300% is members coming back after
    # more than 90 days, shown as 100%.
    row(merchant_a, date(2026, 5, 12), active_members_90d=30)
    assert insights(merchant_a, preset("today", TODAY)).figures["retention"].value == 1
    # 2 active, 5 new buyers (the others lapsed again): (2 - 5) / 10 < 0, shown as 0.
    DailyStat.objects.filter(day=date(2026, 5, 12)).update(active_members_90d=2, first_purchases=5)
    result = insights(merchant_a, preset("today", TODAY))
    assert (result.figures["retention"].value, result.figures["churn"].value) == (0, 1)


def test_the_figures_from_a_real_history(merchant_a, shop_a):
    """Through the services and the real rebuild: three members over two weeks."""
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    tz = merchant_a.tzinfo

    def on(day: int, hour: int = 10):
        return time_machine.travel(datetime(2026, 5, day, hour, tzinfo=tz), tick=False)

    with on(1):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
        sale(shop_a, ana, datetime(2026, 5, 1, 10), "10.00", "A1")
    with on(4):
        bob = enrol_member(merchant=merchant_a, email="bob@example.com")
        sale(shop_a, bob, datetime(2026, 5, 4, 10), "30.00", "B1")
    with on(9, 13):
        sale(shop_a, ana, datetime(2026, 5, 9, 10), "20.00", "A2")  # a repeat
        sale(shop_a, None, datetime(2026, 5, 9, 11), "5.00", "X1")
        cara = enrol_member(merchant=merchant_a, email="cara@example.com", shop=shop_a)
        c1 = sale(shop_a, cara, datetime(2026, 5, 9, 12), "40.00", "C1")
    with on(10):
        refund_purchase(purchase=c1, external_id="R1", amount=Decimal("10.00"))
    with on(12, 18):
        rebuild(merchant_a)
        result = insights(merchant_a, custom("2026-05-08", "2026-05-12", TODAY))

    # This period (8-12 May): A2 20 + C1 40 - 10 refunded = 50 from members, 5 anonymous;
    # 3-7 May: B1 30 (A1 was on the 1st).
    assert values(result, "revenue_members") == (Decimal("50.00"), Decimal("30.00"))
    assert values(result, "revenue") == (Decimal("55.00"), Decimal("30.00"))
    # Active on 12 May: Ana, Bob, Cara; on 7 May: Ana (1 May is within 90 days), Bob.
    assert values(result, "active_members") == (3, 2)
    # Repeat rate: A2 of A2 and C1 = 0.5; before, B1 was Bob's first: 0 / 1.
    assert values(result, "repeat_rate") == (Decimal("0.5000"), Decimal("0.0000"))
    # Retention: (3 - 1 new buyer, Cara) / 2 active on 7 May = 1; before: (2 - 1 new, Bob) /
    # 1 active on 2 May (Ana, by her sale of the 1st) = 1.
    assert values(result, "retention") == (Decimal("1.0000"), Decimal("1.0000"))
    assert values(result, "enrolments") == (1, 1)
    assert result.enrolments_by_shop == [("Old Town", 1)]
    # Visits: A1, B1, A2, C1 in the 90 days to 12 May, per 3 active: 4 / 3 = 1.33.
    assert result.figures["visit_frequency"].value == Decimal("1.33")
