"""Daily statistics: one row per merchant and local day, plus one per shop that had activity.

The rows are derived data: `loyalty.analytics.rollups` recomputes a whole day from the raw rows
(purchases, refunds, the ledger, vouchers, members) and replaces that day's rows, so rebuilding
is always safe. The row with an empty `shop` is the merchant's total for the day, everything
included; a shop's row holds what happened at that shop. What happened at no shop (points that
expired, manual adjustments, members who joined online) is only in the total, and a member who
bought at two shops is one active member in the total: read the total row for the merchant's
figures, never the sum of its shops' rows.
"""

from decimal import Decimal

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
    # The ledger's entries written that day (points are ints; all but `adjusted` are >= 0).
    points_issued = models.IntegerField(default=0)  # earn and bonus entries
    points_redeemed = models.IntegerField(default=0)
    points_expired = models.IntegerField(default=0)
    points_clawed_back = models.IntegerField(default=0)  # refunds' clawbacks and reversals
    points_adjusted = models.IntegerField(default=0)  # signed: manual, merges, cancellations
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
