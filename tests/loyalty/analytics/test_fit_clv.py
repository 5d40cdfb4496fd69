"""From the merchant's purchases to the CLV models: the customer summary on hand-made data, and
`manage.py fit_clv` with its answers and its errors."""

import re
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loyalty.analytics.clv_data import customer_summary
from loyalty.points.refunds import refund_purchase, reverse_purchase
from tests.loyalty.analytics.helpers import make_history, sale
from tests.personas import make_ana, make_member

pytestmark = pytest.mark.django_db


def test_the_summary_counts_distinct_local_days_in_weeks_from_the_first(
    merchant_a, shop_a, manager_a
):
    ana = make_ana(merchant_a)
    bob = make_member({"email": "bob@example.com"}, merchant_a)
    sale(shop_a, ana, datetime(2026, 1, 5, 10, 0), "10.00", "A1")
    sale(shop_a, ana, datetime(2026, 1, 5, 18, 0), "5.00", "A2")  # the same day: one visit
    sale(shop_a, ana, datetime(2026, 1, 12, 0, 30), "20.00", "A3")  # 22:30 UTC on the 11th
    refunded = sale(shop_a, ana, datetime(2026, 1, 26, 9, 0), "30.00", "A4")
    refund_purchase(purchase=refunded, external_id="R4", amount=Decimal("6.00"))
    mistake = sale(shop_a, ana, datetime(2026, 1, 29, 9, 0), "99.00", "A5")
    reverse_purchase(purchase=mistake, actor=manager_a, reason="wrong customer")
    sale(shop_a, ana, datetime(2026, 2, 3, 9, 0), "50.00", "A6")  # after the as-of date
    sale(shop_a, bob, datetime(2026, 1, 20, 12, 0), "8.00", "B1")

    summary = customer_summary(merchant_a, date(2026, 2, 2))

    rows = {
        int(member): (x, t_x, T, m)
        for member, x, t_x, T, m in zip(
            summary.member_ids, summary.x, summary.t_x, summary.T, summary.m, strict=True
        )
    }
    # Ana: first day 5 January; repeat days 12 and 26 January; as of 2 February.
    assert rows[ana.pk] == pytest.approx((2, 3.0, 4.0, (20 + 24) / 2))
    assert rows[bob.pk] == pytest.approx((0, 0.0, 13 / 7, 0.0))
    assert summary.repeaters == 1


def test_fit_clv_prints_both_fits(merchant_a, shop_a):
    repeaters = make_history(merchant_a, shop_a, 40, seed=5)
    out = StringIO()

    call_command("fit_clv", "--merchant", merchant_a.slug, "--as-of", "2026-03-01", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "customers=40"
    number = r"([0-9.e+-]+)"
    bgnbd = re.fullmatch(
        rf"bgnbd r={number} alpha={number} a={number} b={number} log_likelihood=(-[0-9.]+)",
        lines[1],
    )
    spend = re.fullmatch(
        rf"gamma_gamma p={number} q={number} gamma={number} repeaters=(\d+)", lines[2]
    )
    assert bgnbd and spend, lines
    assert all(float(value) > 0 for value in bgnbd.groups()[:4])
    # At least four significant digits for each value.
    assert all(len(value.replace(".", "").lstrip("0")) >= 4 for value in bgnbd.groups()[:4])
    assert int(spend.group(4)) == repeaters


def test_fit_clv_says_when_there_is_too_little_data(merchant_a, shop_a):
    make_history(merchant_a, shop_a, 3, seed=1)

    with pytest.raises(CommandError, match=r"Too little data to fit BG/NBD.*at least 20 customers"):
        call_command("fit_clv", "--merchant", merchant_a.slug, stdout=StringIO())


def test_fit_clv_refuses_an_unknown_merchant(db):
    with pytest.raises(CommandError, match="No merchant with the slug 'nope'"):
        call_command("fit_clv", "--merchant", "nope", stdout=StringIO())
