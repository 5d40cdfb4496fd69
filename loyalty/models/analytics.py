"""Daily statistics: one row per merchant and local day, plus one per shop that had activity.

The rows are derived data: `loyalty.analytics.rollups` recomputes a whole day from the raw rows
(purchases, refunds, the ledger, vouchers, members) and replaces that day's rows, so rebuilding
is always safe. The row with an empty `shop` is the merchant's total for the day, everything
included; a shop's row holds what happened at that shop. What happened at no shop (points that
expired, manual adjustments, members who joined online) is only in the total, and a member who
bought at two shops is one active member in the total: read the total row for the merchant's
figures, never the sum of its shops' rows.

Two kinds of figures live on a row. Most are *flows*: what happened that day, so a period's
figure is the sum of its days (`sales_members`, `points_issued`, `first_purchases`, …). A few
are *snapshots*: the state at the end of that day, read on one day and never summed
(`active_members_90d`). `loyalty.analytics.kpis` knows which is which.

`EnrolmentStat` holds the one dimension a row cannot: enrolments per day, shop *and* staff
member. It is a table rather than a JSON field on `DailyStat` so that a period's enrolments by
staff member are one indexed GROUP BY, the same on PostgreSQL and SQLite (no JSON aggregation),
and the staff member stays a foreign key whose name the page reads at display time.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from loyalty.models.tenancy import Merchant, Shop, TenantQuerySet

ZERO = Decimal("0.00")


def money_field() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)


class DailyStat(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="daily_stats")
    # Empty: the merchant's total for the day.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="daily_stats"
    )
    day = models.DateField()  # the merchant's local day

    # Sales that day, net of refunds: reversed sales and fully refunded ones do not count.
    sales_members = models.PositiveIntegerField(default=0)
    sales_anonymous = models.PositiveIntegerField(default=0)
    revenue_members = money_field()
    revenue_anonymous = money_field()
    new_members = models.PositiveIntegerField(default=0)  # cards enrolled that day
    active_members = models.PositiveIntegerField(default=0)  # distinct members with a sale
    # Snapshot: distinct members with a counted sale in the 90 local days ending that day.
    active_members_90d = models.PositiveIntegerField(default=0)
    # Members whose first counted sale ever fell that day (at the shop of that first sale).
    first_purchases = models.PositiveIntegerField(default=0)
    # Members' sales that day by members who had a counted sale on an earlier day.
    sales_repeat = models.PositiveIntegerField(default=0)
    sales_flagged = models.PositiveIntegerField(default=0)  # counted sales the till flagged
    # The ledger's entries written that day (points are ints; all but `adjusted` are >= 0).
    points_issued = models.IntegerField(default=0)  # earn and bonus entries
    points_redeemed = models.IntegerField(default=0)
    points_expired = models.IntegerField(default=0)
    points_clawed_back = models.IntegerField(default=0)  # refunds' clawbacks and reversals
    points_adjusted = models.IntegerField(default=0)  # signed: manual, merges, cancellations
    # Parts of `points_adjusted`: points added by hand (positive manual adjustments, not merges)
    # and points given back by cancelled vouchers.
    points_added = models.IntegerField(default=0)
    points_returned = models.IntegerField(default=0)
    # Tier changes that day, from the outbox's `tier.changed` events (the total row only).
    tier_ups = models.PositiveIntegerField(default=0)
    tier_downs = models.PositiveIntegerField(default=0)
    vouchers_issued = models.PositiveIntegerField(default=0)
    vouchers_issued_value = money_field()
    vouchers_used = models.PositiveIntegerField(default=0)
    vouchers_used_value = money_field()
    # Refunds made that day (of sales not reversed), whichever day the sale was.
    refunds = models.PositiveIntegerField(default=0)
    refunds_amount = money_field()
    computed_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["day", "shop_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "shop", "day"],
                condition=models.Q(shop__isnull=False),
                name="daily_stat_shop_day",
            ),
            models.UniqueConstraint(
                fields=["merchant", "day"],
                condition=models.Q(shop__isnull=True),
                name="daily_stat_merchant_day",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "day"], name="daily_stat_merchant")]

    def __str__(self) -> str:
        return f"{self.day} {self.shop_id or 'total'}"

    @property
    def sales(self) -> int:
        return self.sales_members + self.sales_anonymous

    @property
    def revenue(self) -> Decimal:
        return self.revenue_members + self.revenue_anonymous


class EnrolmentStat(models.Model):
    """Cards enrolled on a local day, by the shop and the staff member who enrolled them.

    Empty shop: online or imported; empty `enrolled_by`: nobody on the staff (the join page, an
    import, or a staff account deleted since). Rebuilt with the day's `DailyStat` rows; the sum
    of a day's rows is that day's total `new_members`.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    members = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["day", "shop_id", "enrolled_by_id"]
        indexes = [models.Index(fields=["merchant", "day"], name="enrolment_stat_merchant")]

    def __str__(self) -> str:
        return f"{self.day} {self.shop_id or 'online'} {self.enrolled_by_id or '-'}"


class BalanceCount(models.Model):
    """The members' balances summed, as of `counted_at`: one row per merchant, replaced by
    each count (`loyalty.points.balances.count_balances`).

    Summing a million members' balances takes a sequential scan (a fifth of a second), too
    slow for every view of the dashboard and the liability page; the outbox's drain recounts
    once per batch of events and the nightly job once a day, so the pages read one row that
    lags the ledger by the outbox's delay. `expiring` holds, for inactivity expiry only, the
    points whose months run out within each horizon from `counted_at` (`{"30": n, ...}`);
    `expiry_mode` is the program's mode it was counted under (a changed mode recounts).
    """

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="+")
    counted_at = models.DateTimeField()
    available = models.BigIntegerField(default=0)  # positive available balances
    pending = models.BigIntegerField(default=0)
    debt = models.BigIntegerField(default=0)  # negative balances, as a positive number
    expiry_mode = models.CharField(max_length=16, blank=True)
    expiring = models.JSONField(default=dict, blank=True)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.available}+{self.pending} at {self.counted_at:%Y-%m-%d %H:%M}"
