"""The purchases pages: the list with its filters, one sale, and reversing a sale.

Sales are recorded through the points engine, so the flags, breakdowns and ledger entries the
pages show are the ones real use writes.
"""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.errors import DomainError
from loyalty.models import AuditEvent
from loyalty.models.points import EntryKind, PointsEntry, Purchase
from loyalty.points import refunds
from loyalty.points.ledger import get_program
from loyalty.points.program import update_program
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from loyalty.portal.views import purchases as purchases_views
from loyalty.tasks import drain_outbox
from members.models import Member
from members.services.enrolment import enrol_member

LIST = "/portal/purchases/"


def detail_url(purchase: Purchase) -> str:
    return f"/portal/purchases/{purchase.pk}/"


def reverse_url(purchase: Purchase) -> str:
    return f"/portal/purchases/{purchase.pk}/reverse/"


def sale(shop, member, receipt: str, amount: str, **kwargs) -> Purchase:
    return record_purchase(
        shop=shop, member=member, external_id=receipt, amount=Decimal(amount), **kwargs
    ).purchase


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [row for row in body.split("<tr")[1:] if "colspan" not in row]


def receipts_in(html: str) -> list[str]:
    return [row.split('class="mono">')[1].split("<")[0] for row in rows_of(html)]


def set_program(merchant, owner, **changes):
    update_program(program=get_program(merchant), actor=owner, changes=changes)


@pytest.fixture
def till(merchant_a, owner_a, shop_a, shop_a2, ana):
    """A day at the till: a capped sale, an anonymous one, one at the station, a refund."""
    set_program(merchant_a, owner_a, max_points_per_purchase=60)
    tz = merchant_a.tzinfo
    day = datetime(2026, 3, 2, tzinfo=tz)
    return {
        "small": sale(shop_a, ana, "OT-1001", "12.50", occurred_at=day.replace(hour=9)),
        "capped": sale(shop_a, ana, "OT-1002", "80.00", occurred_at=day.replace(hour=10)),
        "anonymous": sale(shop_a, None, "OT-1003", "7.00", occurred_at=day.replace(hour=11)),
        "station": sale(shop_a2, ana, "ST-2001", "20.00", occurred_at=day.replace(hour=12)),
    }


# --- Who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_owner_and_manager_see_the_sales_newest_first(request, persona, till):
    answer = request.getfixturevalue(persona).get(LIST)

    assert answer.status_code == 200
    assert receipts_in(answer.content.decode()) == ["ST-2001", "OT-1003", "OT-1002", "OT-1001"]


@pytest.mark.parametrize("page", ["list", "detail", "reverse", "adjust"])
def test_cashier_gets_403(cashier_client, till, page):
    url = {
        "list": LIST,
        "detail": detail_url(till["small"]),
        "reverse": reverse_url(till["small"]),
        "adjust": "/portal/points/adjust/",
    }[page]

    assert cashier_client.get(url).status_code == 403
    assert cashier_client.post(url, {"reason": "x"}).status_code in (403, 405)
    assert Purchase.objects.get(pk=till["small"].pk).reversed_at is None


def test_outsider_gets_404_on_a_sale_of_another_merchant(outsider_client, till):
    for url in (detail_url(till["small"]), reverse_url(till["small"])):
        assert outsider_client.get(url).status_code == 404
    answer = outsider_client.post(reverse_url(till["small"]), {"reason": "mine now"})

    assert answer.status_code == 404
    assert Purchase.objects.get(pk=till["small"].pk).reversed_at is None


def test_outsider_lists_only_their_own_sales(outsider_client, till):
    html = outsider_client.get(LIST).content.decode()

    assert "OT-1001" not in html
    assert "Ana Pop" not in html
    assert "0 purchases" in html


def test_the_sidebar_leads_to_purchases_and_marks_the_page(owner_client, till):
    html = owner_client.get(LIST).content.decode()

    assert '<a href="/portal/purchases/" aria-current="page">Purchases</a>' in html


# --- The list -------------------------------------------------------------------------------


