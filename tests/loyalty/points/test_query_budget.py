"""Recording a sale is the hot path of the till: its SQL is counted."""

from decimal import Decimal

from loyalty.models import Shop
from loyalty.points.purchases import record_purchase
from members.models import Member
from tests.loyalty.points.helpers import ring


def test_recording_a_sale_for_a_member_with_tiers_costs_at_most_nine_queries(
    merchant_a, shop_a, member_a, django_assert_max_num_queries
):
    assert merchant_a.tiers.count() == 3
    ring(shop_a, member_a, "12.00")  # warm up: an earlier sale in the member's history
    shop = Shop.objects.select_related("merchant").get(pk=shop_a.pk)
    member = Member.objects.get(pk=member_a.pk)

    # Counted inside the test's transaction, so the savepoint and its release are two of them;
    # then the lock, the figures read after it (the tier, the tier window's spend, the
    # merchant's tiers and the sale probes: no promotion, stamp card, streak, challenge, club
    # or survey live here, so none of their reads runs), the purchase, its entry, its lot, the
    # member's caches and the outbox events (issue 19; 15 before the probes and the tiers
    # joined the figures read).
    with django_assert_max_num_queries(9):
        result = record_purchase(
            shop=shop, member=member, external_id="BUDGET-1", amount=Decimal("40.00")
        )

    assert result.created and result.points_earned == 40
