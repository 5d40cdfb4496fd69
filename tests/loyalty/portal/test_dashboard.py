"""The dashboard: today and the last 30 days in the merchant's time zone, read from the daily
statistics.

The scenario is built through the real services with the clock moved, then rolled up by the
real rebuild (`rollups.rebuild`, what `rebuild_stats` and the nightly job run) or the outbox,
so the figures are checked against what the points engine really writes.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.analytics.rollups import rebuild
from loyalty.models.points import ExpiryMode
from loyalty.points.jobs import expire_points
from loyalty.points.ledger import adjust_points, get_program, redeem_points
from loyalty.points.program import update_program
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase, reverse_purchase
from loyalty.queries import dashboard_figures
from members.services.enrolment import enrol_member
from rewards.models import RewardKind
from rewards.services import cancel_voucher, redeem_reward

BUCHAREST = ZoneInfo("Europe/Bucharest")  # merchant A's time zone; UTC+3 in June
TODAY = datetime(2026, 6, 15).date()
NOW = datetime.combine(TODAY, time(12, 0), BUCHAREST)


def local(days: int, hour: int, minute: int = 0) -> datetime:
    """A moment `days` from today (negative: in the past), in the merchant's time zone."""
    return datetime.combine(TODAY + timedelta(days=days), time(hour, minute), BUCHAREST)


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def rolled_up(merchant, moment: datetime = NOW):
    """The daily statistics rebuilt from the first activity to the day of `moment`."""
    with at(moment):
        rebuild(merchant)
    return merchant


def sale(shop, member, receipt: str, amount: str, occurred_at: datetime | None = None):
    return record_purchase(
        shop=shop,
        member=member,
        external_id=receipt,
        amount=Decimal(amount),
        occurred_at=occurred_at,
    ).purchase


@pytest.fixture
def scenario(merchant_a, shop_a, owner_a):
    """Forty days of a café, with every kind of movement the dashboard counts or ignores."""
    program = get_program(merchant_a)
    update_program(
        program=program,
        actor=owner_a,
        changes={
            "welcome_bonus": 50,
            "expiry_mode": ExpiryMode.AFTER_EARNING,
            "expiry_months": 1,
        },
    )
    with at(local(-40, 12)):  # before the 30 days
        ana = enrol_member(merchant=merchant_a, email="ana@example.com")  # +50
        sale(shop_a, ana, "P0", "100.00")  # +100
    with at(local(-20, 12)):
        redeem_points(member=ana, points=30)
    with at(local(-8, 12)):
        expire_points(now=local(-8, 12))  # Ana's 120 left expire
        bob = enrol_member(merchant=merchant_a, email="bob@example.com")  # +50
        p1 = sale(shop_a, bob, "P1", "200.00")  # +200
        sale(shop_a, None, "P2", "50.00")
        dan = enrol_member(merchant=merchant_a, email="dan@example.com")  # +50
        p7 = sale(shop_a, dan, "P7", "100.00")  # +100
        redeem_points(member=dan, points=150)
    with at(local(-7, 12)):
        refund_purchase(purchase=p1, external_id="R1", amount=Decimal("40.00"))  # -40
        refund_purchase(purchase=p7, external_id="R7", amount=Decimal("100.00"))  # Dan -100
    with at(local(-1, 23, 30)):
        enrol_member(merchant=merchant_a, email="eve@example.com")  # +50, yesterday
    with at(local(0, 0, 10)):
        # Rung up at 23:30 yesterday, sent by the till ten minutes later: yesterday's sale,
        # today's points.
        sale(shop_a, ana, "P3", "20.00", occurred_at=local(-1, 23, 30))  # +20
    with at(local(0, 1)):
        sale(shop_a, None, "P8", "5.00")  # 01:00 here is still yesterday in UTC
    update_program(program=program, actor=owner_a, changes={"pending_days": 3})
    with at(local(0, 9)):
        cleo = enrol_member(merchant=merchant_a, email="cleo@example.com")  # +50
        sale(shop_a, cleo, "P4", "30.00")  # +30, pending for 3 days
        sale(shop_a, None, "P5", "10.00")
        mistake = sale(shop_a, None, "P6", "99.00")
        reverse_purchase(purchase=mistake, actor=owner_a, reason="rung up twice")
        adjust_points(member=cleo, points=15, reason="broken cup", actor=owner_a)
        adjust_points(member=cleo, points=-5, reason="typo", actor=owner_a)
    return rolled_up(merchant_a)