def test_a_row_shows_time_in_the_merchants_zone_shop_member_amount_and_points(
    owner_client, till, ana
):
    html = owner_client.get(LIST).content.decode()
    row = next(row for row in rows_of(html) if "OT-1002" in row)

    assert ">2 Mar 2026<" in row and ">10:00<" in row  # Bucharest time, as rung up
    assert "Old Town" in row
    assert "Ana Pop" in row and ana.card_number in row
    assert "€80.00" in row
    assert ">60<" in row  # capped


def test_a_capped_sale_carries_a_human_badge(owner_client, till):
    html = owner_client.get(LIST).content.decode()
    capped = next(row for row in rows_of(html) if "OT-1002" in row)
    small = next(row for row in rows_of(html) if "OT-1001" in row)

    assert till["capped"].flags == ["points_cap"]
    assert "Points capped at the per-sale limit" in capped
    assert "badge" not in small


def test_a_sale_over_the_daily_limit_says_so(merchant_a, owner_a, owner_client, shop_a, ana):
    set_program(merchant_a, owner_a, max_purchases_per_day=1)
    sale(shop_a, ana, "D-1", "5.00")
    sale(shop_a, ana, "D-2", "5.00")

    html = owner_client.get(LIST + "?flagged=1").content.decode()

    assert receipts_in(html) == ["D-2"]
    assert "Over the daily purchase limit" in html


def test_an_anonymous_sale_shows_its_claim_code(owner_client, till):
    html = owner_client.get(LIST).content.decode()
    row = next(row for row in rows_of(html) if "OT-1003" in row)

    assert "anonymous" in row
    assert till["anonymous"].claim_code in row


def test_refunded_and_reversed_sales_say_so(owner_client, owner_a, till):
    refund_purchase(purchase=till["small"], external_id="RF-1", amount=Decimal("2.50"))
    refunds.reverse_purchase(purchase=till["station"], actor=owner_a, reason="test sale")

    rows = rows_of(owner_client.get(LIST).content.decode())
    refunded = next(row for row in rows if "OT-1001" in row)
    reversed_ = next(row for row in rows if "ST-2001" in row)

    assert "€2.50" in refunded
    assert "(-2)" in refunded  # points taken back by the refund
    assert "Reversed" in reversed_
    assert "Reversed" not in refunded


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("flagged=1", ["OT-1002"]),
        ("flagged=on", ["OT-1002"]),
        ("anonymous=1", ["OT-1003"]),
        ("receipt=OT-1002", ["OT-1002"]),
        ("receipt=st-", ["ST-2001"]),
        ("receipt=1003&anonymous=1", ["OT-1003"]),
        ("receipt=nothing-like-it", []),
    ],
)
def test_filters(owner_client, till, query, expected):
    html = owner_client.get(f"{LIST}?{query}").content.decode()

    assert receipts_in(html) == expected


def test_the_shop_filter(owner_client, till, shop_a2):
    html = owner_client.get(f"{LIST}?shop={shop_a2.pk}").content.decode()

    assert receipts_in(html) == ["ST-2001"]


def test_a_shop_of_another_merchant_filters_nothing_and_shows_nothing_of_it(
    owner_client, till, merchant_b
):
    shop_b = merchant_b.shops.get()

    answer = owner_client.get(f"{LIST}?shop={shop_b.pk}")

    assert answer.status_code == 200
    assert "Corner" not in answer.content.decode()
    assert len(receipts_in(answer.content.decode())) == 4


def test_an_htmx_filter_swaps_only_the_results(owner_client, till):
    answer = owner_client.get(LIST + "?flagged=1", headers={"HX-Request": "true"})
    html = answer.content.decode()

    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html and 'class="filters"' not in html
    assert receipts_in(html) == ["OT-1002"]


def test_pages_of_fifty_keep_the_filters_in_their_links(owner_client, shop_a):
    for number in range(55):
        sale(shop_a, None, f"P-{number:03d}", "3.00")

    first = owner_client.get(LIST + "?anonymous=1").content.decode()
    second = owner_client.get(LIST + "?anonymous=1&page=2").content.decode()

    assert len(rows_of(first)) == 50
    assert len(rows_of(second)) == 5
    assert 'href="?anonymous=1&amp;page=2"' in first
    assert 'hx-get="?anonymous=1&amp;page=2"' in first


