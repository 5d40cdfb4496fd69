"""Sending the due invitations through the campaigns' message queue.

`send_due_invitations` (the django-q2 job "Send survey invitations", every five minutes,
`feedback.tasks`) takes the scheduled invitations whose `send_at` has come, with `SELECT … FOR
UPDATE SKIP LOCKED` (two workers share them, never both), and queues each as a campaign
message: marketing, so the channel's consent, the frequency cap and the quiet hours apply
(`campaigns.messaging.policy`), with the send key `survey:invitation:<id>` (the queue makes it
once per member and key) and the invitation's `expires_at` (a message that cannot go before the
link closes is suppressed). The channel is the survey's, or with `auto` email when the member
agreed to email offers and has an address, else SMS likewise, else a card on the member page.

The words are the member's language: the branded email of the campaigns (their layout, in the
merchant's colours, with its unsubscribe link), a short SMS, or an in-app card. Each carries
the signed answer link and a "stop survey requests" link.

An invitation stays `scheduled` while its message waits; `record_outcomes` then marks it `sent`
when the sender sent the message, or `skipped` when the message was suppressed (no consent,
the cap or quiet hours until the link closed, no address…) or failed for good. An invitation
whose member stopped survey requests, whose sale was answered meanwhile (the receipt's QR code)
or reversed, or whose link closed before it went out is skipped without a message. The email
shows the scale itself: each score is a link that opens the page with it chosen.
"""

from datetime import datetime

import css_inline
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.messaging.queue import queue_message
from campaigns.messaging.unsubscribe import unsubscribe_url
from campaigns.models import Channel, Message, MessageStatus, Purpose
from feedback.models import Answer, Invitation, InvitationStatus, InviteChannel, SurveyOptOut
from feedback.surveys.answering import score_range
from feedback.surveys.links import stop_link, survey_link
from feedback.surveys.wording import question_text
from loyalty.languages import reader_language
from members.branding import DARK_INK, brand_colours
from members.models import Member

BATCH = 200
SOURCE_TYPE = "survey"


def send_key(invitation: Invitation) -> str:
    return f"survey:invitation:{invitation.pk}"


def choose_channel(choice: str, member: Member) -> str:
    """The channel of an invitation: the survey's, or for `auto` the best the member allows."""
    if choice != InviteChannel.AUTO:
        return choice
    if member.email_marketing and member.email.strip():
        return Channel.EMAIL
    if member.sms_marketing and member.phone:
        return Channel.SMS
    return Channel.IN_APP


def _words(invitation: Invitation, channel: str) -> dict:
    """What the invitation says on its channel: subject, text, html."""
    merchant, member, survey = invitation.merchant, invitation.member, invitation.survey
    language = reader_language(member.language, merchant)
    with translation.override(language):
        context = {
            "merchant": merchant,
            "member": member,
            "question": question_text(survey, language, merchant),
            "link": survey_link(invitation, merchant=merchant),
            "stop": stop_link(invitation, merchant=merchant),
            "points": survey.incentive_points,
            "language": language,
        }
        subject = _("How was your visit to %(merchant)s?") % {"merchant": merchant.name}
        if channel == Channel.SMS:
            text = render_to_string("email/feedback/invitation_sms.txt", context).strip()
            return {"subject": subject, "text": text, "html": "", "language": language}
        # In the email, the scale itself: a tap on a score opens the page with it chosen.
        scores = score_range(survey) if channel == Channel.EMAIL else ()
        body_html = render_to_string(
            "email/feedback/invitation_body.html", {**context, "scores": scores}
        )
        body_text = render_to_string("email/feedback/invitation_body.txt", context).strip()
        if channel == Channel.IN_APP:
            return {"subject": subject, "text": body_text, "html": body_html, "language": language}
        email = _email(invitation, subject, body_html, body_text, language)
        return {"subject": subject, **email, "language": language}


