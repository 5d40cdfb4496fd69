"""The daily statistics on hand-made days, every figure worked out here; the local midnight;
the outbox keeping today's row current; the nightly job; `manage.py rebuild_stats`."""

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from loyalty.analytics.rollups import FIGURES, rebuild, rebuild_day
from loyalty.models import DailyStat
from loyalty.points.ledger import adjust_points
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase, reverse_purchase
from loyalty.schedules import SCHEDULES
from loyalty.tasks import drain_outbox, rebuild_daily_stats
from members.services.enrolment import enrol_member
from rewards.models import Reward, RewardKind
from rewards.services import redeem_reward, use_voucher
from tests.factories import RewardFactory
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db

DAY = date(2026, 1, 15)  # Bucharest is UTC+2 in January


@contextmanager
def at(merchant, hour: int, minute: int = 0, day: date = DAY):
    """The clock stopped at this local time of the merchant."""
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=merchant.tzinfo)
    with time_machine.travel(moment, tick=False):
        yield


def sale(shop, member, amount: str, receipt: str):
    return record_purchase(
        shop=shop, member=member, external_id=receipt, amount=Decimal(amount)
    ).purchase


def figures(row: DailyStat, *names: str) -> dict:
    return {name: getattr(row, name) for name in names or FIGURES}


def rows_of(merchant, day: date = DAY) -> dict:
    return {row.shop_id: row for row in DailyStat.objects.for_merchant(merchant).filter(day=day)}


@pytest.fixture
def plain(merchant_a):
    """One point per unit spent, no bonus: the points below are the amounts."""
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    return merchant_a


def test_a_day_of_sales_refunds_and_a_reversal(plain, shop_a, shop_a2, manager_a):
    m = plain
    with at(m, 9, day=date(2026, 1, 14)):
        cara = enrol_member(merchant=m, email="cara@example.com", shop=shop_a)  # the day before
    with at(m, 9):
        ana = enrol_member(merchant=m, email="ana@example.com", shop=shop_a)
    with at(m, 10):
        bob = enrol_member(merchant=m, email="bob@example.com")  # online: no shop
        sale(shop_a, ana, "40.00", "S1")
    with at(m, 12):
        sale(shop_a2, ana, "20.00", "S2")
    with at(m, 13):
        s3 = sale(shop_a, bob, "30.00", "S3")
    with at(m, 14):
        sale(shop_a, None, "15.00", "S4")
    with at(m, 15):
        refund_purchase(purchase=s3, external_id="R3", amount=Decimal("10.00"))  # claws back 10
    with at(m, 16):
        s5 = sale(shop_a2, None, "25.00", "S5")
    with at(m, 17):
        refund_purchase(purchase=s5, external_id="R5", amount=Decimal("25.00"))  # all of it
    with at(m, 18):
        s6 = sale(shop_a, cara, "50.00", "S6")
    with at(m, 19):
        reverse_purchase(purchase=s6, actor=manager_a, reason="wrong card")  # takes back 50

    rebuild_day(m, DAY)

    rows = rows_of(m)
    assert set(rows) == {None, shop_a.pk, shop_a2.pk}
    # Old Town: S1 (Ana 40), S3 (Bob 30, 20 after its refund), S4 (anonymous 15); S6 reversed.
    assert figures(rows[shop_a.pk]) == {
        **figures(DailyStat()),
        "sales_members": 2,
        "revenue_members": Decimal("60.00"),
        "sales_anonymous": 1,
        "revenue_anonymous": Decimal("15.00"),
        "active_members": 2,
        "first_purchases": 2,  # Ana's first sale ever (S1) and Bob's (S3) were here
        "new_members": 1,
        "points_issued": 40 + 30 + 50,
        "points_clawed_back": 10 + 50,
        "refunds": 1,
        "refunds_amount": Decimal("10.00"),
    }
    # Station: S2 (Ana 20); S5 was refunded in full, but its refund was made there.
    assert figures(rows[shop_a2.pk]) == {
        **figures(DailyStat()),
        "sales_members": 1,
        "revenue_members": Decimal("20.00"),
        "active_members": 1,
        "points_issued": 20,
        "refunds": 1,
        "refunds_amount": Decimal("25.00"),
    }
    # The merchant: Ana bought at both shops and is one active member; Bob joined online.
    assert figures(rows[None]) == {
        **figures(DailyStat()),
        "sales_members": 3,
        "revenue_members": Decimal("80.00"),
        "sales_anonymous": 1,
        "revenue_anonymous": Decimal("15.00"),
        "active_members": 2,
        "active_members_90d": 2,  # Ana and Bob; Cara's only sale was reversed
        "first_purchases": 2,  # S2 is Ana's second sale of her first day: no repeat either
        "new_members": 2,
        "points_issued": 140,
        "points_clawed_back": 60,
        "refunds": 2,
        "refunds_amount": Decimal("35.00"),
    }
    assert rows[None].sales == 4 and rows[None].revenue == Decimal("95.00")


