"""The members' balances counted: what the dashboard's liability card and the liability page
read instead of summing every member on every view.

`count_balances` sums the merchant's members once (positive available balances, pending
points, debts and, for inactivity expiry, the points whose months run out within 30 / 60 / 90
days) and stores the result as the merchant's `BalanceCount`. The outbox's drain recounts once
per batch of sale events (`loyalty.analytics.consumer`), the nightly job recounts every
merchant, and the liability page has a "count now" button; `latest_count` reads the stored
count, counting first when there is none yet or the program's expiry mode changed since.
"""

from datetime import datetime, timedelta

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from loyalty.models import BalanceCount, Merchant
from loyalty.models.points import ExpiryMode, Program
from loyalty.points.ledger import add_months, get_program
from members.models import Member

EXPIRY_HORIZONS = (30, 60, 90)


def count_balances(
    merchant: Merchant, program: Program | None = None, now: datetime | None = None
) -> BalanceCount:
    """Sum the merchant's members' balances now and store the count (one aggregate, one
    upsert). Inactivity expiry: all of a member's points go when the months since the last
    purchase (or joining, for a member who never bought) run out, `jobs.expire_points`'s
    rule with the cutoff moved forward by each horizon."""
    now = now or timezone.now()
    program = program or get_program(merchant)
    sums = {
        "available": Coalesce(Sum("points_balance", filter=Q(points_balance__gt=0)), 0),
        "pending": Coalesce(Sum("pending_points"), 0),
        "debt": Coalesce(Sum("points_balance", filter=Q(points_balance__lt=0)), 0),
    }
    inactivity = program.expiry_mode == ExpiryMode.INACTIVITY
    if inactivity:
        held = Greatest("points_balance", Value(0)) + F("pending_points")
        last_activity = Coalesce("last_purchase_at", "joined_at")
        for days in EXPIRY_HORIZONS:
            cutoff = add_months(now + timedelta(days=days), -program.expiry_months)
            sums[f"d{days}"] = Coalesce(
                Sum(held, filter=Q(GreaterThan(Value(cutoff), last_activity))), 0
            )
    row = Member.objects.for_merchant(merchant).aggregate(**sums)
    count, _created = BalanceCount.objects.update_or_create(
        merchant=merchant,
        defaults={
            "counted_at": now,
            "available": row["available"],
            "pending": row["pending"],
            "debt": -row["debt"],
            "expiry_mode": program.expiry_mode,
            "expiring": {str(days): row[f"d{days}"] for days in EXPIRY_HORIZONS}
            if inactivity
            else {},
        },
    )
    return count


def latest_count(
    merchant: Merchant, program: Program | None = None, now: datetime | None = None
) -> BalanceCount:
    """The stored count (one query), or a new one as of `now` when there is none yet or the
    program's expiry mode changed since it was counted."""
    program = program or get_program(merchant)
    count = BalanceCount.objects.filter(merchant=merchant).first()
    if count is None or count.expiry_mode != program.expiry_mode:
        count = count_balances(merchant, program, now)
    return count


def count_all_merchants() -> int:
    """The nightly recount; answers how many merchants were counted."""
    counted = 0
    for merchant in Merchant.objects.order_by("pk").iterator():
        count_balances(merchant)
        counted += 1
    return counted