@pytest.mark.parametrize("sales", [3, 60])
def test_the_list_takes_a_fixed_number_of_queries_whatever_the_rows(
    owner_client, shop_a, shop_a2, ana, sales, django_assert_max_num_queries
):
    other = enrol_member(merchant=ana.merchant, email="bob@example.com", shop=shop_a)
    for number in range(sales):
        member = [ana, other, None][number % 3]
        sale([shop_a, shop_a2][number % 2], member, f"Q-{number:03d}", "4.00")
    owner_client.get(LIST)  # sessions and the like settle on the first request

    with django_assert_max_num_queries(7):
        answer = owner_client.get(LIST + "?shop=&receipt=Q")

    assert len(rows_of(answer.content.decode())) == min(sales, 50)


# --- The dashboard card ---------------------------------------------------------------------


def test_the_dashboard_points_to_flagged_sales_of_the_last_30_days(
    merchant_a, owner_a, owner_client, shop_a, ana
):
    set_program(merchant_a, owner_a, max_points_per_purchase=10)
    sale(shop_a, ana, "F-0", "50.00", occurred_at=timezone.now() - timedelta(days=40))
    sale(shop_a, ana, "F-1", "50.00")
    sale(shop_a, ana, "F-2", "50.00")
    sale(shop_a, ana, "F-3", "5.00")
    mistake = sale(shop_a, ana, "F-4", "50.00")
    refunds.reverse_purchase(purchase=mistake, actor=owner_a, reason="test")  # dealt with
    drain_outbox()  # the daily statistics the dashboard reads, kept current by the outbox

    html = owner_client.get("/portal/").content.decode()

    assert "<strong>2 flagged purchases</strong> in the last 30 days" in html
    assert 'href="/portal/purchases/?flagged=1"' in html


def test_the_dashboard_says_nothing_when_nothing_is_flagged(owner_client, shop_a, ana):
    sale(shop_a, ana, "F-1", "50.00")
    drain_outbox()

    assert "flagged" not in owner_client.get("/portal/").content.decode()


# --- One sale -------------------------------------------------------------------------------


@pytest.fixture
def gold_ana(shop_a, ana):
    sale(shop_a, ana, "G-0", "1500.00")  # reaches Gold
    return Member.objects.get(pk=ana.pk)


def test_the_detail_shows_amounts_breakdown_entries_and_refunds(
    owner_client, shop_a, gold_ana, owner_a
):
    purchase = sale(
        shop_a,
        gold_ana,
        "G-1",
        "23.00",
        items=[
            {
                "sku": "LAT",
                "name": "Latte",
                "category": "coffee",
                "quantity": 2,
                "unit_price": "4.50",
            },
            {
                "sku": "CKI",
                "name": "Cookie",
                "category": "food",
                "quantity": 10,
                "unit_price": "1.40",
            },
        ],
    )
    refund_purchase(purchase=purchase, external_id="RF-9", amount=Decimal("4.50"), actor=owner_a)

    html = owner_client.get(detail_url(purchase)).content.decode()

    assert "Receipt G-1" in html
    assert "€23.00" in html and "€4.50" in html
    assert "34 points" in html
    assert "23 base + 11 Gold bonus" in html
    assert "Latte" in html and "€9.00" in html  # 2 x 4.50
    assert '<td class="num">10</td>' in html and "€14.00" in html
    assert "Earned" in html and "+34" in html
    assert "Refund clawback" in html and "-6" in html  # 34 * 4.50 / 23, rounded down
    assert "RF-9" in html and "owner.a@example.com" in html
    assert "Reverse this sale" in html


def test_the_detail_of_a_capped_sale_explains_the_cap(owner_client, till):
    html = owner_client.get(detail_url(till["capped"])).content.decode()

    assert "80 base - 20 over the per-sale limit" in html
    assert "Points capped at the per-sale limit" in html


