"""The members' balances counted and stored (`loyalty.points.balances`): the liability page
and the dashboard read the count, and the outbox, the nightly job and "Count now" keep it
current."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty import tasks
from loyalty.models import BalanceCount
from loyalty.models.points import ExpiryMode
from loyalty.points.balances import count_balances, latest_count
from loyalty.points.ledger import adjust_points
from loyalty.points.refunds import refund_purchase
from members.services.enrolment import enrol_member
from tests.loyalty.analytics.liability_data import sale
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db
PAGE = "/portal/insights/liability/"
COUNT = "/portal/insights/liability/count/"


@pytest.fixture
def members(merchant_a, shop_a, manager_a):
    configure(merchant_a, welcome_bonus=0, first_purchase_bonus=0)
    ana = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    bob = enrol_member(merchant=merchant_a, email="bob@example.com", shop=shop_a)
    sale(shop_a, ana, "120.00", "A1")  # 120 points
    # Bob spends his 30 points, then his sale is refunded: 30 clawed back leave him at -30.
    bought = sale(shop_a, bob, "30.00", "B1")
    adjust_points(member=bob, points=-30, reason="Spent at the old till", actor=manager_a)
    refund_purchase(purchase=bought, external_id="R1", amount=Decimal("30.00"))
    return ana, bob


def test_a_count_sums_positive_balances_pending_points_and_debts_apart(merchant_a, members):
    count = count_balances(merchant_a)

    assert (count.available, count.pending, count.debt) == (120, 0, 30)
    assert count.expiry_mode == ExpiryMode.NONE and count.expiring == {}
    # One row per merchant: a recount replaces it.
    count_balances(merchant_a)
    assert BalanceCount.objects.filter(merchant=merchant_a).count() == 1


def test_the_first_read_counts_and_later_reads_use_the_stored_count(
    merchant_a, shop_a, members, django_assert_num_queries
):
    first = latest_count(merchant_a)
    sale(shop_a, members[0], "10.00", "A2")  # no drain: the count does not know yet

    with django_assert_num_queries(1):  # the count (the merchant holds its program already)
        again = latest_count(merchant_a)

    assert again.pk == first.pk and again.available == 120


def test_the_outbox_recounts_after_a_batch_of_sales(merchant_a, shop_a, members):
    latest_count(merchant_a)
    sale(shop_a, members[0], "10.00", "A2")
    sale(shop_a, members[0], "5.00", "A3")

    tasks.drain_outbox()

    assert BalanceCount.objects.get(merchant=merchant_a).available == 135


def test_the_nightly_job_counts_every_merchant(merchant_a, merchant_b, members):
    assert tasks.count_balances() == 2

    assert BalanceCount.objects.get(merchant=merchant_a).available == 120
    assert BalanceCount.objects.get(merchant=merchant_b).available == 0


def test_a_changed_expiry_mode_recounts_with_the_horizons(merchant_a, shop_a, members):
    count_balances(merchant_a)
    configure(merchant_a, expiry_mode=ExpiryMode.INACTIVITY, expiry_months=1)

    count = latest_count(merchant_a, now=timezone.now() + timezone.timedelta(days=20))

    assert count.expiry_mode == ExpiryMode.INACTIVITY
    # Ana bought today: one month without a purchase runs out within 30 days of "now + 20".
    assert count.expiring == {"30": 120, "60": 120, "90": 120}


def test_the_page_says_when_it_counted_and_counts_again_on_demand(
    manager_client, merchant_a, shop_a, members
):
    html = manager_client.get(PAGE).content.decode()
    assert "Members&#x27; balances counted" in html or "Members' balances counted" in html
    assert "€1.20" in html  # 120 points at the default 0.01

    sale(shop_a, members[0], "80.00", "A2")  # not drained: the page still shows the count
    assert "€1.20" in manager_client.get(PAGE).content.decode()

    answer = manager_client.post(COUNT, follow=True)

    html = answer.content.decode()
    assert "Balances counted." in html
    assert "€2.00" in html  # 200 points


def test_counting_is_for_managers_and_only_by_post(cashier_client, manager_client):
    assert cashier_client.post(COUNT).status_code == 403
    assert manager_client.get(COUNT).status_code == 405


def test_the_dashboard_card_reads_the_count(owner_client, merchant_a, members):
    stamp = datetime(2026, 3, 2, 9, 30, tzinfo=merchant_a.tzinfo)
    BalanceCount.objects.filter(merchant=merchant_a).delete()
    count_balances(merchant_a, now=stamp)

    html = owner_client.get("/portal/").content.decode()

    assert "Counted 2 Mar, 09:30." in html  # the merchant's time (Bucharest)
    assert "€1.20" in html  # Ana's 120 points; Bob's debt is not netted
