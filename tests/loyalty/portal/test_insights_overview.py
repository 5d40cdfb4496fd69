"""The insights overview (/portal/insights/): the period picker, the cards and their comparison,
the links to the lists behind them (with their date filters), the revenue chart with its table
and CSV, enrolments by shop and staff, and a fixed number of queries whatever the data."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.analytics import kpis
from loyalty.analytics.periods import Period
from loyalty.analytics.rollups import rebuild
from loyalty.points.purchases import record_purchase
from loyalty.portal.views.insights_overview import CARDS, figure_cards
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 12)


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=_TZ)


_TZ = None


@pytest.fixture(autouse=True)
def _zone(merchant_a):
    global _TZ
    _TZ = merchant_a.tzinfo


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def sale(shop, member, amount: str, receipt: str, day: date):
    with at(local(day)):
        return record_purchase(
            shop=shop, member=member, external_id=receipt, amount=Decimal(amount)
        ).purchase


@pytest.fixture
def history(merchant_a, shop_a, manager_a):
    """Ana buys on 1 and 9 May; Bob, enrolled by the manager, on 10 May; one anonymous sale."""
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    with at(local(date(2026, 5, 1), 9)):
        ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    sale(shop_a, ana, "10.00", "A1", date(2026, 5, 1))
    sale(shop_a, ana, "20.00", "A2", date(2026, 5, 9))
    with at(local(date(2026, 5, 10), 9)):
        bob = enrol_member(
            merchant=merchant_a, email="bob@example.com", shop=shop_a, actor=manager_a
        )
    sale(shop_a, bob, "30.00", "B1", date(2026, 5, 10))
    sale(shop_a, None, "5.00", "X1", date(2026, 5, 10))
    with at(local(TODAY, 18)):
        rebuild(merchant_a)
    return merchant_a


def get(client, **params):
    with at(local(TODAY, 18)):
        return client.get("/portal/insights/", params)


def test_the_cards_compare_the_period_with_the_one_before(manager_client, history):
    page = get(manager_client, period="7d")  # 6-12 May against 29 April - 5 May
    html = page.content.decode()

    assert page.status_code == 200
    assert page.context["period"].first_day == date(2026, 5, 6)
    figures = page.context["result"].figures
    # This week: A2 20 + B1 30 from members; the week before: A1 10.
    assert (figures["revenue_members"].value, figures["revenue_members"].previous) == (
        Decimal("50.00"),
        Decimal("10.00"),
    )
    assert "€50.00" in html and "Before: €10.00" in html
    # +40.00 is +400%, said in words beside the arrow, not by colour alone.
    assert "▲</span> Up" in html and "+€40.00 (+400.0%)" in html
    # The share 50 / 55 = 90.9% against 100%: down 9.1 percentage points.
    assert "90.9%" in html and "▼</span> Down" in html and "\u22129.1 points" in html
    assert "Retention rate" in html and "active the day before the period" in html
    assert '<a href="/portal/insights/?period=7d" aria-current="page">7 days</a>' in html
    assert 'aria-current="page">Overview</a>' in html
    assert '<a href="/portal/insights/" aria-current="page">Insights</a>' in html  # main nav


def test_the_cards_link_to_the_lists_of_the_period(manager_client, history):
    html = get(manager_client, period="custom", **{"from": "2026-05-09", "to": "2026-05-10"})
    html = html.content.decode()

    assert 'href="/portal/purchases/?since=2026-05-09&amp;until=2026-05-10"' in html
    assert 'href="/portal/members/?joined_since=2026-05-09&amp;joined_until=2026-05-10"' in html
    assert (
        'href="/portal/rewards/report/?period=custom&amp;start=2026-05-09&amp;end=2026-05-10"'
        in html
    )
    # Active members link to "bought in the last 90 days" only when the period ends today.
    assert "last_purchase=90" not in html
    assert "last_purchase=90" in get(manager_client, period="30d").content.decode()


def test_the_lists_behind_the_cards_show_that_period(manager_client, history):
    with at(local(TODAY, 18)):
        purchases = manager_client.get(
            "/portal/purchases/", {"since": "2026-05-09", "until": "2026-05-09"}
        )
        members = manager_client.get(
            "/portal/members/", {"joined_since": "2026-05-10", "joined_until": "2026-05-10"}
        )
        backwards = manager_client.get(
            "/portal/purchases/", {"since": "2026-05-10", "until": "2026-05-09"}
        )
    assert [p.external_id for p in purchases.context["page"]] == ["A2"]
    assert [m.email for m in members.context["page"]] == ["bob@example.com"]
    assert "The end date is before the start date." in backwards.content.decode()


def test_enrolments_by_shop_and_staff(manager_client, history):
    result = get(manager_client, period="30d").context["result"]
    # Ana joined at Old Town with nobody named; Bob was enrolled there by the manager.
    assert result.enrolments_by_shop == [("Old Town", 2)]
    assert result.enrolments_by_staff == [("", 1), ("manager.a@example.com", 1)]
    html = get(manager_client, period="30d").content.decode()
    assert "Nobody on the staff (online, imported)" in html and "manager.a@example.com" in html


def test_the_revenue_chart_has_a_table_and_a_csv(manager_client, history):
    page = get(manager_client, period="7d")
    html = page.content.decode()
    assert '<svg class="chart chart-line"' in html and "<title>Revenue per day</title>" in html
    assert "Revenue per day as a table" in html

    answer = get(manager_client, period="7d", export="csv")
    assert answer["Content-Type"].startswith("text/csv")
    assert 'filename="revenue-aroma-2026-05-06-2026-05-12.csv"' in answer["Content-Disposition"]
    lines = answer.content.decode().splitlines()
    assert lines[0] == "day,revenue,previous_period_day,previous_period_revenue"
    assert len(lines) == 1 + 7
    # 9 May: A2 20.00, against 2 May (nothing); 10 May: B1 30 + X1 5.
    assert lines[4] == "2026-05-09,20.00,2026-05-02,0.00"
    assert lines[5] == "2026-05-10,35.00,2026-05-03,0.00"


def test_a_bad_custom_period_shows_the_default_with_the_reason(manager_client, history):
    page = get(manager_client, period="custom", **{"from": "2026-05-10", "to": "2026-06-01"})
    html = page.content.decode()
    assert page.context["period"].preset == "30d"
    assert "The end date is in the future" in html and "Showing the last 30 days instead." in html


def test_a_new_merchant_is_told_where_the_figures_come_from(owner_client):
    html = owner_client.get("/portal/insights/").content.decode()
    assert "No figures for this period yet" in html
    assert 'href="/portal/settings/api/"' in html


def test_a_cashier_cannot_see_the_insights(cashier_client):
    assert cashier_client.get("/portal/insights/").status_code in (302, 403)


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert get(client, **params).status_code == 200
    return len(queries)


def test_the_page_takes_the_same_few_queries_whatever_the_data(
    manager_client, merchant_a, shop_a, django_assert_max_num_queries
):
    _queries(manager_client, period="90d")  # the session is loaded once
    few = _queries(manager_client, period="90d")
    for n in range(20):
        day = TODAY - timedelta(days=n * 4)
        with at(local(day, 9)):
            member = enrol_member(merchant=merchant_a, email=f"m{n}@example.com", shop=shop_a)
        sale(shop_a, member, "12.00", f"S{n}", day)
        sale(shop_a, None, "3.00", f"A{n}", day)
    with at(local(TODAY, 18)):
        rebuild(merchant_a)

    assert _queries(manager_client, period="90d") == few
    assert _queries(manager_client, period="year") == few
    with django_assert_max_num_queries(12):
        get(manager_client, period="90d")


def test_a_fall_in_churn_is_shown_as_good_news(merchant_a):
    period = Period(date(2026, 5, 1), date(2026, 5, 31), "last_month")
    figures = {key: kpis.Figure(key=key, kind="count", value=5, previous=9) for key, *_ in CARDS}
    result = kpis.Insights(
        period=period, previous=period.previous(), figures=figures, revenue_by_day=[]
    )
    tones = {
        card["key"]: (card["direction"], card["tone"])
        for card in figure_cards(result, merchant_a, {})
    }
    # Everything fell from 9 to 5: bad news, but for churn and tier downgrades.
    assert tones["revenue_members"] == ("down", "bad")
    assert tones["churn"] == ("down", "good")
    assert tones["tier_downs"] == ("down", "good")
