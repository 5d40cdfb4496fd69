"""What the POS page keeps: one-time form tokens, identifications at the till, staff flags."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models.tenancy import Merchant, Shop, TenantQuerySet


class PosSubmission(models.Model):
    """A POS form sent once: its token, and what it did, to show again when it is resent.

    The row is written when the form is first handled; a second send of the same token (a
    double tap, a resent form) finds it and shows the first answer instead of acting again.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    action = models.CharField(max_length=20)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "token"], name="pos_submission_token")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.token}"


class Identification(models.Model):
    """A member found at the till: the cashier's counter and the "found too often" signal."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "member", "created_at"], name="ident_member_time"),
            models.Index(fields=["merchant", "user", "created_at"], name="ident_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class FlagKind(models.TextChoices):
    FREQUENT_IDENTIFICATION = "frequent_identification", _("Member found many times in a day")
    OWN_CONTACT = "own_contact", _("Points earned on the cashier's own phone or email")
    MANY_UNDOS = "many_undos", _("Many sales undone in a day")
    MANUAL_STAMPS = "manual_stamps", _("Stamps added by hand at the till")


class StaffFlag(models.Model):
    """A staff fraud signal for the owner to look at; one row per `key` (no repeats)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=FlagKind.choices)
    key = models.CharField(max_length=120)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purchase = models.ForeignKey(
        "loyalty.Purchase", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="staff_flag_key")]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="staff_flag_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
