"""The liability page and its accountant's CSV: the figures of `liability_data.three_months`
(worked out in test_liability.py), who may see them, and a query count that does not grow."""

import csv
import io
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.analytics.rollups import rebuild
from members.services.enrolment import enrol_member
from tests.loyalty.analytics.liability_data import TODAY, at, sale, three_months
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db
URL = "/portal/insights/liability/"
QUERY_CAP = 15


@pytest.fixture
def history(merchant_a, shop_a, manager_a):
    three_months(merchant_a, shop_a, manager_a)
    return merchant_a


def _get(client, merchant, **params):
    """The page as of TODAY: the figures' "now" is the clock."""
    with at(merchant, TODAY):
        return client.get(URL, params)


def test_the_page_shows_the_figures_and_their_basis(owner_client, history):
    html = _get(owner_client, history).content.decode()

    assert "€3.00" in html  # 60 points outstanding at 0.05
    assert "40.0%" in html  # the expected breakage
    assert "€1.80" in html  # the liability: 3.00 x 0.6
    assert (
        "From 1 Apr 2025 to 25 Mar 2026, 300 points were redeemed and 200 points expired." in html
    )
    assert "(€0.05 a point)" in html  # the point value with its own decimals, at least two
    assert "200 ÷ 500 = 40.00%" in html
    assert 'aria-current="page">Points liability' in html
    assert '<svg class="chart chart-line"' in html
    # Expiring within 30 days: Cara's 40 points, €2.00.
    assert "€2.00" in html
    # The monthly table, newest first.
    table = html[html.index('class="liability-months"') :]
    assert table.index("Mar 2026") < table.index("Feb 2026") < table.index("Jan 2026")


def test_the_accountants_csv(manager_client, history):
    answer = _get(manager_client, history, export="csv")

    assert answer["Content-Type"].startswith("text/csv")
    assert "points-liability-aroma-2026-03-25.csv" in answer["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert rows == [
        {
            "month": "2026-01",
            "currency": "EUR",
            "opening_points": "0",
            "points_issued": "500",
            "value_deferred": "25.00",
            "points_redeemed": "0",
            "value_recognised_at_redemption": "0.00",
            "points_expired": "0",
            "value_recognised_at_expiry": "0.00",
            "points_clawed_back": "0",
            "points_adjusted": "0",
            "closing_points": "500",
            "breakage_rate": "0.0000",
            "closing_liability": "25.00",
        },
        {
            "month": "2026-02",
            "currency": "EUR",
            "opening_points": "500",
            "points_issued": "50",
            "value_deferred": "2.50",
            "points_redeemed": "300",
            "value_recognised_at_redemption": "15.00",
            "points_expired": "0",
            "value_recognised_at_expiry": "0.00",
            "points_clawed_back": "0",
            "points_adjusted": "0",
            "closing_points": "250",
            "breakage_rate": "0.0000",
            "closing_liability": "12.50",
        },
        {
            "month": "2026-03",
            "currency": "EUR",
            "opening_points": "250",
            "points_issued": "0",
            "value_deferred": "0.00",
            "points_redeemed": "0",
            "value_recognised_at_redemption": "0.00",
            "points_expired": "200",
            "value_recognised_at_expiry": "10.00",
            "points_clawed_back": "10",
            "points_adjusted": "20",
            "closing_points": "60",
            "breakage_rate": "0.4000",
            "closing_liability": "1.80",  # 60 x 0.05 x (1 - 0.4)
        },
    ]


def test_a_new_merchant_sees_what_comes_next(owner_client, merchant_a):
    html = owner_client.get(URL).content.decode()

    assert "Nothing owed yet" in html
    assert "Export CSV" not in html


def test_points_without_history_say_so(owner_client, merchant_a, shop_a):
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    with at(merchant_a, datetime(2026, 3, 2, 10, 0)):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
        sale(shop_a, ana, "120.00", "S1")
        rebuild(merchant_a)
        html = owner_client.get(URL).content.decode()

    assert "Not enough history" in html
    assert "Points in your program don't expire" in html
    assert "€1.20" in html


def test_a_cashier_cannot_see_it(cashier_client):
    assert cashier_client.get(URL).status_code == 403
    assert cashier_client.get(URL, {"export": "csv"}).status_code == 403


def test_another_merchants_figures_never_appear(outsider_client, history):
    html = outsider_client.get(URL).content.decode()
    assert "Nothing owed yet" in html and "€1.80" not in html

    answer = outsider_client.get(URL, {"export": "csv"})
    assert answer.content.decode().strip().count("\n") == 0  # the header alone


def test_the_page_reads_a_fixed_number_of_queries(owner_client, merchant_a, shop_a, manager_a):
    three_months(merchant_a, shop_a, manager_a)
    _get(
        owner_client, merchant_a
    )  # the first request of a session reads more (the session, the staff)
    with CaptureQueriesContext(connection) as three:
        assert _get(owner_client, merchant_a).status_code == 200

    # Two more years of sales and a rebuild: more rows, more months, the same queries.
    for month in range(1, 25):
        year, m = 2023 + (month - 1) // 12, (month - 1) % 12 + 1
        with at(merchant_a, datetime(year, m, 3, 10, 0)):
            member = enrol_member(merchant=merchant_a, email=f"old{month}@example.com")
            sale(shop_a, member, "10.00", f"OLD{month}")
    with at(merchant_a, TODAY):
        rebuild(merchant_a, since=date(2023, 1, 1))
    with CaptureQueriesContext(connection) as many:
        html = _get(owner_client, merchant_a).content.decode()

    assert "Jan 2023" in html
    assert len(many) == len(three) <= QUERY_CAP, [q["sql"] for q in many.captured_queries]
