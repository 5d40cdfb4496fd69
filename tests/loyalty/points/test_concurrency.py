"""Two cashiers at once never spend the same points twice, and no update is lost.

Real threads on real connections: PostgreSQL only (SQLite serialises writers anyway).
"""

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from loyalty.models import EntryKind, PointsEntry, PointsLot, Purchase
from loyalty.points.ledger import InsufficientPoints, redeem_points
from loyalty.points.purchases import PurchaseResult
from loyalty.points.refunds import RefundResult, refund_purchase
from tests.loyalty.points.helpers import (
    assert_reconciled,
    configure,
    events_of,
    fresh,
    ledger_sum,
    ring,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(jobs: list[Callable[[], object]]) -> list[object]:
    """Run every job in its own thread, released at the same instant by a barrier.

    Returns what each job returned, or the exception it raised.
    """
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()  # connect first, so the barrier starts the work
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as exc:  # handed back to the test to judge
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"
    return results


def test_buying_and_spending_at_once_loses_nothing_and_never_overspends(
    merchant_a, shop_a, member_a
):
    ring(shop_a, member_a, "100")  # 100 points to start with

    def buy(n: int):
        return lambda: ring(shop_a, member_a, "20", external_id=f"C-{n}")

    def spend():
        return lambda: redeem_points(member=member_a, points=40)

    # 10 sales of 20 points and 10 redemptions of 40: asks for 400 of at most 300 points.
    jobs = [job for n in range(10) for job in (buy(n), spend())]
    results = run_together(jobs)

    sales = [r for r in results if isinstance(r, PurchaseResult)]
    spent = [r for r in results if isinstance(r, PointsEntry)]
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert len(sales) == 10 and len(spent) + len(refused) == 10, results
    assert refused, "400 points cannot be spent out of 300"

    member = fresh(member_a)
    assert member.points_balance == ledger_sum(member) == 300 - 40 * len(spent)
    assert member.points_balance >= 0 and member.pending_points == 0
    assert member.purchase_count == 11
    assert PointsEntry.objects.filter(member=member, kind=EntryKind.EARN).count() == 11
    assert PointsEntry.objects.filter(member=member, kind=EntryKind.REDEEM).count() == len(spent)
    # The member row lock serialises the writers, so id order is the order things happened
    # in: the balance was never below zero at any moment.
    running = 0
    for amount in (
        PointsEntry.objects.filter(member=member).order_by("pk").values_list("points", flat=True)
    ):
        running += amount
        assert running >= 0
    lots = PointsLot.objects.filter(member=member)
    assert all(lot.remaining >= 0 for lot in lots)
    assert sum(lot.points - lot.remaining for lot in lots) == 40 * len(spent)
    assert_reconciled(merchant_a)
    call_command("reconcile_points")


def test_two_cashiers_cannot_spend_the_same_points(merchant_a, shop_a, member_a):
    ring(shop_a, member_a, "50")

    results = run_together([lambda: redeem_points(member=member_a, points=50)] * 10)

    assert sum(isinstance(r, PointsEntry) for r in results) == 1
    assert sum(isinstance(r, InsufficientPoints) for r in results) == 9, results
    assert fresh(member_a).points_balance == 0
    call_command("reconcile_points")


def test_the_same_receipt_sent_ten_times_at_once_is_one_sale(merchant_a, shop_a, member_a):
    results = run_together([lambda: ring(shop_a, member_a, "37.50", external_id="SAME-1")] * 10)

    assert all(isinstance(r, PurchaseResult) for r in results), results
    assert sum(r.created for r in results) == 1
    assert {r.points_earned for r in results} == {37}
    assert {r.purchase.pk for r in results} == {results[0].purchase.pk}
    assert Purchase.objects.filter(shop=shop_a, external_id="SAME-1").count() == 1
    assert PointsEntry.objects.filter(member=member_a).count() == 1
    member = fresh(member_a)
    assert member.points_balance == 37 and member.purchase_count == 1
    call_command("reconcile_points")


def test_the_same_refund_sent_ten_times_at_once_is_one_refund(merchant_a, shop_a, member_a):
    sale = ring(shop_a, member_a, "50").purchase

    results = run_together(
        [lambda: refund_purchase(purchase=sale, external_id="SAME-F", amount=Decimal("20"))] * 10
    )

    assert all(isinstance(r, RefundResult) for r in results), results
    assert sum(r.created for r in results) == 1
    assert {r.points_clawed_back for r in results} == {20}
    assert fresh(member_a).points_balance == 30
    call_command("reconcile_points")


def test_sales_at_once_respect_the_daily_limit(merchant_a, shop_a, member_a):
    configure(merchant_a, max_purchases_per_day=1)

    results = run_together(
        [lambda n=n: ring(shop_a, member_a, "10", external_id=f"D-{n}") for n in range(10)]
    )

    assert all(isinstance(r, PurchaseResult) for r in results), results
    assert sorted(r.points_earned for r in results) == [0] * 9 + [10]
    assert sum(r.flags == ["daily_purchase_limit"] for r in results) == 9
    assert fresh(member_a).points_balance == 10
    call_command("reconcile_points")


def test_sales_at_once_add_up_to_the_next_tier(merchant_a, shop_a, member_a):
    results = run_together(
        [lambda n=n: ring(shop_a, member_a, "100", external_id=f"T-{n}") for n in range(10)]
    )

    assert all(isinstance(r, PurchaseResult) for r in results), results
    assert sum(r.tier_changed for r in results) == 1
    assert fresh(member_a).tier.name == "Silver"
    assert len(events_of(merchant_a, "tier.changed")) == 1
