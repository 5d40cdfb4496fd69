"""The monthly report (/portal/insights/report/): a month's figures against the month before,
the month's points roll-forward, the month picker with its errors, the print button, the
managers-only rule and a fixed number of queries."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.analytics.rollups import rebuild
from loyalty.points.purchases import record_purchase
from loyalty.portal.views.insights_report import month_period, parse_month
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 12)


def local(merchant, day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=merchant.tzinfo)


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def history(merchant_a, shop_a):
    """Ana buys 10.00 on 20 April and 20.00 + 30.00 in May; one anonymous 5.00 sale in May."""
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    with at(local(merchant_a, date(2026, 4, 20), 9)):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    for amount, receipt, day, member in [
        ("10.00", "A1", date(2026, 4, 20), ana),
        ("20.00", "A2", date(2026, 5, 3), ana),
        ("30.00", "A3", date(2026, 5, 28), ana),
        ("5.00", "X1", date(2026, 5, 28), None),
    ]:
        with at(local(merchant_a, day)):
            record_purchase(shop=shop_a, member=member, external_id=receipt, amount=Decimal(amount))
    with at(local(merchant_a, TODAY, 18)):
        rebuild(merchant_a)
    return merchant_a


def get(client, merchant, **params):
    with at(local(merchant, TODAY, 16)):
        return client.get("/portal/insights/report/", params)


def test_the_default_is_last_month_against_the_month_before(manager_client, merchant_a, history):
    page = get(manager_client, merchant_a)
    html = page.content.decode()

    assert page.status_code == 200
    assert page.context["period"].first_day == date(2026, 5, 1)
    assert page.context["period"].last_day == date(2026, 5, 31)
    assert page.context["previous"].first_day == date(2026, 4, 1)
    figures = page.context["result"].figures
    # May: members 20 + 30 = 50.00 of 55.00; April: 10.00 of 10.00.
    assert figures["revenue_members"].value == Decimal("50.00")
    assert figures["revenue_members"].previous == Decimal("10.00")
    # A change of +40.00, +400% of April's.
    assert figures["revenue_members"].change_pct == Decimal("400.0")
    assert "data-print" in html
    assert "May 2026" in html


def test_the_points_of_the_month_roll_forward(manager_client, merchant_a, history):
    page = get(manager_client, merchant_a, month="2026-05")
    points = page.context["points"]
    # 1 point per 1.00 (configure's default earning): April earned 10, May 20 + 30 = 50.
    assert points.month == date(2026, 5, 1)
    assert (points.opening, points.issued, points.closing) == (10, 50, 60)
    assert "Outstanding at the end of the month" in page.content.decode()


def test_a_bad_or_future_month_falls_back_to_last_month_and_says_why(
    manager_client, merchant_a, history
):
    bad = get(manager_client, merchant_a, month="2026-13")
    assert bad.context["month"] == date(2026, 5, 1)
    assert "is not a month" in bad.content.decode()
    future = get(manager_client, merchant_a, month="2026-07")
    assert "That month has not begun yet." in future.content.decode()


def test_the_current_month_is_to_date(merchant_a):
    assert parse_month("", TODAY) == (date(2026, 5, 1), "")
    period = month_period(date(2026, 6, 1), TODAY)
    # 1-12 June, against 1-12 May.
    assert (period.first_day, period.last_day) == (date(2026, 6, 1), TODAY)
    assert (period.previous().first_day, period.previous().last_day) == (
        date(2026, 5, 1),
        date(2026, 5, 12),
    )


def test_a_month_without_figures_says_so(manager_client, merchant_a):
    page = get(manager_client, merchant_a, month="2026-01")
    assert page.status_code == 200
    assert "No figures for this month" in page.content.decode()


def test_cashiers_cannot_read_it(cashier_client, merchant_a, history):
    assert get(cashier_client, merchant_a).status_code in (302, 403)


def test_the_queries_do_not_grow_with_the_history(manager_client, merchant_a, history):
    with CaptureQueriesContext(connection) as queries:
        assert get(manager_client, merchant_a, month="2026-05").status_code == 200
    assert len(queries) <= 14
