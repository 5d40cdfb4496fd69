"""The cohorts page: the retention heatmap from the stored cohort rows (cells, blank months, the
counts on hover and focus, CSV), members by tier (chart, table, CSV), the empty states, another
merchant's figures never shown, and a query count that does not grow with the data."""

import csv
import io
from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.analytics.cohorts import rebuild_cohorts
from loyalty.models import Tier
from members.models import Member, MemberStatus
from members.services.enrolment import enrol_member
from members.services.merge import merge_members
from members.services.status import set_member_status
from tests.loyalty.analytics.cohort_history import MARCH_15, make_history
from tests.loyalty.analytics.helpers import sale

pytestmark = pytest.mark.django_db
URL = "/portal/insights/cohorts/"


@pytest.fixture
def march(merchant_a):
    with time_machine.travel(MARCH_15.replace(tzinfo=merchant_a.tzinfo), tick=False):
        yield


@pytest.fixture
def history(merchant_a, shop_a, owner_a):
    make_history(merchant_a, shop_a, owner_a)
    rebuild_cohorts(merchant_a)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_heatmap_shows_each_cohort_with_counts_on_focus(owner_client, history, march):
    response = owner_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/portal/insights/cohorts/" aria-current="page">Cohorts</a>' in html
    for month in ("Nov 2025", "Dec 2025", "Jan 2026"):
        assert f'<th scope="row" class="nowrap">{month}</th>' in html
    # December, month 1: Ana of the three who first bought in December.
    assert (
        '<td class="heat-cell heat-3" tabindex="0" title="1 of 3 members">33%'
        '<span class="visually-hidden">, 1 of 3 members</span>'
        '<span class="heat-tip" aria-hidden="true">1 of 3 members</span></td>'
    ) in html
    # November, month 1 and 2: Bob, the whole cohort of one.
    assert html.count('title="1 of 1 member">100%') == 2
    # Months that came without buyers are 0%, not blank: November's 3 and 4 (February and
    # March), January's 1 and 2.
    assert html.count('<td class="heat-cell heat-0" tabindex="0" title="0 of 1 member">0%') == 4
    # Months after March are blank: 8 of November's, 9 of December's, 10 of January's.
    assert html.count('<td class="heat-cell heat-none">') == 27
    assert '<th scope="col" class="num"><span class="visually-hidden">Month </span>12</th>' in html
    assert "<caption>Share of each monthly cohort buying again" in html


def test_the_heatmap_as_csv(owner_client, history, march):
    rows = csv_rows(owner_client.get(URL, {"export": "csv"}))

    assert rows[0][:6] == [
        "cohort",
        "size",
        "month_1_members",
        "month_1_share",
        "month_2_members",
        "month_2_share",
    ]
    assert len(rows[0]) == 2 + 2 * 12
    blank = ["", ""]
    bob = ["1", "1.0000"] * 2 + ["0", "0.0000"] * 2  # December, January; then nobody
    assert rows[1] == ["2025-11", "1", *bob] + blank * 8
    assert rows[2] == ["2025-12", "3", "1", "0.3333", "1", "0.3333", "1", "0.3333"] + blank * 9
    assert rows[3] == ["2026-01", "1", "0", "0.0000", "0", "0.0000"] + blank * 10
    assert len(rows) == 4


