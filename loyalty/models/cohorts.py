"""Monthly cohorts: how many of the members who first bought in a month bought again later.

A cohort is the merchant's local month of a member's first counted purchase (not reversed, not
fully refunded: the rollups' rule). One row per cohort and month offset that had buyers: offset
0 is the cohort month itself, so its `members` is the cohort's size, which every row repeats in
`size` so that a share needs no second row. The rows are derived data:
`loyalty.analytics.cohorts.rebuild_cohorts` replaces a merchant's rows from the purchases, so a
rebuild is always safe. An offset without a row had no buyers, or has not come yet (the page
tells the two apart by the merchant's today).
"""

from django.db import models
from django.utils import timezone

from loyalty.models.tenancy import Merchant, TenantQuerySet


class CohortStat(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="cohort_stats")
    cohort = models.DateField()  # the first day of the local month of the first purchase
    offset = models.PositiveSmallIntegerField()  # months after the cohort month
    members = models.PositiveIntegerField()  # distinct members of the cohort buying that month
    size = models.PositiveIntegerField()  # the cohort's members (= members at offset 0)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["cohort", "offset"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "cohort", "offset"], name="cohort_stat_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(members__lte=models.F("size")), name="cohort_members_le_size"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort:%Y-%m} +{self.offset}"
