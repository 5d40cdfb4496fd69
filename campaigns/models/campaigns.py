"""Campaigns: broadcasts (once, now or at a time) and automations (always on, started by a
trigger), their A/B variants, each variant's steps, and who entered them in which group.

A member who enters a campaign gets one `CampaignEntry` per occasion (a broadcast has one; a
birthday automation one a year), in a variant or in the holdout. The entry is the unit of the
results: conversion is a purchase in the `conversion_days` after `entered_at`, for treated and
held-out members alike. Steps run
in order, each `delay_days` after the entry (a welcome series: 0, 3, 10 days); a step's
message carries the send key ``campaign:<id>:step:<step id>[:<occasion>]``, so a member gets
a given step at most once per occasion (`Message`'s unique constraint), and its bonus points
the same string as their ledger reference (unique per member in the ledger).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, TenantQuerySet


class CampaignKind(models.TextChoices):
    BROADCAST = "broadcast", _("Broadcast")
    AUTOMATION = "automation", _("Automation")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    FINISHED = "finished", _("Finished")


class Trigger(models.TextChoices):
    """What starts an automation for a member."""

    JOINED = "joined", _("Joined the program")
    FIRST_PURCHASE = "first_purchase", _("First purchase")
    NO_PURCHASE = "no_purchase", _("No purchase for a number of days")
    BIRTHDAY = "birthday", _("Birthday")
    TIER_UP = "tier_up", _("Moved up a tier")
    POINTS_EXPIRING = "points_expiring", _("Points about to expire")
    VOUCHER_EXPIRING = "voucher_expiring", _("Voucher about to expire")
    REWARD_REACHABLE = "reward_reachable", _("Balance reached a reward's cost")
    ANNIVERSARY = "anniversary", _("Anniversary of joining")
    AT_RISK = "at_risk", _("At risk of leaving")
    DETRACTOR = "detractor", _("Unhappy survey answer")
    CLUB_RENEWAL_DUE = "club_renewal_due", _("Club membership up for renewal")


class ActionKind(models.TextChoices):
    MESSAGE = "message", _("Send a message")
    BONUS_POINTS = "bonus_points", _("Give bonus points")
    VOUCHER = "voucher", _("Give a voucher for a reward")
    MULTIPLIER = "multiplier", _("Start a points multiplier")


class Campaign(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(max_length=12, choices=CampaignKind)
    status = models.CharField(max_length=10, choices=CampaignStatus, default=CampaignStatus.DRAFT)
    trigger = models.CharField(max_length=20, choices=Trigger, blank=True)  # automations
    trigger_days = models.PositiveSmallIntegerField(null=True, blank=True)  # "N days"
    segment = models.ForeignKey(
        "campaigns.Segment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    holdout_percent = models.PositiveSmallIntegerField(_("holdout (%)"), default=10)
    conversion_days = models.PositiveSmallIntegerField(_("conversion window (days)"), default=14)
    priority = models.SmallIntegerField(default=0)  # higher goes first under the cap
    scheduled_at = models.DateTimeField(null=True, blank=True)  # a broadcast's send time
    launched_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "status"], name="campaign_merchant_status")]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    """One arm of the test: its share of the treated members and its steps."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=20)  # "A", "B"
    weight = models.PositiveSmallIntegerField(default=1)  # relative share among the variants

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="variant_campaign_name")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.name}"


class Step(models.Model):
    """What a variant does, `delay_days` after the member entered."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=1)
    delay_days = models.PositiveSmallIntegerField(default=0)
    action = models.CharField(max_length=14, choices=ActionKind, default=ActionKind.MESSAGE)
    # A message step's words: a template (its channel, purpose and words per language).
    template = models.ForeignKey(
        "campaigns.MessageTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    bonus_points = models.PositiveIntegerField(null=True, blank=True)
    reward = models.ForeignKey(
        "rewards.Reward", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    multiplier = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    multiplier_days = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.variant} #{self.position} {self.action}"

    def send_key(self, occasion: str = "") -> str:
        """The key of this step's message to a member: once per step and occasion."""
        key = f"campaign:{self.variant.campaign_id}:step:{self.pk}"
        return f"{key}:{occasion}" if occasion else key


class CampaignEntry(models.Model):
    """A member in a campaign, once per occasion: in a variant, or held out (`variant`
    empty). The member's group is the same on every occasion (`audience.group_of`)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="campaign_entries"
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, null=True, blank=True, related_name="entries"
    )
    # What this entry is for, when a member may enter again later: "" for a broadcast or a
    # once-only trigger, the year for a birthday or an anniversary, the lapse's day for a
    # win-back, the voucher for its expiry. Unique with the campaign and the member.
    occasion = models.CharField(max_length=40, blank=True)
    entered_at = models.DateTimeField(default=timezone.now)
    # entered_at + the campaign's conversion window: a purchase before it converts.
    converts_until = models.DateTimeField()
    steps_done = models.PositiveSmallIntegerField(default=0)  # a cache: steps handed over
    # The voucher a step gave this entry (its cost counts when it is used).
    voucher = models.ForeignKey(
        "rewards.Voucher", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member", "occasion"], name="entry_once_per_occasion"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "variant"], name="entry_campaign_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.member_id} {self.variant_id or 'holdout'}"

    @property
    def held_out(self) -> bool:
        return self.variant_id is None


class RecapEmail(models.Model):
    """The monthly recap sent to a merchant's owners: one row per merchant and month, written
    before the email goes, so a retried job sends a month at most once."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # its first day
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveSmallIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "month"], name="recap_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.month:%Y-%m}"