def test_today_counts_from_local_midnight(scenario):
    today = dashboard_figures(scenario, now=NOW)["figures_today"]

    assert today == {
        "sales_count": 3,  # P8 (01:00), P4, P5; not P3 (23:30 yesterday), not reversed P6
        "sales_amount": Decimal("45.00"),
        "member_sales_amount": Decimal("30.00"),
        "member_share": Decimal("66.7"),
        "new_members": 1,  # Cleo; Eve joined at 23:30 yesterday
        "points_issued": 115,  # P3 20 (issued at 00:10) + welcome 50 + P4 30 + adjustment 15
        "points_redeemed": 0,
        "points_expired": 0,
    }


def test_the_last_30_days_include_today(scenario):
    period = dashboard_figures(scenario, now=NOW)["figures_period"]

    assert period == {
        "sales_count": 6,  # P1, P2, P3, P8, P4, P5; P7 was refunded in full
        "sales_amount": Decimal("275.00"),  # P1 net of its 40.00 refund
        "member_sales_amount": Decimal("210.00"),
        "member_share": Decimal("76.4"),
        "new_members": 4,  # Bob, Dan, Eve, Cleo; Ana joined 40 days ago
        "points_issued": 565,  # clawbacks, reversals and negative adjustments are not issues
        "points_redeemed": 180,
        "points_expired": 120,
    }


def test_the_liability_is_spendable_and_pending_points_at_the_point_value(scenario):
    figures = dashboard_figures(scenario, now=NOW)

    # Ana 20 + Bob 210 + Eve 50 + Cleo 60 available, Cleo's 30 pending; Dan's -100 is a debt.
    assert figures["liability_points"] == 370
    assert figures["liability_pending_points"] == 30
    assert figures["liability_amount"] == Decimal("3.70")


def test_daily_sales_are_grouped_by_local_day(scenario):
    daily = dashboard_figures(scenario, now=NOW)["daily_sales"]

    assert len(daily) == 30
    assert daily[0]["day"] == local(-29, 0).date()
    assert daily[-1]["day"] == TODAY
    with_sales = {
        row["day"]: (row["amount"], row["count"], row["share"]) for row in daily if row["count"]
    }
    assert with_sales == {
        local(-8, 0).date(): (Decimal("210.00"), 2, 100),  # P1 and P2; not P7
        local(-1, 0).date(): (Decimal("20.00"), 1, 9),
        TODAY: (Decimal("45.00"), 3, 21),
    }


def test_a_sale_at_half_past_eleven_last_night_is_not_today(merchant_a, shop_a):
    with at(local(-1, 23, 30)):
        sale(shop_a, None, "LATE", "12.00")
    rolled_up(merchant_a, local(0, 0, 30))

    # Half an hour after local midnight it is still yesterday in UTC.
    figures = dashboard_figures(merchant_a, now=local(0, 0, 30))

    assert figures["figures_today"]["sales_count"] == 0
    assert figures["figures_today"]["sales_amount"] == Decimal("0.00")
    assert figures["figures_today"]["member_share"] is None
    assert figures["figures_period"]["sales_amount"] == Decimal("12.00")
    assert figures["daily_sales"][-2]["amount"] == Decimal("12.00")
    assert figures["daily_sales"][-1]["amount"] == Decimal("0.00")


def test_other_merchants_sales_are_not_counted(scenario, merchant_b):
    shop_b = merchant_b.shops.get()
    with at(local(0, 10)):
        sale(shop_b, None, "B1", "1000.00")
    rolled_up(merchant_b)

    assert dashboard_figures(scenario, now=NOW)["figures_today"]["sales_amount"] == Decimal("45.00")
    assert dashboard_figures(merchant_b, now=NOW)["figures_period"]["sales_count"] == 1


