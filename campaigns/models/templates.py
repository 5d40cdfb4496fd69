"""Message templates: what a merchant writes once and the renderer fills for each member.

A `MessageTemplate` is one message for one channel and purpose; its words are per language
(`TemplateContent`), in a simple markup the merchant writes (paragraphs, `{{ variables }}`,
`[label](https://…)` links), never raw HTML. campaigns/messaging/templates.py checks the
variables and campaigns/messaging/render.py turns it into what a member receives.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models.messages import Channel, Purpose
from loyalty.models import Merchant, TenantQuerySet


class MessageTemplate(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel)
    purpose = models.CharField(
        _("purpose"), max_length=14, choices=Purpose, default=Purpose.MARKETING
    )
    # Empty: the merchant's default language.
    default_language = models.CharField(_("default language"), max_length=8, blank=True)
    track_opens = models.BooleanField(
        _("count opens"),
        default=False,
        help_text=_("Adds an invisible picture to emails that tells when they are opened."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="template_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def fallback_language(self) -> str:
        return self.default_language or self.merchant.default_language


class TemplateContent(models.Model):
    """The template's words in one language."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="contents")
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"], name="template_content_language_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_id} {self.language}"
