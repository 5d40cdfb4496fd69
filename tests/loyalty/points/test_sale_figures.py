"""The sale's figures read (issue 19): one statement, its SQL built once per program shape, the
same figures as the ORM's read, and the probes that let the sale hooks skip their reads."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback.models import Survey
from loyalty.models.points import TierBasis
from loyalty.points.ledger import lock_member, read_member_figures, tiers_of
from loyalty.points.sale_figures import read_sale_figures
from rewards.models import Reward, StampCard
from tests.loyalty.points.helpers import configure, ring
from tests.personas import make_bob


def both_reads(member, program):
    """(figures, tiers) read the sale's way, then the ORM's way, on the locked member."""
    now = timezone.now()
    tz = member.merchant.tzinfo
    locked = lock_member(member.pk)
    tiers = read_sale_figures(locked, program, now, tz)
    sale = (locked.tier, locked.window_value, getattr(locked, "purchases_today", None))
    again = lock_member(member.pk)
    read_member_figures(again, program, now, tz)
    orm = (again.tier, again.window_value, getattr(again, "purchases_today", None))
    return (sale, [vars_of(t) for t in tiers]), (
        orm,
        [vars_of(t) for t in tiers_of(member.merchant)],
    )


def vars_of(tier):
    return (tier.pk, tier.name, tier.threshold, tier.multiplier, tier.benefits)


@pytest.mark.parametrize("basis", [TierBasis.SPEND, TierBasis.POINTS])
@pytest.mark.parametrize("daily_limit", [None, 3])
def test_it_reads_what_the_orm_reads_for_every_program_shape(
    merchant_a, shop_a, member_a, basis, daily_limit
):
    program = configure(merchant_a, tier_basis=basis, max_purchases_per_day=daily_limit)
    ring(shop_a, member_a, "120.00")
    ring(shop_a, member_a, "35.50", occurred_at=timezone.now() - timedelta(days=2))

    sale, orm = both_reads(member_a, program)

    assert sale == orm
    (_tier, window_value, today), tiers = sale
    assert len(tiers) == 3 and [t[2] for t in tiers] == sorted(t[2] for t in tiers)
    if basis == TierBasis.SPEND:
        assert window_value == Decimal("155.50")
    else:  # the points of both sales, and the first sale's bonus if the program gives one
        assert window_value == 155 + merchant_a.program.first_purchase_bonus
    assert today == (1 if daily_limit else None)


def test_each_sale_binds_its_own_member(merchant_a, shop_a, member_a):
    member_b_of_a = make_bob(merchant_a)
    program = merchant_a.program
    ring(shop_a, member_a, "10.00")
    ring(shop_a, member_b_of_a, "70.00")
    now, tz = timezone.now(), merchant_a.tzinfo

    first, second = lock_member(member_a.pk), lock_member(member_b_of_a.pk)
    read_sale_figures(first, program, now, tz)
    with CaptureQueriesContext(connection) as queries:
        read_sale_figures(second, program, now, tz)

    assert (first.window_value, second.window_value) == (Decimal("10.00"), Decimal("70.00"))
    assert len(queries) == 1  # the figures, the tiers and the probes: one statement


def test_the_probes_say_what_the_merchant_runs(merchant_a, member_a):
    now, tz = timezone.now(), merchant_a.tzinfo
    nothing = lock_member(member_a.pk)
    read_sale_figures(nothing, merchant_a.program, now, tz)
    assert nothing.sale_probe_stamp_cards is False
    assert nothing.sale_probe_surveys is False

    StampCard.objects.create(
        merchant=merchant_a, name="Coffee", reward=Reward.objects.filter(merchant=merchant_a)[0]
    )
    Survey.objects.create(merchant=merchant_a, name="Visit", active=True)
    running = lock_member(member_a.pk)
    read_sale_figures(running, merchant_a.program, now, tz)

    assert running.sale_probe_stamp_cards is True
    assert running.sale_probe_surveys is True
    assert running.sale_probe_streaks is False