def _email(invitation: Invitation, subject: str, body_html: str, body_text: str, language: str):
    """The campaigns' branded email around the invitation's words (their layout and CSS)."""
    merchant = invitation.merchant
    colours = brand_colours(merchant)
    card = settings.SITE_URL + reverse("member:card", kwargs={"merchant_slug": merchant.slug})
    context = {
        "merchant": merchant,
        "language": language,
        "subject": subject,
        "body_html": body_html,
        "body_text": body_text,
        "brand": colours["brand"],
        "brand_ink": colours["brand_ink"],
        "link_colour": colours["brand"] if colours["brand_ink"] == "#ffffff" else DARK_INK,
        "logo_url": settings.SITE_URL + merchant.logo.url if merchant.logo else "",
        "marketing": True,
        "unsubscribe_url": unsubscribe_url(
            merchant, invitation.member_id, Channel.EMAIL, send_key(invitation)
        ),
        "member_page_url": card,
        "pixel_url": "",
    }
    html = render_to_string("email/campaigns/message.html", context)
    css = render_to_string("email/campaigns/message.css", context)
    text = render_to_string("email/campaigns/message.txt", context)
    inlined = css_inline.inline(html, extra_css=css, load_remote_stylesheets=False)
    return {"text": text.strip() + "\n", "html": inlined}


def _skip(invitation: Invitation) -> None:
    invitation.status = InvitationStatus.SKIPPED
    invitation.save(update_fields=["status"])


def _queue(invitation: Invitation, now: datetime) -> bool:
    """Queue one due invitation's message (in the caller's transaction); False if skipped."""
    member = invitation.member
    if (
        invitation.expires_at <= now
        or invitation.purchase.reversed_at is not None
        or SurveyOptOut.objects.filter(member=member).exists()
        or Answer.objects.filter(purchase_id=invitation.purchase_id).exists()
    ):
        _skip(invitation)
        return False
    channel = choose_channel(invitation.survey.channel, member)
    words = _words(invitation, channel)
    message = queue_message(
        invitation.merchant,
        member,
        channel=channel,
        purpose=Purpose.MARKETING,
        send_key=send_key(invitation),
        subject=words["subject"][:200],
        body_text=words["text"],
        body_html=words["html"],
        expires_at=invitation.expires_at,
        source_type=SOURCE_TYPE,
        source_id=invitation.survey_id,
        language=words["language"],
    )
    if message is None:
        _skip(invitation)
        return False
    invitation.channel, invitation.message = channel, message
    invitation.save(update_fields=["channel", "message"])
    return True


def send_due_invitations(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Queue every due invitation's message (module docstring), then bring the statuses of
    those already queued in line with their messages. Returns how many were queued."""
    now = now or timezone.now()
    queued = 0
    while True:
        with transaction.atomic():
            due = list(
                Invitation.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=InvitationStatus.SCHEDULED, message__isnull=True, send_at__lte=now)
                .select_related("merchant", "member", "survey", "purchase")
                .order_by("send_at", "id")[:batch]
            )
            queued += sum(_queue(invitation, now) for invitation in due)
        if len(due) < batch:
            break
    record_outcomes()
    return queued


def record_outcomes() -> int:
    """Invitations whose message was sent become `sent` (with its time); those whose message
    was suppressed or failed become `skipped`. Returns how many changed."""
    waiting = Invitation.objects.filter(status=InvitationStatus.SCHEDULED, message__isnull=False)
    sent_at = Message.objects.filter(pk=OuterRef("message_id")).values("sent_at")[:1]
    with transaction.atomic():
        sent = waiting.filter(message__status=MessageStatus.SENT).update(
            status=InvitationStatus.SENT, sent_at=Subquery(sent_at)
        )
        skipped = waiting.filter(
            message__status__in=(MessageStatus.SUPPRESSED, MessageStatus.FAILED)
        ).update(status=InvitationStatus.SKIPPED)
    return sent + skipped
