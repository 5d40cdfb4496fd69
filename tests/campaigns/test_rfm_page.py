"""The RFM segments page: the chart, the table with the change since about a month ago and the
CSV for a manager, a 403 for a cashier, the empty state, another merchant's counts never shown;
the day compared with; the demo step that scores the history as of 30 days ago and today."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.demo import seed_segments
from campaigns.models import RfmSegmentCount
from campaigns.segments.rfm import comparison_day, recompute_rfm, segment_counts
from loyalty.clock import local_today
from loyalty.demo import seed
from loyalty.points.purchases import record_purchase
from members.services.enrolment import enrol_member
from tests.campaigns.test_rfm import TODAY, make_history

pytestmark = pytest.mark.django_db

URL = "/portal/campaigns/segments/rfm/"
MONTH_BEFORE = date(2026, 5, 31)


@pytest.fixture
def two_counts(merchant_a, shop_a, owner_a):
    """The hand-made history of test_rfm scored on 31 May and on 30 June 2026. On 31 May only
    Cy, Di and Ed had bought (n = 3: ranks 1, 2, 3 score 1, 2, 4):
      recency Di 1, Ed 2, Cy 4; frequency Ed 1, Cy 2, Di 4; monetary Ed 1, Di 2, Cy 4;
      FM: Ed 1, Cy ceil(6 / 2) = 3, Di 3 -> Di R1 FM3 at risk, Ed R2 FM1 lost, Cy R4 FM3
      potential loyalists.
    On 30 June (test_rfm's EXPECTED): 2 potential loyalists, 1 loyal, 1 can't lose, 1 lost."""
    make_history(merchant_a, shop_a, owner_a)
    recompute_rfm(merchant_a, MONTH_BEFORE)
    recompute_rfm(merchant_a, TODAY)


def test_a_manager_sees_the_chart_the_table_and_the_change(manager_client, two_counts):
    html = manager_client.get(URL).content.decode()

    assert "<svg" in html and "Members per RFM segment" in html
    assert "Members per segment on 30 Jun 2026" in html
    assert "Since 31 May 2026" in html
    assert "Were among your best customers and have not come back for a long time." in html
    assert '<a href="/portal/campaigns/segments/rfm/" aria-current="page">RFM segments</a>' in html


def test_the_csv_has_every_segment_and_its_change(manager_client, two_counts):
    response = manager_client.get(URL + "?export=csv")

    assert response["Content-Disposition"].endswith('rfm-segments-aroma-2026-06-30.csv"')
    lines = response.content.decode().splitlines()
    assert lines[0] == "segment,members,day,members_before,day_before,change"
    rows = {line.split(",")[0]: line for line in lines[1:]}
    assert len(rows) == 11
    assert rows["potential_loyalists"] == "potential_loyalists,2,2026-06-30,1,2026-05-31,1"
    assert rows["loyal"] == "loyal,1,2026-06-30,0,2026-05-31,1"
    assert rows["cant_lose"] == "cant_lose,1,2026-06-30,0,2026-05-31,1"
    assert rows["at_risk"] == "at_risk,0,2026-06-30,1,2026-05-31,-1"
    assert rows["lost"] == "lost,1,2026-06-30,1,2026-05-31,0"
    assert rows["champions"] == "champions,0,2026-06-30,0,2026-05-31,0"


def test_before_any_recompute_the_page_says_when_scores_come(manager_client):
    html = manager_client.get(URL).content.decode()

    assert "Scores are computed every night" in html
    assert "<svg" not in html


def test_a_cashier_cannot_open_the_page(cashier_client):
    assert cashier_client.get(URL).status_code == 403


def test_another_merchant_sees_only_its_own_counts(outsider_client, two_counts):
    html = outsider_client.get(URL).content.decode()

    assert "Scores are computed every night" in html
    assert "Since 31 May 2026" not in html


def test_the_hub_links_to_the_page(manager_client):
    html = manager_client.get("/portal/campaigns/").content.decode()

    assert f'<a href="{URL}">RFM segments</a>' in html


def test_the_day_compared_is_the_closest_to_30_days_before(merchant_a):
    for day in (date(2026, 5, 29), date(2026, 6, 2), date(2026, 6, 30)):
        RfmSegmentCount.objects.create(merchant=merchant_a, day=day, segment="lost", members=1)

    # 30 days before 30 June is 31 May: 29 May and 2 June are both 2 days away; the earlier wins.
    assert comparison_day(merchant_a, date(2026, 6, 30)) == date(2026, 5, 29)
    assert comparison_day(merchant_a, date(2026, 6, 2)) == date(2026, 5, 29)
    assert comparison_day(merchant_a, date(2026, 5, 29)) is None
    counts = segment_counts(merchant_a)
    assert (counts.day, counts.before_day, counts.total) == (
        date(2026, 6, 30),
        date(2026, 5, 29),
        1,
    )


def test_the_demo_step_counts_today_and_30_days_ago_from_the_history(merchant_a, shop_a):
    now = timezone.now()
    regular = enrol_member(merchant=merchant_a, email="regular-demo@example.com")
    newcomer = enrol_member(merchant=merchant_a, email="newcomer-demo@example.com")
    for member, days_ago, receipt in ((regular, 60, "D1"), (newcomer, 10, "D2")):
        record_purchase(
            shop=shop_a,
            member=member,
            external_id=receipt,
            amount=Decimal("12.00"),
            occurred_at=now - timedelta(days=days_ago),
        )

    seed_segments(merchant_a)

    today = local_today(merchant_a)
    totals = {
        day: sum(
            RfmSegmentCount.objects.for_merchant(merchant_a)
            .filter(day=day)
            .values_list("members", flat=True)
        )
        for day in (today - timedelta(days=30), today)
    }
    # 30 days ago the newcomer had not bought yet.
    assert totals == {today - timedelta(days=30): 1, today: 2}
    # The demo runs it after the step that records the two years of purchases.
    names = [step.__name__ for step in seed.DEMO_STEPS]
    assert names.index("seed_segments") > names.index("_seed_points")
