"""Cases: an unhappy answer followed up by the shop's manager, until the customer is told."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models.answers import Answer
from loyalty.models import Merchant, Shop, TenantQuerySet


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")


class CaseOpenedBy(models.TextChoices):
    DETRACTOR = "detractor", _("A detractor's score")
    NEGATIVE = "negative", _("A negative comment")


class Case(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    # One case per answer (the unique constraint decides under concurrency).
    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="case")
    member = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shop = models.ForeignKey(Shop, on_delete=models.SET_NULL, null=True, related_name="+")
    opened_by = models.CharField(max_length=10, choices=CaseOpenedBy)
    status = models.CharField(max_length=12, choices=CaseStatus, default=CaseStatus.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    # When the customer was told (a reply sent); resolving needs it.
    told_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # What the recovery cost: a voucher's reward value and points, in money and points.
    recovery_voucher = models.ForeignKey(
        "rewards.Voucher", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recovery_points = models.PositiveIntegerField(default=0)
    recovery_cost = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    # Thirty days after it was resolved: did the customer buy again? None until then.
    won_back = models.BooleanField(null=True, blank=True)
    won_back_checked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["merchant", "status", "due_at"], name="case_due")]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.status})"

    def is_overdue(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status != CaseStatus.RESOLVED and self.due_at < now


class CaseNoteKind(models.TextChoices):
    NOTE = "note", _("Note")
    REPLY = "reply", _("Reply to the customer")
    STATUS = "status", _("Status changed")
    RECOVERY = "recovery", _("Recovery given")


class CaseNote(models.Model):
    """What happened on a case, one row per step. Never edited."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=10, choices=CaseNoteKind)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(blank=True)
    channel = models.CharField(max_length=8, blank=True)  # a reply's channel
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"
