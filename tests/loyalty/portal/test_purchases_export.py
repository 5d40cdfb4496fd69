"""The purchases list, continued: its date filter in the merchant's days, what the status
column says, the link to the member, the numbered pager and the CSV export of the filtered
list (another merchant's sales never in it).

Sales go through the points engine, as in test_purchases.py, whose helpers and `till` are
used here.
"""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.clock import local_today
from loyalty.models import AuditEvent
from loyalty.points import refunds
from loyalty.points.refunds import refund_purchase
from loyalty.portal.views import purchases as purchases_views
from members.services.enrolment import enrol_member
from tests.loyalty.portal import test_purchases as listing
from tests.loyalty.portal.test_purchases import LIST, receipts_in, rows_of, sale

till = listing.till  # the fixture: a day at the till


# --- Dates, status, the member's link, pages and the CSV export ------------------------------


def export(client, query: str = "") -> tuple:
    answer = client.get(f"{LIST}?{query}{'&' if query else ''}export=csv")
    content = b"".join(answer.streaming_content).decode()
    return answer, list(csv.reader(io.StringIO(content)))


@pytest.fixture
def midnight_sales(merchant_a, shop_a, ana):
    """Two sales an hour apart across the merchant's midnight (Bucharest, UTC+2 in March)."""
    tz = merchant_a.tzinfo
    return {
        "late": sale(
            shop_a, ana, "N-1", "5.00", occurred_at=datetime(2026, 3, 1, 23, 30, tzinfo=tz)
        ),
        "early": sale(
            shop_a, ana, "N-2", "6.00", occurred_at=datetime(2026, 3, 2, 0, 30, tzinfo=tz)
        ),
        "later": sale(
            shop_a, ana, "N-3", "7.00", occurred_at=datetime(2026, 3, 9, 12, 0, tzinfo=tz)
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("since=2026-03-02&until=2026-03-02", ["N-2"]),  # 22:30 UTC on the 1st is the 2nd here
        ("until=2026-03-01", ["N-1"]),
        ("since=2026-03-02", ["N-3", "N-2"]),
        ("since=2026-03-01&until=2026-03-09", ["N-3", "N-2", "N-1"]),
        ("since=2026-03-03&until=2026-03-08", []),
    ],
)
def test_the_date_filter_counts_the_merchants_days(owner_client, midnight_sales, query, expected):
    html = owner_client.get(f"{LIST}?{query}").content.decode()

    assert receipts_in(html) == expected


def test_an_end_date_before_the_start_is_refused(owner_client, midnight_sales):
    html = owner_client.get(f"{LIST}?since=2026-03-09&until=2026-03-01").content.decode()

    assert "The end date is before the start date." in html
    assert len(receipts_in(html)) == 3  # nothing is hidden by a range that cannot be


def test_the_form_has_from_and_until_dates(owner_client, till):
    html = owner_client.get(f"{LIST}?since=2026-03-02").content.decode()

    assert '<label for="id_since">From</label>' in html
    assert 'type="date" name="since" value="2026-03-02"' in html
    assert '<label for="id_until">Until</label>' in html


@pytest.mark.parametrize(
    ("receipt", "refund", "reverse", "expected"),
    [
        ("OT-1001", None, False, "OK"),
        ("OT-1002", None, False, "Flagged"),  # capped
        ("OT-1001", "2.50", False, "Partly refunded"),
        ("OT-1001", "12.50", False, "Refunded"),
        ("ST-2001", None, True, "Reversed"),
    ],
)
def test_the_status_says_what_became_of_the_sale(
    owner_client, owner_a, till, receipt, refund, reverse, expected
):
    sold = next(p for p in till.values() if p.external_id == receipt)
    if refund:
        refund_purchase(purchase=sold, external_id="RF-1", amount=Decimal(refund))
    if reverse:
        refunds.reverse_purchase(purchase=sold, actor=owner_a, reason="test sale")

    row = next(r for r in rows_of(owner_client.get(LIST).content.decode()) if receipt in r)
    status = row.split("<td")[-1]

    assert f">{expected}</span>" in status


def test_the_status_of_each_kind(till, owner_a):
    capped, small = till["capped"], till["small"]
    assert purchases_views.purchase_status(small) == "ok"
    assert purchases_views.purchase_status(capped) == "flagged"
    refund_purchase(purchase=capped, external_id="RF-9", amount=Decimal("80.00"))
    capped.refresh_from_db()
    assert purchases_views.purchase_status(capped) == "refunded"  # a refund says more
    refunds.reverse_purchase(purchase=small, actor=owner_a, reason="test")
    small.refresh_from_db()
    assert purchases_views.purchase_status(small) == "reversed"