def test_members_by_tier_chart_table_and_csv(owner_client, merchant_a, owner_a, march):
    tiers = {tier.name: tier for tier in Tier.objects.for_merchant(merchant_a)}
    people = [enrol_member(merchant=merchant_a, email=f"p{n}@example.com") for n in range(6)]
    names = ["Bronze", "Bronze", "Silver", "Gold", None, "Gold"]
    for person, tier in zip(people, names, strict=True):
        Member.objects.filter(pk=person.pk).update(tier=tiers.get(tier))
    # Left out: a blocked card (Gold) and a duplicate merged into a Bronze card.
    set_member_status(member=people[5], actor=owner_a, status=MemberStatus.BLOCKED)
    merge_members(survivor=people[0], duplicate=people[1], actor=owner_a)
    # No tier 1, Bronze 1 (the survivor), Silver 1, Gold 1 (the other is blocked).

    html = owner_client.get(URL).content.decode()
    assert '<svg class="chart chart-bars"' in html
    assert "<title>Active members by tier</title>" in html
    assert '<tfoot><tr><th scope="row">Total</th><td class="num">4</td></tr></tfoot>' in html
    assert '<tr><th scope="row">No tier</th><td class="num">1</td></tr>' in html
    rows = csv_rows(owner_client.get(URL, {"export": "tiers"}))
    assert rows == [
        ["tier", "members"],
        ["No tier", "1"],
        ["Bronze", "1"],
        ["Silver", "1"],
        ["Gold", "1"],
    ]


def test_the_empty_states_say_what_to_do(owner_client, merchant_a, shop_a, march):
    html = owner_client.get(URL).content.decode()
    assert "No cohorts yet." in html
    assert "No active members yet." in html
    assert "?export=csv" not in html

    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    sale(shop_a, ana, datetime(2026, 3, 2, 9, 0), "10.00", "S1")
    rebuild_cohorts(merchant_a)
    html = owner_client.get(URL).content.decode()
    assert "Your first cohort is this month" in html
    assert html.count('<td class="heat-cell heat-none">') == 12


def test_another_merchants_cohorts_never_show(owner_client, outsider_client, history, merchant_b):
    shop_b = merchant_b.shops.get()
    zoe = enrol_member(merchant=merchant_b, email="zoe@example.com")
    sale(shop_b, zoe, datetime(2025, 6, 3, 9, 0), "5.00", "Z1")
    rebuild_cohorts(merchant_b)

    with time_machine.travel(MARCH_15.replace(tzinfo=merchant_b.tzinfo), tick=False):
        mine = owner_client.get(URL).content.decode()
        theirs = outsider_client.get(URL).content.decode()
        their_csv = csv_rows(outsider_client.get(URL, {"export": "csv"}))

    assert "Jun 2025" not in mine and "Dec 2025" in mine
    assert "Jun 2025" in theirs and "Dec 2025" not in theirs and "1 of 3 members" not in theirs
    assert [row[:2] for row in their_csv[1:]] == [["2025-06", "1"]]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_takes_the_same_few_queries_whatever_the_data(
    owner_client, merchant_a, shop_a, owner_a, march, django_assert_max_num_queries
):
    make_history(merchant_a, shop_a, owner_a)
    rebuild_cohorts(merchant_a)
    _queries(owner_client)  # the session and the program are loaded once
    few = _queries(owner_client)

    for n in range(12):
        member = enrol_member(merchant=merchant_a, email=f"more{n}@example.com")
        sale(shop_a, member, datetime(2025, 4 + n % 8, 3, 9, 0), "10.00", f"M{n}")
        sale(shop_a, member, datetime(2026, 2, 3, 9, 0), "10.00", f"M{n}-2")
    rebuild_cohorts(merchant_a)

    assert _queries(owner_client) == few
    with django_assert_max_num_queries(12):
        owner_client.get(URL)


def test_only_old_cohorts_point_to_the_csv(owner_client, merchant_a, shop_a):
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    sale(shop_a, ana, datetime(2023, 5, 2, 9, 0), "10.00", "OLD")
    rebuild_cohorts(merchant_a)

    with time_machine.travel(MARCH_15.replace(tzinfo=merchant_a.tzinfo), tick=False):
        html = owner_client.get(URL).content.decode()
        rows = csv_rows(owner_client.get(URL, {"export": "csv"}))

    assert "Nobody made a first purchase in the last 18 months" in html
    assert "No cohorts yet." not in html
    assert [row[:2] for row in rows[1:]] == [["2023-05", "1"]]
