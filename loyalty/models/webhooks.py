"""Outgoing webhooks: the endpoints a merchant registers and one delivery per (endpoint, event).

Deliveries are written by the outbox consumer in the outbox's transaction and sent later, outside
any transaction, by a django-q2 schedule (`loyalty.webhooks.tasks.send_due_deliveries`).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models.points import Event
from loyalty.models.tenancy import Merchant, TenantQuerySet


class WebhookEndpoint(models.Model):
    SECRET_PREFIX = "whsec_"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=120, blank=True)
    # A list of event types from loyalty.events.WEBHOOK_EVENTS.
    events = models.JSONField(_("events"), default=list)
    # Kept in clear: the signature is computed with it on every delivery.
    secret = models.CharField(max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    # Set when the endpoint failed for a day on end and was switched off; shown as a banner.
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The first failed attempt since the last success; None while the endpoint is healthy.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["merchant", "is_active"], name="webhook_merchant_active")]

    def __str__(self) -> str:
        return self.url

    @classmethod
    def generate_secret(cls) -> str:
        return cls.SECRET_PREFIX + secrets.token_urlsafe(32)

    def wants(self, event_type: str) -> bool:
        return event_type in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Gave up")


class WebhookDelivery(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # When the sender should try next; None once delivered or given up. A sender claims a
    # delivery by moving this forward with a conditional UPDATE, so two workers never both send.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Retries stop after this moment (24 hours after the first try, or after "send again").
    retry_until = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due",
            ),
            models.Index(
                fields=["merchant", "endpoint", "-created_at"], name="webhook_delivery_log"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.event_id} → {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One try of one delivery, as it went: the log keeps every try, not only the latest.

    Append-only: written by `loyalty.webhooks.services.record_attempt`, never changed.
    """

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(default=timezone.now)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["attempted_at", "id"]
        indexes = [models.Index(fields=["delivery", "attempted_at"], name="webhook_attempt_log")]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("A webhook attempt is append-only.")
        super().save(*args, **kwargs)

    @property
    def ok(self) -> bool:
        return self.response_code is not None and not self.error
