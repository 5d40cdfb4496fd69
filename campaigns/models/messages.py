"""Messages to members and what happened to them.

A `Message` is one message to one member on one channel, written once with what was sent;
its `status` and `sent_at` are a cache of its events. A `MessageEvent` is one thing that
happened to it (queued, deferred, sent, delivered, failed, bounced, opened, clicked,
suppressed), append-only like the ledger. `send_key` names what the message is (a campaign
step, a broadcast, a survey invitation): a member gets a given `send_key` at most once, which
the unique constraint guarantees even when two workers race.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, TenantQuerySet


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    IN_APP = "in_app", _("On the member page")


class Purpose(models.TextChoices):
    """Marketing needs the channel's consent and counts against the cap; transactional
    (sign-in codes, voucher receipts) does not and carries no unsubscribe."""

    MARKETING = "marketing", _("Marketing")
    TRANSACTIONAL = "transactional", _("Transactional")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")  # also while deferred (`not_before`)
    # Claimed by a worker (`claim`, `claimed_at`): being handed to the channel right now.
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent")


class SuppressionReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("No consent for the channel")
    CAP = "cap", _("Over the frequency cap")
    QUIET_HOURS = "quiet_hours", _("Quiet hours")
    BOUNCED = "bounced", _("The address bounced")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    HOLDOUT = "holdout", _("In the holdout group")
    NO_ADDRESS = "no_address", _("No address for the channel")
    EXPIRED = "expired", _("The campaign's window closed")
    INTERRUPTED = "interrupted", _("A worker stopped while sending it")
    INACTIVE = "inactive", _("The card was blocked or merged since")


class Message(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=8, choices=Channel)
    purpose = models.CharField(max_length=14, choices=Purpose, default=Purpose.MARKETING)
    send_key = models.CharField(max_length=120)  # e.g. "campaign:12:step:3"
    # Where it came from, for results (a campaign, its variant, a survey invitation).
    source_type = models.CharField(max_length=20, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    variant = models.CharField(max_length=20, blank=True)
    priority = models.SmallIntegerField(default=0)  # higher goes first under the cap
    language = models.CharField(max_length=8, blank=True)
    to_address = models.CharField(max_length=254, blank=True)  # email or phone, at sending
    subject = models.CharField(max_length=200, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    not_before = models.DateTimeField(null=True, blank=True)  # deferred until then
    expires_at = models.DateTimeField(null=True, blank=True)  # the campaign's window closes
    # --- a cache of the events ---
    status = models.CharField(max_length=12, choices=MessageStatus, default=MessageStatus.QUEUED)
    reason = models.CharField(max_length=14, choices=SuppressionReason, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The worker's claim while `sending` (campaigns.messaging.send): which run took it, when.
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "send_key"], name="message_once_per_member")
        ]
        indexes = [
            models.Index(fields=["merchant", "status", "not_before"], name="message_due"),
            models.Index(fields=["member", "sent_at"], name="message_member_sent"),
            models.Index(fields=["merchant", "source_type", "source_id"], name="message_source"),
            # The sender's queue, in the order it takes messages (campaigns.messaging.send).
            models.Index(
                models.F("priority").desc(),
                "created_at",
                "id",
                name="message_queue",
                condition=models.Q(status="queued"),
            ),
            models.Index(
                "claimed_at", name="message_claimed", condition=models.Q(status="sending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.send_key} ({self.status})"


class MessageEventKind(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DEFERRED = "deferred", _("Deferred")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    SUPPRESSED = "suppressed", _("Suppressed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    # An in-app message the member closed on the member page (it is no longer shown).
    DISMISSED = "dismissed", _("Dismissed")


class MessageEvent(models.Model):
    """One thing that happened to a message. Never edited or deleted."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=MessageEventKind)
    reason = models.CharField(max_length=14, choices=SuppressionReason, blank=True)
    detail = models.CharField(max_length=500, blank=True)  # a clicked URL, an error
    at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["message", "kind"], name="message_event_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reason}".strip()
