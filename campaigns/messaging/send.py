"""Sending due messages exactly once: claim, decide, hand over, record.

1. **Recover** (`recover_interrupted`): messages a worker claimed more than `LEASE` ago and
   never finished (the process died, or django-q2's timeout killed it). A batch is sent in id
   order and each message is marked sent in its own commit right after the channel took it, so
   of a dead claim's remaining messages only the first (in id order) may have been handed over:
   it is marked failed with reason `interrupted` and never sent again; the rest go back to the
   queue and the next claim sends them. A crash mid-batch resumes where it stopped.
2. **Claim** (`claim_due`, one transaction): `SELECT … FOR UPDATE SKIP LOCKED` takes up to
   `batch` due messages (queued, `not_before` passed), highest `priority` first, so two workers
   never hold the same row. On PostgreSQL a transaction-level advisory lock per merchant
   serialises the claims of one merchant, so the frequency cap counts what another worker has
   just claimed. The policy (`policy.Facts`) decides each: suppressed (with its event and
   reason), deferred (`not_before`, a `deferred` event) or claimed (`sending`, this run's
   `claim`, `claimed_at`, `to_address`).
3. **Hand over** (`deliver`): email on one SMTP connection per batch (Django's email backend),
   SMS through `members.sms`, in-app needs no hand-over (sent = shown on the member page).
4. **Record**: `sent` (status, `sent_at`, a `sent` event) in one commit per message, only if
   the row is still this claim's. A refusal for good (5xx) fails the message (a refused
   recipient is `bounced` and the address is never tried again); a passing refusal (4xx) puts
   it back with a delay (`failed` event; failed for good after `MAX_ATTEMPTS`). A lost
   connection stops the batch: the message in flight is `interrupted` (the server may have
   taken it), the rest go back to the queue untouched.

**The guarantee is at most once.** A duplicated or retried task finds nothing to send: what
is `sending` belongs to another claim and what is `sent` is no longer due. The one window is
between the channel taking a message and the commit that marks it sent: a crash there leaves
the message `sending`, and recovery marks it `interrupted` rather than sending it again. We
choose to lose that one message rather than send it twice ("a member gets a given campaign
step at most once"); `budget` keeps a run far shorter than `LEASE`, so a live worker's claim
is never recovered under it.
"""

import logging
import smtplib
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.messaging import channels
from campaigns.messaging.policy import DEFER, SEND, Facts
from campaigns.models import (
    BouncedAddress,
    Channel,
    Message,
    MessageEvent,
    MessageEventKind,
    MessageStatus,
    Purpose,
    SuppressionReason,
)
from loyalty.models import Merchant
from members import sms

logger = logging.getLogger("fidela.campaigns.send")

BATCH = 200
RUN_BUDGET = 50.0  # seconds per run; django-q2 runs the task every minute
LEASE = timedelta(minutes=10)  # more than django-q2's timeout (300 s) and retry (360 s)
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=5)
ADVISORY_NS = 1_400_014  # pg_advisory_xact_lock(namespace, merchant id): issue 14


@dataclass
class Claim:
    token: str
    messages: list[Message] = field(default_factory=list)  # to hand over, in id order
    taken: int = 0  # rows the claim decided (sent, deferred or suppressed)


@dataclass
class Outcome:
    sent: int = 0
    stopped: bool = False  # the channel went away: the rest of the run waits for the next


def send_due_messages(*, batch: int = BATCH, budget: float = RUN_BUDGET) -> int:
    """Send every due message, batch after batch, within a time budget. Returns how many."""
    started = time.perf_counter()
    recover_interrupted()
    sent = 0
    while time.perf_counter() - started < budget:
        claim = claim_due(batch)
        if claim is None:
            break
        outcome = deliver(claim)
        sent += outcome.sent
        if outcome.stopped:
            break
    return sent


# --- Claiming ------------------------------------------------------------------------------------


def _lock_merchants(merchant_ids: set[int]) -> None:
    if connection.vendor != "postgresql" or not merchant_ids:
        return
    with connection.cursor() as cursor:
        for merchant_id in sorted(merchant_ids):  # one order for every worker: no deadlock
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_NS, merchant_id])


