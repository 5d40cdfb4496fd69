"""Who is invited to the survey after a purchase, and when.

The outbox hands every `purchase.recorded` to `invite_on_purchase` (registered in
`feedback.apps`). For the merchant's active survey, a member's sale is invited when:

- it is in the sample: a hash of the purchase id, not a random draw, so handing the same event
  twice (a retried drain) decides the same way (`sampled`);
- the member is active, did not ask for no more survey requests (`SurveyOptOut`), and was not
  invited in the survey's last `cooldown_days` (30 by default). That is decided under a lock
  on the member's row (`select_for_update`), so two purchases drained at once by two workers
  make one invitation: the second waits for the first's commit, then sees its invitation;
- the link would still be open: `send_at` is the sale's time plus `invite_after_hours`, and
  `expires_at` is `send_at` plus `link_days` (a sale recorded long after it happened may be
  too late to ask about).

One invitation per purchase (the OneToOne decides a race of the same event). Sending is
`feedback.surveys.sending`; a member stops the requests with `stop_survey_requests`, which also
withdraws a survey message still waiting in the campaigns' queue (deferred by quiet hours or
the cap).
"""

import hashlib
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import (
    Message,
    MessageEvent,
    MessageEventKind,
    MessageStatus,
    SuppressionReason,
)
from feedback.models import Invitation, InvitationStatus, Survey, SurveyOptOut
from feedback.surveys.links import active_survey
from loyalty.audit import log_action
from loyalty.models import Purchase
from loyalty.models.points import Event
from members.models import Member, MemberStatus


def sampled(purchase_id: int, percent: int) -> bool:
    """Whether a purchase is in a `percent` sample: the same answer every time it is asked."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"fidela.survey.sample:{purchase_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def invite_on_purchase(event: Event) -> None:
    """The outbox consumer of `purchase.recorded` (idempotent: one invitation per purchase)."""
    purchase_id = event.payload.get("purchase")
    if event.payload.get("member") and isinstance(purchase_id, int):
        invite_for_purchase(purchase_id=purchase_id)


def _invitable(member: Member, survey: Survey, now: datetime) -> bool:
    """Under the member's lock: active, not opted out, not invited within the cooldown."""
    if member.status != MemberStatus.ACTIVE or member.merged_into_id is not None:
        return False
    if SurveyOptOut.objects.filter(member=member).exists():
        return False
    since = now - timedelta(days=survey.cooldown_days)
    return not Invitation.objects.filter(member=member, created_at__gt=since).exists()


def invite_for_purchase(*, purchase_id: int, now: datetime | None = None) -> Invitation | None:
    """Invite the member of this purchase to the active survey, if the rules allow (module
    docstring). Returns the purchase's invitation (the existing one when asked twice), or
    None when nobody is invited."""
    now = now or timezone.now()
    purchase = Purchase.objects.select_related("merchant").filter(pk=purchase_id).first()
    if purchase is None or purchase.member_id is None or purchase.reversed_at is not None:
        return None
    survey = active_survey(purchase.merchant)
    if survey is None or not sampled(purchase.pk, survey.sampling_percent):
        return None
    send_at = purchase.occurred_at + timedelta(hours=survey.invite_after_hours)
    expires_at = send_at + timedelta(days=survey.link_days)
    if expires_at <= now:
        return None
    with transaction.atomic():
        member = Member.objects.select_for_update(of=("self",)).get(pk=purchase.member_id)
        existing = Invitation.objects.filter(purchase=purchase).first()
        if existing is not None:
            return existing
        if not _invitable(member, survey, now):
            return None
        try:
            with transaction.atomic():
                return Invitation.objects.create(
                    merchant=purchase.merchant,
                    survey=survey,
                    member=member,
                    purchase=purchase,
                    shop_id=purchase.shop_id,
                    created_at=now,
                    send_at=send_at,
                    expires_at=expires_at,
                )
        except IntegrityError:  # the same purchase invited by another worker just now
            return Invitation.objects.filter(purchase=purchase).first()


@transaction.atomic
def stop_survey_requests(*, invitation: Invitation, now: datetime | None = None) -> SurveyOptOut:
    """The member of the invitation asks for no more survey requests (from its link). Their
    invitations not yet sent are skipped. Asking twice changes nothing."""
    now = now or timezone.now()
    opt_out, created = SurveyOptOut.objects.get_or_create(
        member_id=invitation.member_id,
        defaults={"merchant_id": invitation.merchant_id, "created_at": now},
    )
    if created:
        waiting = Invitation.objects.filter(
            member_id=invitation.member_id, status=InvitationStatus.SCHEDULED
        )
        _withdraw_messages(
            list(waiting.exclude(message=None).values_list("message_id", flat=True)), now
        )
        waiting.update(status=InvitationStatus.SKIPPED)
        log_action(
            merchant=invitation.merchant,
            actor=None,
            action="feedback.survey_requests.stopped",
            target=opt_out,
            data={"member": invitation.member_id, "invitation": invitation.pk},
        )
    return opt_out


def _withdraw_messages(message_ids: list[int], now: datetime) -> None:
    """Survey messages still waiting in the campaigns' queue are suppressed (reason
    `unsubscribed`, with its event): the conditional UPDATE leaves alone one a sender has
    claimed in the meantime (it is no longer `queued`)."""
    if not message_ids:
        return
    queued = Message.objects.filter(pk__in=message_ids, status=MessageStatus.QUEUED)
    ids = list(queued.select_for_update().values_list("pk", flat=True))
    Message.objects.filter(pk__in=ids).update(
        status=MessageStatus.SUPPRESSED, reason=SuppressionReason.UNSUBSCRIBED
    )
    MessageEvent.objects.bulk_create(
        MessageEvent(
            merchant_id=message.merchant_id,
            message_id=message.pk,
            kind=MessageEventKind.SUPPRESSED,
            reason=SuppressionReason.UNSUBSCRIBED,
            at=now,
        )
        for message in Message.objects.filter(pk__in=ids).only("pk", "merchant_id")
    )
