"""Invitations, answers and the merchant's topic keywords."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models.surveys import Survey
from loyalty.models import Merchant, Purchase, Shop, TenantQuerySet


class InvitationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    SKIPPED = "skipped", _("Not sent")  # the message was suppressed (consent, cap, …)


class Invitation(models.Model):
    """One purchase's invitation to the survey. At most one per purchase; at most one per
    member per the survey's cooldown (decided under a lock on the member's row)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    purchase = models.OneToOneField(
        Purchase, on_delete=models.CASCADE, related_name="survey_invitation"
    )
    shop = models.ForeignKey(Shop, on_delete=models.SET_NULL, null=True, related_name="+")
    channel = models.CharField(max_length=8, blank=True)  # chosen when sent
    status = models.CharField(
        max_length=10, choices=InvitationStatus, default=InvitationStatus.SCHEDULED
    )
    created_at = models.DateTimeField(default=timezone.now)
    send_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # The campaigns' message that carried it (consent, cap and quiet hours applied there).
    message = models.ForeignKey(
        "campaigns.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="invitation_member_time"),
            models.Index(fields=["status", "send_at"], name="invitation_due"),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} ({self.status})"


class SurveyOptOut(models.Model):
    """A member who asked for no more survey requests (from an invitation's link)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="survey_opt_out"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"no surveys for member {self.member_id}"


class NpsGroup(models.TextChoices):
    PROMOTER = "promoter", _("Promoter")
    PASSIVE = "passive", _("Passive")
    DETRACTOR = "detractor", _("Detractor")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Topic(models.TextChoices):
    SERVICE = "service", _("Service")
    STAFF = "staff", _("Staff")
    WAITING = "waiting", _("Waiting time")
    PRICE = "price", _("Price")
    QUALITY = "quality", _("Quality")
    CLEANLINESS = "cleanliness", _("Cleanliness")
    AVAILABILITY = "availability", _("Product availability")
    LOYALTY = "loyalty", _("The loyalty program")


class AnswerSource(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    RECEIPT = "receipt", _("Receipt QR code")


class Answer(models.Model):
    """One answer to a survey. A purchase is answered at most once (the incentive is paid
    once per purchase); an anonymous receipt answer has no member."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    source = models.CharField(max_length=10, choices=AnswerSource)
    invitation = models.OneToOneField(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="answer"
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_answers",
    )
    purchase = models.OneToOneField(
        Purchase, on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_answer"
    )
    shop = models.ForeignKey(Shop, on_delete=models.SET_NULL, null=True, related_name="+")
    # The member's tier when they answered (for NPS by tier).
    tier = models.ForeignKey(
        "loyalty.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField()  # 0-10 (NPS) or 1-5 (CSAT)
    group = models.CharField(max_length=10, choices=NpsGroup, blank=True)  # NPS only
    comment = models.TextField(blank=True)
    extra = models.JSONField(default=dict, blank=True)  # {question id: answer}
    # Detected from the comment (empty without one).
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.CharField(max_length=8, choices=Sentiment, blank=True)
    topics = models.JSONField(default=list, blank=True)  # Topic values
    incentive_points = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "created_at"], name="answer_merchant_time"),
            models.Index(fields=["member", "-created_at"], name="answer_member_time"),
        ]

    def __str__(self) -> str:
        return f"answer {self.pk}: {self.score}"


class TopicKeyword(models.Model):
    """A word or phrase the merchant adds to a topic, for one language (or all: "")."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=14, choices=Topic)
    language = models.CharField(max_length=8, blank=True)
    keyword = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["topic", "keyword"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "topic", "language", "keyword"], name="topic_keyword_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic}: {self.keyword}"
