"""What the sender needs besides the messages: the merchant's fatigue rules and the addresses
that bounced.

`MessagingSettings` is the promise that keeps members subscribed: at most `cap_count` marketing
messages per member in any `cap_days` days, across campaigns and channels, and none during the
quiet hours (the merchant's wall clock). A merchant without a row has the defaults.
`BouncedAddress` is the list of addresses a server refused for good: nothing more goes there.
"""

from datetime import time

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models.messages import Channel
from loyalty.models import Merchant, TenantQuerySet

DEFAULT_CAP_COUNT = 2
DEFAULT_CAP_DAYS = 7
DEFAULT_QUIET_START = time(21, 0)
DEFAULT_QUIET_END = time(9, 0)


class MessagingSettings(models.Model):
    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="messaging_settings"
    )
    cap_count = models.PositiveSmallIntegerField(
        _("marketing messages at most"),
        default=DEFAULT_CAP_COUNT,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Per member, across every campaign and channel."),
    )
    cap_days = models.PositiveSmallIntegerField(
        _("in any period of (days)"),
        default=DEFAULT_CAP_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    quiet_start = models.TimeField(_("quiet hours start"), default=DEFAULT_QUIET_START)
    quiet_end = models.TimeField(_("quiet hours end"), default=DEFAULT_QUIET_END)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.cap_count} per {self.cap_days} days"


class BouncedAddress(models.Model):
    """An address a server refused for good (a 5xx answer). Written once, never sent to again."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel)
    address = models.CharField(max_length=254)  # as stored on the member (email lower-cased)
    detail = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "channel", "address"], name="bounced_address_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address}"