def test_a_members_name_leads_to_their_page(owner_client, till, ana):
    row = next(r for r in rows_of(owner_client.get(LIST).content.decode()) if "OT-1001" in r)

    assert f'<a href="/portal/members/{ana.pk}/">Ana Pop</a>' in row


def test_the_list_uses_the_numbered_pager(owner_client, shop_a):
    for number in range(120):
        sale(shop_a, None, f"P-{number:03d}", "3.00")

    html = owner_client.get(LIST + "?anonymous=1&page=2").content.decode()
    pager = html.split('class="pagination"')[1].split("</nav>")[0]

    assert 'aria-current="page"' in pager and "Page 2 of 3" in pager
    assert 'href="?anonymous=1&amp;page=3"' in pager and 'rel="prev"' in pager
    assert "Older" not in html and "Newer" not in html


def test_export_csv_has_a_header_and_the_filtered_sales(owner_client, merchant_a, till, ana):
    refund_purchase(purchase=till["small"], external_id="RF-1", amount=Decimal("2.50"))

    answer, rows = export(owner_client, "shop=" + str(till["small"].shop_id))

    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="purchases-aroma-' in answer["Content-Disposition"]
    assert rows[0] == purchases_views.EXPORT_HEADER
    assert [row[4] for row in rows[1:]] == ["OT-1003", "OT-1002", "OT-1001"]  # newest first
    small = dict(zip(rows[0], rows[3], strict=True))
    assert small == {
        "occurred_at": "2026-03-02T09:00:00+02:00",  # the merchant's time
        "shop": "Old Town",
        "card_number": ana.card_number,
        "member_name": "Ana Pop",
        "receipt": "OT-1001",
        "amount": "12.50",
        "refunded": "2.50",
        "points": "12",
        "points_taken_back": "2",
        "status": "partly_refunded",
    }
    anonymous = dict(zip(rows[0], rows[1], strict=True))
    assert (anonymous["card_number"], anonymous["member_name"], anonymous["status"]) == (
        "",
        "",
        "ok",
    )
    assert dict(zip(rows[0], rows[2], strict=True))["status"] == "flagged"
    assert (
        AuditEvent.objects.for_merchant(merchant_a)
        .filter(action="loyalty.purchases.exported")
        .exists()
    )


def test_export_follows_the_date_filter(owner_client, midnight_sales):
    _answer, rows = export(owner_client, "since=2026-03-02&until=2026-03-02")

    assert [row[4] for row in rows[1:]] == ["N-2"]


def test_export_has_only_the_merchants_own_sales(owner_client, outsider_client, till, merchant_b):
    sale(merchant_b.shops.get(), None, "BEE-1", "4.00")

    _answer, ours = export(owner_client)
    _answer, theirs = export(outsider_client)

    assert [row[4] for row in ours[1:]] == ["ST-2001", "OT-1003", "OT-1002", "OT-1001"]
    assert [row[4] for row in theirs[1:]] == ["BEE-1"]
    assert "Ana Pop" not in "".join(",".join(row) for row in theirs)


def test_export_defuses_spreadsheet_formulas(owner_client, merchant_a, shop_a):
    member = enrol_member(merchant=merchant_a, email="x@example.com", first_name="=HYPERLINK(1)")
    sale(shop_a, member, "-R1", "4.00")

    _answer, rows = export(owner_client)

    assert rows[1][3] == "'=HYPERLINK(1)" and rows[1][4] == "'-R1"


def test_the_export_link_keeps_the_filters(owner_client, till):
    html = owner_client.get(f"{LIST}?anonymous=1&page=1").content.decode()

    assert 'href="?anonymous=1&amp;export=csv"' in html


def test_cashier_cannot_export(cashier_client, till):
    assert cashier_client.get(f"{LIST}?export=csv").status_code == 403


def test_date_presets_set_from_and_until_in_the_merchants_days(owner_client, merchant_a, shop_a):
    today = local_today(merchant_a)
    sale(shop_a, None, "NOW-1", "5.00")
    sale(shop_a, None, "OLD-1", "5.00", occurred_at=timezone.now() - timedelta(days=40))

    html = owner_client.get(f"{LIST}?anonymous=1&page=2").content.decode()
    picker = html.split('class="period-picker"')[1].split("</nav>")[0]
    link = f"?anonymous=1&amp;since={today.isoformat()}&amp;until={today.isoformat()}"
    assert f'<a href="{link}">Today</a>' in picker  # the other filters kept, from page 1
    week = (today - timedelta(days=6)).isoformat()
    assert f"since={week}&amp;until={today.isoformat()}" in picker and "7 days" in picker

    html = owner_client.get(f"{LIST}?since={today}&until={today}").content.decode()
    assert receipts_in(html) == ["NOW-1"]
    picker = html.split('class="period-picker"')[1].split("</nav>")[0]
    assert 'aria-current="page">Today</a>' in picker
    assert picker.count("aria-current") == 1
