"""tier_progress: where a member stands on the way to the next tier, counted as the engine counts.

Merchant A has the default tiers: Bronze from 0, Silver from 500, Gold from 1,500, over a
rolling twelve months, on money spent unless a test switches the program to points.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone

from loyalty.models.points import TierBasis, TierWindow
from loyalty.points.ledger import adjust_points, get_program, tiers_of
from loyalty.points.program import save_tier, update_program
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase, reverse_purchase
from loyalty.queries import tier_progress
from members.models import Member
from tests.personas import make_ana

_receipts = iter(range(1, 10_000))


def sale(shop, member, amount: str, **kwargs):
    return record_purchase(
        shop=shop,
        member=member,
        external_id=f"T{next(_receipts)}",
        amount=Decimal(amount),
        **kwargs,
    ).purchase


def fresh(member: Member) -> Member:
    return Member.objects.select_related("merchant").get(pk=member.pk)


def on_points(merchant, owner, **changes):
    update_program(
        program=get_program(merchant),
        actor=owner,
        changes={"tier_basis": TierBasis.POINTS, **changes},
    )


def test_on_the_spend_basis_it_says_how_much_money_is_left_to_the_next_tier(shop_a, ana):
    sale(shop_a, ana, "1000.00")
    sale(shop_a, ana, "380.00")

    progress = tier_progress(fresh(ana))

    assert progress["tier"].name == "Silver"
    assert progress["next_tier"].name == "Gold"
    assert progress["value"] == Decimal("1380.00")
    assert progress["remaining"] == Decimal("120.00")
    assert progress["percent"] == 92
    assert progress["label"] == "€120.00 more to Gold"


def test_on_the_points_basis_it_counts_points_earned_as_the_engine_does(
    merchant_a, owner_a, shop_a
):
    on_points(merchant_a, owner_a, welcome_bonus=100)
    ana = make_ana(merchant_a, shop=shop_a)  # +100
    sale(shop_a, ana, "1020.00")  # +1,020 at Bronze; 1,120 reach Silver
    # A correction by hand is not earned: it moves the balance, not the tier.
    adjust_points(member=ana, points=200, reason="goodwill", actor=owner_a)

    progress = tier_progress(fresh(ana))

    assert progress["tier"].name == "Silver"
    assert progress["value"] == 1120
    assert progress["remaining"] == 380
    assert progress["percent"] == 74
    assert progress["label"] == "380 points more to Gold"


def test_the_points_label_groups_thousands(merchant_a, owner_a, shop_a):
    on_points(merchant_a, owner_a)
    save_tier(
        merchant=merchant_a,
        actor=owner_a,
        tier=None,
        name="Platinum",
        threshold=Decimal("5000"),
        multiplier=Decimal("2"),
        benefits="",
    )
    ana = make_ana(merchant_a, shop=shop_a)
    sale(shop_a, ana, "1600.00")  # Gold

    assert tier_progress(fresh(ana))["label"] == "3,400 points more to Platinum"


def test_at_the_top_tier_there_is_nothing_left_to_reach(shop_a, ana):
    sale(shop_a, ana, "1600.00")

    progress = tier_progress(fresh(ana))

    assert progress["tier"].name == "Gold"
    assert progress["next_tier"] is None
    assert progress["remaining"] is None
    assert progress["percent"] == 100
    assert progress["label"] == "Top tier: Gold"


def test_refunds_lower_the_spend_and_reversed_sales_do_not_count(shop_a, ana, owner_a):
    first = sale(shop_a, ana, "1000.00")
    sale(shop_a, ana, "380.00")
    mistake = sale(shop_a, ana, "99.00")
    refund_purchase(purchase=first, external_id="RF1", amount=Decimal("200.00"))
    reverse_purchase(purchase=mistake, actor=owner_a, reason="rung up twice")

    progress = tier_progress(fresh(ana))

    assert progress["value"] == Decimal("1180.00")
    assert progress["label"] == "€320.00 more to Gold"
    assert progress["tier"].name == "Silver"  # a downgrade waits for the nightly re-evaluation


def test_a_sale_before_the_rolling_window_does_not_count(merchant_a, shop_a, ana):
    thirteen_months_ago = timezone.now() - timedelta(days=396)
    sale(shop_a, ana, "1000.00", occurred_at=thirteen_months_ago)
    sale(shop_a, ana, "100.00")

    progress = tier_progress(fresh(ana))

    assert progress["value"] == Decimal("100.00")
    # The old sale made her Silver then; she keeps it until the re-evaluation.
    assert progress["tier"].name == "Silver"
    assert progress["label"] == "€1,400.00 more to Gold"


def test_a_calendar_year_starts_on_the_first_of_january_in_the_merchants_time_zone(
    merchant_a, owner_a, shop_a, ana
):
    update_program(
        program=get_program(merchant_a),
        actor=owner_a,
        changes={"tier_window": TierWindow.CALENDAR_YEAR},
    )
    tz = merchant_a.tzinfo
    new_year = datetime(2027, 1, 1, tzinfo=tz)
    with time_machine.travel(datetime.combine(new_year.date(), time(12), tz), tick=False):
        sale(shop_a, ana, "300.00", occurred_at=new_year - timedelta(minutes=1))
        sale(shop_a, ana, "40.00", occurred_at=new_year + timedelta(minutes=1))

        progress = tier_progress(fresh(ana))

    assert progress["value"] == Decimal("40.00")


def test_a_member_with_nothing_yet_starts_at_zero(ana):
    progress = tier_progress(fresh(ana))

    assert progress["tier"].name == "Bronze"
    assert progress["value"] == Decimal("0.00")
    assert progress["percent"] == 0
    assert progress["label"] == "€500.00 more to Silver"


def test_it_reads_the_value_with_one_query(merchant_a, shop_a, ana, django_assert_num_queries):
    sale(shop_a, ana, "120.00")
    member = fresh(ana)
    program = get_program(merchant_a)
    tiers = tiers_of(merchant_a)

    with django_assert_num_queries(1):
        progress = tier_progress(member, program=program, tiers=tiers)

    assert progress["value"] == Decimal("120.00")
