"""Who a campaign speaks to: members' RFM scores and named segments, their category affinity,
and the rule segments a merchant builds in the portal."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, TenantQuerySet


class RfmSegment(models.TextChoices):
    """The classic named RFM segments, from the recency and frequency-monetary quintiles."""

    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALISTS = "potential_loyalists", _("Potential loyalists")
    NEW = "new", _("New")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need attention")
    ABOUT_TO_SLEEP = "about_to_sleep", _("About to sleep")
    AT_RISK = "at_risk", _("At risk")
    CANT_LOSE = "cant_lose", _("Can't lose them")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")


class MemberRfm(models.Model):
    """A member's RFM scores as of the last nightly recompute (members with a purchase only).
    Quintiles 1-5 within the merchant, 5 the best: recent, frequent, big spenders."""

    # No index of its own: rfm_merchant_segment starts with the merchant (every nightly
    # recompute rewrites every row, so each index costs).
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="rfm")
    recency_days = models.PositiveIntegerField()  # local days since the last purchase
    frequency = models.PositiveIntegerField()  # purchases counted
    monetary = models.DecimalField(max_digits=14, decimal_places=2)  # net spend
    recency_score = models.PositiveSmallIntegerField()
    frequency_score = models.PositiveSmallIntegerField()
    monetary_score = models.PositiveSmallIntegerField()
    segment = models.CharField(max_length=20, choices=RfmSegment)
    computed_on = models.DateField()  # the merchant's local day of the recompute

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["merchant", "segment"], name="rfm_merchant_segment")]

    def __str__(self) -> str:
        return f"{self.recency_score}{self.frequency_score}{self.monetary_score} {self.segment}"


class RfmSegmentCount(models.Model):
    """How many members each named segment held on a day: the chart's "since last month"."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    segment = models.CharField(max_length=20, choices=RfmSegment)
    members = models.PositiveIntegerField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "day", "segment"], name="rfm_count_merchant_day_segment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.segment}: {self.members}"


class CategoryAffinity(models.Model):
    """A member's share of spend per category over the last 12 months (line items' amounts),
    recomputed nightly with the RFM scores."""

    # No indexes of their own: affinity_merchant_cat and affinity_member_category start with
    # them (the rows are rewritten nightly).
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="category_affinities",
        db_index=False,
    )
    category = models.CharField(max_length=100)  # lower-cased, as the earning rules compare
    spend = models.DecimalField(max_digits=14, decimal_places=2)
    share = models.DecimalField(max_digits=5, decimal_places=4)  # 0.0000-1.0000

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "category"], name="affinity_member_category")
        ]
        indexes = [models.Index(fields=["merchant", "category"], name="affinity_merchant_cat")]

    def __str__(self) -> str:
        return f"{self.category} {self.share}"


class Segment(models.Model):
    """A rule segment built in the portal: `rules` is the tree that
    `campaigns.segments.rules.matching` turns into one SQL query."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=200, blank=True)
    rules = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="segment_merchant_name")
        ]

    def __str__(self) -> str:
        return self.name
