"""After a purchase history import the daily statistics of the imported days are rebuilt
(imported sales write no outbox events), by the command as by the portal's task."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from loyalty.clock import local_today
from loyalty.models.analytics import DailyStat
from members.services.history_import import days_to_rebuild, import_history


def test_the_command_rebuilds_the_days_it_imported(tmp_path, merchant_a):
    today = local_today(merchant_a)
    path = tmp_path / "history.csv"
    path.write_text(
        "customer_id,date,amount\n"
        f"K1,{today - timedelta(days=5)},12.50\n"
        f"K2,{today - timedelta(days=5)},7.25\n"
        f"K1,{today - timedelta(days=1)},30.00\n",
        encoding="utf-8",
    )
    out = StringIO()

    call_command("import_purchases", "--merchant", merchant_a.slug, str(path), stdout=out)

    assert (
        f"daily statistics rebuilt: 2 days from {today - timedelta(days=5)} to "
        f"{today - timedelta(days=1)}"
    ) in out.getvalue()
    totals = {
        stat.day: (stat.sales_members, stat.revenue_members, stat.new_members)
        for stat in DailyStat.objects.filter(merchant=merchant_a, shop=None)
    }
    # Five days ago: two sales (12.50 + 7.25) and both customers joined; yesterday: K1's 30.00.
    assert totals == {
        today - timedelta(days=5): (2, Decimal("19.75"), 2),
        today - timedelta(days=1): (1, Decimal("30.00"), 0),
    }


def test_with_points_today_is_rebuilt_too_and_a_dry_run_rebuilds_nothing(merchant_a):
    today = local_today(merchant_a)
    text = f"customer_id,date,amount\nK1,{today - timedelta(days=3)},12.50\n"

    dry = import_history(merchant=merchant_a, text=text, award_points=True, dry_run=True)
    done = import_history(merchant=merchant_a, text=text, award_points=True)
    again = import_history(merchant=merchant_a, text=text, award_points=True)

    assert days_to_rebuild(merchant_a, dry) == []
    assert days_to_rebuild(merchant_a, done) == [today - timedelta(days=3), today]
    assert days_to_rebuild(merchant_a, again) == []  # nothing added