def claim_due(batch: int = BATCH, now: datetime | None = None) -> Claim | None:
    """Take the next due messages and decide each; None when nothing is due."""
    now = now or timezone.now()
    claim = Claim(token=uuid.uuid4().hex)
    with transaction.atomic():
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(
                Q(not_before__isnull=True) | Q(not_before__lte=now), status=MessageStatus.QUEUED
            )
            .order_by("-priority", "created_at", "id")[:batch]
        )
        if not due:
            return None
        _lock_merchants({m.merchant_id for m in due if m.purpose == Purpose.MARKETING})
        facts = Facts.gather(due, now)
        events = []
        for message in due:  # highest priority first: it takes the cap's free slot
            verdict = facts.verdict(message)
            if verdict.action == SEND:
                message.status, message.to_address = MessageStatus.SENDING, verdict.address
                message.claim, message.claimed_at = claim.token, now
                claim.messages.append(message)
                continue
            if verdict.action == DEFER:
                message.not_before = verdict.until
                kind, detail = MessageEventKind.DEFERRED, verdict.until.isoformat()
            else:
                message.status, message.reason = MessageStatus.SUPPRESSED, verdict.reason
                kind, detail = MessageEventKind.SUPPRESSED, ""
            events.append(_event(message, kind, verdict.reason, detail, now))
        Message.objects.bulk_update(
            due, ["status", "reason", "not_before", "to_address", "claim", "claimed_at"]
        )
        MessageEvent.objects.bulk_create(events)
    claim.taken = len(due)
    claim.messages.sort(key=lambda m: m.pk)
    return claim


def _event(message: Message, kind: str, reason: str, detail: str, at: datetime) -> MessageEvent:
    return MessageEvent(
        merchant_id=message.merchant_id,
        message_id=message.pk,
        kind=kind,
        reason=reason,
        detail=detail[:500],
        at=at,
    )


# --- Recording -----------------------------------------------------------------------------------


def mark_sent(message: Message, token: str) -> bool:
    """One commit: the message is sent, if it is still this claim's."""
    now = timezone.now()
    with transaction.atomic():
        changed = Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, claim=token
        ).update(status=MessageStatus.SENT, sent_at=now)
        if changed:
            MessageEvent.objects.create(**_fields(message, MessageEventKind.SENT, "", "", now))
        else:
            logger.error("campaigns: message %s was sent but its claim was taken", message.pk)
    return bool(changed)


def _fields(message: Message, kind: str, reason: str, detail: str, at: datetime) -> dict:
    return {
        "merchant_id": message.merchant_id,
        "message_id": message.pk,
        "kind": kind,
        "reason": reason,
        "detail": detail[:500],
        "at": at,
    }


def fail(
    message: Message, token: str, *, detail: str, reason: str = "", bounced: bool = False
) -> None:
    """Failed for good: status failed (reason bounced for a refused recipient)."""
    now = timezone.now()
    with transaction.atomic():
        changed = Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, claim=token
        ).update(status=MessageStatus.FAILED, reason=reason)
        if not changed:
            return
        kind = MessageEventKind.BOUNCED if bounced else MessageEventKind.FAILED
        MessageEvent.objects.create(**_fields(message, kind, reason, detail, now))
        if bounced:
            BouncedAddress.objects.get_or_create(
                merchant_id=message.merchant_id,
                channel=message.channel,
                address=message.to_address,
                defaults={"detail": detail[:500], "at": now},
            )


def retry_later(message: Message, token: str, *, detail: str) -> None:
    """A passing refusal: back in the queue after a delay, failed for good after a few."""
    attempts = (
        1 + MessageEvent.objects.filter(message_id=message.pk, kind=MessageEventKind.FAILED).count()
    )
    if attempts >= MAX_ATTEMPTS:
        fail(message, token, detail=detail)
        return
    now = timezone.now()
    with transaction.atomic():
        changed = Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, claim=token
        ).update(status=MessageStatus.QUEUED, not_before=now + RETRY_AFTER * attempts)
        if changed:
            MessageEvent.objects.create(
                **_fields(message, MessageEventKind.FAILED, "", detail, now)
            )


def release(messages: list[Message], token: str) -> int:
    """Never handed over: back in the queue as they were."""
    return Message.objects.filter(
        pk__in=[m.pk for m in messages], status=MessageStatus.SENDING, claim=token
    ).update(status=MessageStatus.QUEUED)