# --- The page --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_owner_and_manager_see_the_figures(request, persona, scenario):
    client = request.getfixturevalue(persona)
    with at(NOW):
        html = client.get("/portal/").content.decode()

    assert "€45.00" in html and "€275.00" in html
    assert "67%" in html and "76%" in html
    assert "115 points" in html and "565 points" in html
    assert "€3.70" in html
    assert "370 points · €3.70, of which 30 are pending" in html
    assert '<caption class="visually-hidden">Net sales per day, last 30 days, newest first' in html
    assert '<svg class="bar" aria-hidden="true"' in html and '<rect width="100"' in html
    assert "is set up" not in html  # the next steps are for merchants without sales


def test_cashier_is_still_sent_to_the_pos(cashier_client):
    answer = cashier_client.get("/portal/")
    assert answer.status_code == 302
    assert answer["Location"] == "/pos/"


def test_a_new_merchant_sees_what_to_do_next(owner_client):
    html = owner_client.get("/portal/").content.decode()

    assert "Aroma Café is set up" in html
    assert "No sales are recorded yet." in html
    assert 'href="/portal/settings/api-keys/"' in html
    assert 'href="/pos/"' in html
    assert "€0.00" in html


def test_a_manager_of_a_new_merchant_is_told_to_ask_the_owner_for_a_key(manager_client):
    html = manager_client.get("/portal/").content.decode()

    assert "Ask the owner to connect your till with an API key" in html
    assert 'href="/portal/settings/api-keys/"' not in html


def test_old_sales_only_hide_the_next_steps(owner_client, shop_a):
    with at(local(-90, 12)):
        sale(shop_a, None, "OLD", "10.00")
    rolled_up(shop_a.merchant)

    with at(NOW):
        html = owner_client.get("/portal/").content.decode()

    assert "is set up" not in html
    assert "0 receipts" in html


def _queries_for(client) -> int:
    with CaptureQueriesContext(connection) as queries, at(NOW):
        assert client.get("/portal/").status_code == 200
    return len(queries)


def test_the_dashboard_takes_the_same_few_queries_whatever_the_data(
    owner_client, merchant_a, shop_a, django_assert_max_num_queries
):
    member = enrol_member(merchant=merchant_a, email="regular@example.com")
    with at(local(-2, 10)):
        sale(shop_a, member, "FIRST", "10.00")
    rolled_up(merchant_a)
    _queries_for(owner_client)  # the session and the program are loaded once
    few = _queries_for(owner_client)

    for day in range(25):
        with at(local(-day, 11)):
            sale(shop_a, member, f"S{day}", "12.50")
            sale(shop_a, None, f"A{day}", "3.00")
            enrol_member(merchant=merchant_a, email=f"new{day}@example.com")
    rolled_up(merchant_a)

    assert _queries_for(owner_client) == few
    with django_assert_max_num_queries(20), at(NOW):
        owner_client.get("/portal/")


def test_the_dashboard_and_the_redemptions_report_count_the_same_points(
    manager_client, merchant_a, shop_a, manager_a
):
    coffee = merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)
    first_of_march = datetime(2026, 3, 1, 0, 30, tzinfo=BUCHAREST)  # 22:30 UTC on 28 Feb
    with at(datetime(2026, 2, 10, 12, 0, tzinfo=BUCHAREST)):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com")
        sale(shop_a, ana, "P1", "2000.00")
        vouchers = [redeem_reward(member=ana, reward=coffee) for _ in range(3)]
        cancel_voucher(voucher=vouchers[0], actor=manager_a, reason="changed her mind")
    with at(datetime(2026, 3, 1, 0, 20, tzinfo=BUCHAREST)):
        redeem_reward(member=ana, reward=coffee)
    rolled_up(merchant_a, first_of_march)

    with at(first_of_march):
        figures = dashboard_figures(merchant_a)
        last_30 = manager_client.get("/portal/rewards/report/", {"period": "30d"})
        today = manager_client.get(
            "/portal/rewards/report/",
            {"period": "custom", "start": "2026-03-01", "end": "2026-03-01"},
        )

    period_redeemed = figures["figures_period"]["points_redeemed"]
    assert period_redeemed == last_30.context["totals"]["points_spent"] == 900
    assert figures["figures_today"]["points_redeemed"] == 300
    assert today.context["totals"]["points_spent"] == 300
    # A cancelled voucher's points are neither redeemed nor issued.
    assert figures["figures_period"]["points_issued"] == 2000
