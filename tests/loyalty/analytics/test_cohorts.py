"""Monthly cohorts on a hand-made history, every figure worked out here: first purchases near
the local midnight of a month's end, a reversed first purchase and a fully refunded one that
move their member's cohort, offsets across the year end; the rebuild is idempotent and per
merchant; the nightly job and `manage.py rebuild_stats` rebuild them."""

from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from loyalty.analytics.cohorts import add_months, month_offset, rebuild_cohorts, retention
from loyalty.models import CohortStat
from loyalty.points.refunds import reverse_purchase
from loyalty.schedules import SCHEDULES
from loyalty.tasks import rebuild_cohorts as nightly_cohorts
from members.services.enrolment import enrol_member
from tests.loyalty.analytics.cohort_history import EXPECTED, MARCH_15, make_history
from tests.loyalty.analytics.helpers import sale

pytestmark = pytest.mark.django_db


def stored(merchant) -> dict[tuple[date, int], tuple[int, int]]:
    return {
        (row.cohort, row.offset): (row.members, row.size)
        for row in CohortStat.objects.for_merchant(merchant)
    }


def test_cohorts_of_a_hand_made_history(merchant_a, shop_a, owner_a):
    make_history(merchant_a, shop_a, owner_a)

    assert rebuild_cohorts(merchant_a) == len(EXPECTED)

    assert stored(merchant_a) == EXPECTED


def test_the_heatmap_figures_and_the_months_not_reached(merchant_a, shop_a, owner_a):
    make_history(merchant_a, shop_a, owner_a)
    rebuild_cohorts(merchant_a)
    now = MARCH_15.replace(tzinfo=merchant_a.tzinfo)

    table = retention(merchant_a, now=now)

    assert table.this_month == date(2026, 3, 1)
    assert [(row.cohort, row.size) for row in table.rows] == [
        (date(2025, 11, 1), 1),
        (date(2025, 12, 1), 3),
        (date(2026, 1, 1), 1),
    ]
    november, december, january = ([c.members for c in row.cells] for row in table.rows)
    # March is month 4 of November, 3 of December, 2 of January: later months are blank.
    assert november == [1, 1, 0, 0] + [None] * 8
    assert december == [1, 1, 1] + [None] * 9
    assert january == [0, 0] + [None] * 10
    first = table.rows[1].cells[0]  # December, month 1: Ana of three
    assert (first.share, first.percent, first.heat) == (Decimal(1) / 3, 33, "heat-3")
    assert table.rows[2].cells[0].heat == "heat-0"  # reached, nobody came back
    assert table.rows[2].cells[2].heat == "heat-none"
    assert table.has_returns_to_show


def test_only_the_last_cohorts_are_shown(merchant_a, shop_a, owner_a):
    make_history(merchant_a, shop_a, owner_a)
    rebuild_cohorts(merchant_a)
    now = MARCH_15.replace(tzinfo=merchant_a.tzinfo)

    # The last three cohorts from March: January, February (none), March (none).
    table = retention(merchant_a, cohorts=3, now=now)

    assert [row.cohort for row in table.rows] == [date(2026, 1, 1)]


def test_rebuilding_is_idempotent_and_follows_a_reversal(merchant_a, shop_a, owner_a):
    make_history(merchant_a, shop_a, owner_a)
    rebuild_cohorts(merchant_a)
    rebuild_cohorts(merchant_a)
    assert stored(merchant_a) == EXPECTED
    assert CohortStat.objects.for_merchant(merchant_a).count() == len(EXPECTED)

    # Bob's November sale was a mistake: his first counted purchase is now December's, so he
    # joins the December cohort (four members) with January as its month 1 (Ana and Bob).
    first = merchant_a.purchases.get(external_id="B1")
    reverse_purchase(purchase=first, actor=owner_a, reason="wrong card")
    rebuild_cohorts(merchant_a)

    assert stored(merchant_a) == {
        (date(2025, 12, 1), 0): (4, 4),
        (date(2025, 12, 1), 1): (2, 4),
        (date(2025, 12, 1), 2): (1, 4),
        (date(2025, 12, 1), 3): (1, 4),
        (date(2026, 1, 1), 0): (1, 1),
    }


def test_each_merchant_has_its_own_cohorts(merchant_a, shop_a, owner_a, merchant_b):
    make_history(merchant_a, shop_a, owner_a)
    shop_b = merchant_b.shops.get()
    zoe = enrol_member(merchant=merchant_b, email="zoe@example.com")
    sale(shop_b, zoe, datetime(2025, 6, 3, 9, 0), "5.00", "Z1")

    rebuild_cohorts(merchant_b)
    rebuild_cohorts(merchant_a)

    assert stored(merchant_b) == {(date(2025, 6, 1), 0): (1, 1)}
    assert stored(merchant_a) == EXPECTED
    # Rebuilding B replaces only B's rows.
    rebuild_cohorts(merchant_b)
    assert stored(merchant_a) == EXPECTED


def test_no_purchases_no_rows(merchant_a):
    enrol_member(merchant=merchant_a, email="ana@example.com")

    assert rebuild_cohorts(merchant_a) == 0
    table = retention(merchant_a)
    assert (table.rows, table.computed_at, table.has_returns_to_show) == ([], None, False)


def test_the_nightly_job_and_the_command_rebuild_them(merchant_a, shop_a, owner_a, merchant_b):
    make_history(merchant_a, shop_a, owner_a)
    assert "loyalty.tasks.rebuild_cohorts" in {job.func for job in SCHEDULES}

    assert nightly_cohorts() == len(EXPECTED)  # merchant B has no purchases
    assert stored(merchant_a) == EXPECTED

    CohortStat.objects.all().delete()
    out = StringIO()
    call_command("rebuild_stats", "--merchant", "aroma", stdout=out)
    assert f"aroma: rebuilt the monthly cohorts ({len(EXPECTED)} rows)" in out.getvalue()
    assert stored(merchant_a) == EXPECTED


def test_month_arithmetic():
    assert month_offset(date(2025, 11, 1), date(2026, 1, 1)) == 2
    assert month_offset(date(2025, 1, 1), date(2026, 1, 1)) == 12
    assert add_months(date(2025, 12, 1), 1) == date(2026, 1, 1)
    assert add_months(date(2026, 1, 1), -13) == date(2024, 12, 1)