def interrupt(message: Message, token: str, *, detail: str) -> None:
    fail(message, token, detail=detail, reason=SuppressionReason.INTERRUPTED)


def recover_interrupted(now: datetime | None = None) -> int:
    """Finish the claims of workers that died: the first unfinished message of each (it may
    have been handed over) is `interrupted`, the others go back to the queue. Returns how many
    messages were recovered."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.SENDING, claimed_at__lt=now - LEASE)
            .order_by("claim", "id")
        )
        seen: set[str] = set()
        for message in stale:
            if message.claim not in seen and message.channel != Channel.IN_APP:
                seen.add(message.claim)
                interrupt(
                    message,
                    message.claim,
                    detail="The worker stopped while sending it; it may have been delivered, "
                    "so it is not sent again.",
                )
            else:
                release([message], message.claim)
    return len(stale)


# --- Handing over --------------------------------------------------------------------------------


def deliver(claim: Claim) -> Outcome:
    """Hand the claimed messages to their channels, in id order, recording each."""
    outcome = Outcome()
    merchants = Merchant.objects.in_bulk({m.merchant_id for m in claim.messages})
    mail = None
    sms_backend = None
    try:
        for index, message in enumerate(claim.messages):
            if message.channel == Channel.IN_APP:
                outcome.sent += mark_sent(message, claim.token)
            elif message.channel == Channel.EMAIL:
                if mail is None:
                    mail = get_connection()
                    try:
                        mail.open()
                    except OSError as exc:  # smtplib's errors are OSErrors too
                        logger.warning("campaigns: the mail server is unreachable: %s", exc)
                        release(claim.messages[index:], claim.token)
                        outcome.stopped = True
                        return outcome
                if not _send_email(message, merchants[message.merchant_id], mail, claim):
                    release(claim.messages[index + 1 :], claim.token)
                    outcome.stopped = True
                    return outcome
                outcome.sent += message.status == MessageStatus.SENT
            else:
                if sms_backend is None and sms.sms_configured():
                    sms_backend = sms.get_backend()
                outcome.sent += _send_sms(message, sms_backend, claim)
    finally:
        if mail is not None:
            mail.close()
    return outcome


def _send_email(message: Message, merchant: Merchant, mail, claim: Claim) -> bool:
    """Send one email; False when the connection is lost (the batch stops)."""
    try:
        mail.send_messages([channels.build_email(message, merchant, mail)])
    except smtplib.SMTPRecipientsRefused as exc:
        code, answer = next(iter(exc.recipients.values()))
        detail = (
            f"{code} {answer.decode(errors='replace') if isinstance(answer, bytes) else answer}"
        )
        if 500 <= code < 600:
            fail(
                message, claim.token, detail=detail, reason=SuppressionReason.BOUNCED, bounced=True
            )
        else:
            retry_later(message, claim.token, detail=detail)
        return True
    except smtplib.SMTPResponseException as exc:  # MAIL FROM or DATA refused, connection kept
        detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code == 421:  # refused, and the server is closing the connection
            retry_later(message, claim.token, detail=detail)
            return False
        if 500 <= exc.smtp_code < 600:
            fail(message, claim.token, detail=detail)
        else:
            retry_later(message, claim.token, detail=detail)
        return True
    except OSError as exc:  # the connection went away: the server may have taken it
        logger.warning("campaigns: the mail connection was lost at message %s", message.pk)
        interrupt(message, claim.token, detail=f"{type(exc).__name__}: {exc}")
        return False
    if mark_sent(message, claim.token):
        message.status = MessageStatus.SENT
    return True


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


def _send_sms(message: Message, backend, claim: Claim) -> int:
    if backend is None:
        fail(message, claim.token, detail="SMS is not configured (SMS_BACKEND).")
        return 0
    try:
        backend.send_messages([channels.build_sms(message)])
    except Exception as exc:  # a provider's error: try again later
        logger.warning("campaigns: SMS %s failed: %s", message.pk, exc)
        retry_later(message, claim.token, detail=f"{type(exc).__name__}: {exc}"[:500])
        return 0
    return int(mark_sent(message, claim.token))
