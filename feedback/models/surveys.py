"""A merchant's surveys: the NPS (or CSAT) question, the reason, up to three more questions,
and when and how often members are asked."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, TenantQuerySet


class SurveyKind(models.TextChoices):
    NPS = "nps", _("Net Promoter Score (0-10)")
    CSAT = "csat", _("Customer satisfaction (1-5)")


class InviteChannel(models.TextChoices):
    """How invitations go out. `auto`: email when the member has one and consented, else SMS,
    else a message on the member page."""

    AUTO = "auto", _("The best channel the member allows")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    IN_APP = "in_app", _("On the member page")


class Survey(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind, default=SurveyKind.NPS)
    # One survey per merchant is active: the one invitations and the receipt QR ask.
    active = models.BooleanField(_("active"), default=False)
    # The question and the reason prompt per language ({"en": "...", "ro": "..."}); empty
    # for a language means the built-in words, in that language.
    question = models.JSONField(_("question"), default=dict, blank=True)
    reason_prompt = models.JSONField(_("reason prompt"), default=dict, blank=True)
    incentive_points = models.PositiveIntegerField(_("points for answering"), default=0)
    invite_after_hours = models.PositiveSmallIntegerField(_("hours after the purchase"), default=3)
    sampling_percent = models.PositiveSmallIntegerField(
        _("share of purchases asked (%)"), default=100
    )
    cooldown_days = models.PositiveSmallIntegerField(
        _("days between two invitations to a member"), default=30
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=InviteChannel, default=InviteChannel.AUTO
    )
    link_days = models.PositiveSmallIntegerField(_("days a link stays valid"), default=7)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"],
                condition=models.Q(active=True),
                name="survey_one_active",
            )
        ]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    RATING = "rating", _("Rating (1-5)")
    CHOICE = "choice", _("Single choice")
    TEXT = "text", _("Text")


class SurveyQuestion(models.Model):
    """One of up to three optional questions after the score and the reason."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=8, choices=QuestionKind)
    text = models.JSONField(default=dict)  # per language
    choices = models.JSONField(default=dict, blank=True)  # per language: a list of labels

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["survey", "position", "id"]

    def __str__(self) -> str:
        return f"question {self.position} of survey {self.survey_id}"


class FeedbackSettings(models.Model):
    """A merchant's choices for the loop: the public review link promoters are sent to, and
    how long a manager has to answer a case."""

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="feedback_settings"
    )
    review_url = models.URLField(_("public review link"), blank=True)
    case_due_hours = models.PositiveSmallIntegerField(_("hours to answer a case"), default=24)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"feedback settings of merchant {self.merchant_id}"