def test_points_redeemed_adjusted_and_vouchers_with_their_cost(
    merchant_a, shop_a, shop_a2, manager_a
):
    m = merchant_a
    configure(m, welcome_bonus=5, first_purchase_bonus=0)
    coffee = Reward.objects.for_merchant(m).get(kind=RewardKind.FREE_ITEM)  # 300 points, 3.00
    tenth_off = RewardFactory(
        merchant=m,
        kind=RewardKind.PERCENT_OFF,
        value=Decimal("10"),
        max_discount=Decimal("4.00"),
        item="",
        points_cost=50,
    )
    with at(m, 9):
        ana = enrol_member(merchant=m, email="ana@example.com", shop=shop_a)  # 5 welcome points
    with at(m, 10):
        adjust_points(member=ana, points=400, reason="moved from paper cards", actor=manager_a)
    with at(m, 11):
        voucher = redeem_reward(member=ana, reward=coffee, shop=shop_a)
    with at(m, 12):
        use_voucher(code=voucher.code, shop=shop_a2)
    with at(m, 13):
        redeem_reward(member=ana, reward=tenth_off)  # on the member page: no shop

    rebuild_day(m, DAY)

    rows = rows_of(m)
    assert figures(rows[shop_a.pk]) == {
        **figures(DailyStat()),
        "new_members": 1,
        "points_redeemed": 300,
        "vouchers_issued": 1,
        "vouchers_issued_value": Decimal("3.00"),
    }
    assert figures(rows[shop_a2.pk]) == {
        **figures(DailyStat()),
        "vouchers_used": 1,
        "vouchers_used_value": Decimal("3.00"),
    }
    # A percent-off voucher costs at most its cap (4.00); the bonus and the adjustment are the
    # merchant's, at no shop. 5 - 350 + 400 = 55 is Ana's balance.
    assert figures(rows[None]) == {
        **figures(DailyStat()),
        "new_members": 1,
        "points_issued": 5,
        "points_adjusted": 400,
        "points_added": 400,
        "points_redeemed": 350,
        "vouchers_issued": 2,
        "vouchers_issued_value": Decimal("7.00"),
        "vouchers_used": 1,
        "vouchers_used_value": Decimal("3.00"),
    }
    ana.refresh_from_db()
    assert ana.points_balance == 5 + 400 - 350


def test_the_day_ends_at_the_merchants_midnight_not_utcs(plain, shop_a):
    with at(plain, 9):
        ana = enrol_member(merchant=plain, email="ana@example.com")
    with at(plain, 23, 59):  # 21:59 UTC on the 15th
        sale(shop_a, ana, "7.00", "LATE")
    with at(plain, 0, 0, day=date(2026, 1, 16)):  # 22:00 UTC, still the 15th in UTC
        sale(shop_a, ana, "9.00", "EARLY")

    rebuild(plain, DAY, date(2026, 1, 16))

    late, early = rows_of(plain, DAY)[None], rows_of(plain, date(2026, 1, 16))[None]
    assert (late.sales_members, late.revenue_members, late.points_issued) == (
        1,
        Decimal("7.00"),
        7,
    )
    assert (early.sales_members, early.revenue_members, early.points_issued) == (
        1,
        Decimal("9.00"),
        9,
    )