def test_the_detail_of_an_anonymous_sale_shows_its_claim_code(owner_client, till):
    html = owner_client.get(detail_url(till["anonymous"])).content.decode()

    assert till["anonymous"].claim_code in html
    assert "earns points when a member claims it" in html


# --- Reversing a sale -----------------------------------------------------------------------


def audit_of(merchant, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_merchant(merchant).filter(action=action))


def test_the_confirmation_says_what_the_reversal_takes_back(owner_client, till, ana):
    html = owner_client.get(reverse_url(till["capped"])).content.decode()

    assert "Reverse the sale OT-1002?" in html
    assert "60 points are taken back from Ana Pop" in html
    assert "negative" in html
    assert 'name="reason"' in html and "required" in html


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_reversing_takes_the_points_back_and_leaves_an_audit_row(
    request, persona, merchant_a, till, ana
):
    client = request.getfixturevalue(persona)
    balance = Member.objects.get(pk=ana.pk).points_balance

    answer = client.post(reverse_url(till["capped"]), {"reason": "rung up twice"})

    assert answer.status_code == 302
    assert answer["Location"] == detail_url(till["capped"])
    purchase = Purchase.objects.get(pk=till["capped"].pk)
    assert purchase.reversed_at is not None
    reversal = PointsEntry.objects.get(purchase=purchase, kind=EntryKind.REVERSAL)
    assert reversal.points == -60
    assert reversal.reason == "rung up twice"
    assert Member.objects.get(pk=ana.pk).points_balance == balance - 60
    [event] = audit_of(merchant_a, "loyalty.purchase.reversed")
    assert event.data["reason"] == "rung up twice"
    assert event.actor == purchase.reversed_by

    html = client.get(detail_url(purchase)).content.decode()
    assert f"Reversed by {purchase.reversed_by.email}" in html
    assert "rung up twice" in html
    assert reverse_url(purchase) not in html


def test_a_reason_is_required(owner_client, merchant_a, till):
    answer = owner_client.post(reverse_url(till["capped"]), {"reason": "   "})

    assert answer.status_code == 200
    assert "Say why the sale is reversed." in answer.content.decode()
    assert Purchase.objects.get(pk=till["capped"].pk).reversed_at is None
    assert audit_of(merchant_a, "loyalty.purchase.reversed") == []


def test_a_refusal_of_the_engine_is_shown_and_changes_nothing(
    owner_client, merchant_a, till, monkeypatch
):
    def refuse(**kwargs):
        raise DomainError("This sale was already reversed.", code="purchase_reversed")

    monkeypatch.setattr(purchases_views, "reverse_sale", refuse)

    answer = owner_client.post(reverse_url(till["capped"]), {"reason": "twice"})

    assert answer.status_code == 200
    assert "This sale was already reversed." in answer.content.decode()
    assert Purchase.objects.get(pk=till["capped"].pk).reversed_at is None


def test_an_anonymous_sale_is_reversed_without_points(owner_client, merchant_a, till):
    html = owner_client.get(reverse_url(till["anonymous"])).content.decode()
    assert "no points to take back" in html

    owner_client.post(reverse_url(till["anonymous"]), {"reason": "test"})

    assert Purchase.objects.get(pk=till["anonymous"].pk).reversed_at is not None
    assert len(audit_of(merchant_a, "loyalty.purchase.reversed")) == 1


def test_a_reversed_sale_offers_no_second_reversal(owner_client, owner_a, merchant_a, till):
    refunds.reverse_purchase(purchase=till["small"], actor=owner_a, reason="first")

    again = owner_client.get(reverse_url(till["small"]))
    posted = owner_client.post(reverse_url(till["small"]), {"reason": "second"})

    assert again.status_code == posted.status_code == 302
    assert again["Location"] == detail_url(till["small"])
    assert len(audit_of(merchant_a, "loyalty.purchase.reversed")) == 1
    assert PointsEntry.objects.filter(purchase=till["small"], kind=EntryKind.REVERSAL).count() == 1