def test_rebuilding_a_day_replaces_its_rows(plain, shop_a, manager_a):
    with at(plain, 10):
        ana = enrol_member(merchant=plain, email="ana@example.com", shop=shop_a)
        sold = sale(shop_a, ana, "12.00", "S1")
    rebuild_day(plain, DAY)
    first = {shop: figures(row) for shop, row in rows_of(plain).items()}

    rebuild_day(plain, DAY)
    assert {shop: figures(row) for shop, row in rows_of(plain).items()} == first
    assert DailyStat.objects.for_merchant(plain).count() == 2

    with at(plain, 11):
        reverse_purchase(purchase=sold, actor=manager_a, reason="test sale")
    rebuild_day(plain, DAY)
    rows = rows_of(plain)
    # The sale no longer counts; its points were issued and taken back the same day.
    assert figures(rows[None], "sales_members", "revenue_members", "active_members") == {
        "sales_members": 0,
        "revenue_members": Decimal("0.00"),
        "active_members": 0,
    }
    assert (rows[None].points_issued, rows[None].points_clawed_back) == (12, 12)


def test_the_outbox_keeps_the_days_of_sales_refunds_and_reversals_current(plain, shop_a, manager_a):
    with at(plain, 9, day=date(2026, 1, 14)):
        ana = enrol_member(merchant=plain, email="ana@example.com", shop=shop_a)
        yesterdays = sale(shop_a, ana, "30.00", "Y1")
        drain_outbox()
    with at(plain, 10):
        todays = sale(shop_a, ana, "20.00", "T1")
        drain_outbox()
        assert rows_of(plain)[None].revenue_members == Decimal("20.00")

        refund_purchase(purchase=todays, external_id="R1", amount=Decimal("5.00"))
        reverse_purchase(purchase=yesterdays, actor=manager_a, reason="wrong card")
        drain_outbox()
        drain_outbox()  # nothing left: the rows stay as they are

    today, yesterday = rows_of(plain)[None], rows_of(plain, date(2026, 1, 14))[None]
    assert (today.sales_members, today.revenue_members) == (1, Decimal("15.00"))
    assert (today.refunds, today.refunds_amount) == (1, Decimal("5.00"))
    assert (today.points_issued, today.points_clawed_back) == (20, 5 + 30)
    # Yesterday's sale was reversed today: it no longer counts on its own day.
    assert (yesterday.sales_members, yesterday.new_members, yesterday.points_issued) == (0, 1, 30)
    assert DailyStat.objects.for_merchant(plain).count() == 4  # a total and Old Town, twice


def test_the_nightly_job_rebuilds_yesterday_and_today_of_every_merchant(plain, shop_a, merchant_b):
    with at(plain, 23, day=date(2026, 1, 14)):
        sale(shop_a, None, "8.00", "Y1")
    with at(plain, 3):
        assert rebuild_daily_stats() == 4  # two days for each of the two merchants

    assert rows_of(plain, date(2026, 1, 14))[None].revenue_anonymous == Decimal("8.00")
    assert set(DailyStat.objects.for_merchant(merchant_b).values_list("day", flat=True)) == {
        date(2026, 1, 14),
        DAY,
    }
    assert any(job.func == "loyalty.tasks.rebuild_daily_stats" for job in SCHEDULES)


def test_rebuild_stats_prints_what_it_rebuilt(plain, shop_a):
    with at(plain, 10, day=date(2026, 1, 13)):
        sale(shop_a, None, "8.00", "A1")
    out = StringIO()
    with at(plain, 10):
        call_command("rebuild_stats", "--merchant", "aroma", "--since", "2026-01-14", stdout=out)
        assert out.getvalue().splitlines() == [
            "aroma: rebuilt 2 days from 2026-01-14 to 2026-01-15 (2 rows)",
            "aroma: rebuilt the monthly cohorts (0 rows)",  # an anonymous sale: no cohort
        ]
        assert not DailyStat.objects.filter(day=date(2026, 1, 13)).exists()

        out = StringIO()
        call_command("rebuild_stats", "--merchant", "aroma", stdout=out)  # from the first sale
    # The merchant was created today (the test's real clock), after its back-dated sale:
    # the first activity is the sale's day, the 13th. Three totals and Old Town's row.
    assert "rebuilt 3 days from 2026-01-13 to 2026-01-15 (4 rows)" in out.getvalue()
    assert rows_of(plain, date(2026, 1, 13))[shop_a.pk].revenue_anonymous == Decimal("8.00")


def test_rebuild_stats_refuses_an_unknown_merchant_and_a_future_date(plain):
    with pytest.raises(CommandError, match="No merchant with the slug 'nope'"):
        call_command("rebuild_stats", "--merchant", "nope")
    with at(plain, 10), pytest.raises(CommandError, match="after the merchant's today"):
        call_command("rebuild_stats", "--merchant", "aroma", "--since", "2026-01-16")
