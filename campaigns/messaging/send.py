"""Sending due messages exactly once: claim, decide, hand over, record.

1. **Recover** (`recover_interrupted`): messages a worker claimed more than `LEASE` ago and
   never finished (the process died, or django-q2's timeout killed it). A batch is handed
   over in id order and recorded as sent `SENT_GROUP` messages at a time (one commit each
   group, and always before a failure is recorded), so of a dead claim's unfinished messages
   only the first `SENT_GROUP` (in id order) may have been handed over: they are marked failed
   with reason `interrupted` and never sent again; the rest go back to the queue and the next
   claim sends them. A crash mid-batch resumes where it stopped.
2. **Claim** (`claim_due`, one transaction): `SELECT … FOR UPDATE SKIP LOCKED` takes up to
   `batch` due messages (queued, `not_before` passed), highest `priority` first, so two workers
   never hold the same row. On PostgreSQL a transaction-level advisory lock per merchant
   serialises the claims of one merchant, so the frequency cap counts what another worker has
   just claimed. The policy (`policy.Facts`) decides each: suppressed (with its event and
   reason), deferred (`not_before`, a `deferred` event) or claimed (`sending`, this run's
   `claim`, `claimed_at`, `to_address`).
3. **Hand over** (`deliver`): email on one SMTP connection per batch (Django's email backend),
   SMS through `members.sms`, in-app needs no hand-over (sent = shown on the member page).
4. **Record**: `sent` (status, `sent_at`, a `sent` event) in one commit per `SENT_GROUP`
   messages, only for rows still this claim's. A refusal for good (5xx) fails the message (a refused
   recipient is `bounced` and the address is never tried again); a passing refusal (4xx) puts
   it back with a delay (`failed` event; failed for good after `MAX_ATTEMPTS`). A lost
   connection stops the batch: the message in flight is `interrupted` (the server may have
   taken it), the rest go back to the queue untouched.

**The guarantee is at most once.** A duplicated or retried task finds nothing to send: what
is `sending` belongs to another claim and what is `sent` is no longer due. The one window is
between the channel taking a message and the commit that records it: a crash there leaves at
most `SENT_GROUP` messages `sending` that the server may have taken, and recovery marks them
`interrupted` rather than sending them again. We choose to lose those few messages (a crash
is rare; a commit per message would cost more than the SMTP transaction) rather than send
one twice ("a member gets a given campaign
step at most once"); `budget` keeps a run far shorter than `LEASE`, so a live worker's claim
is never recovered under it.
"""

import logging
import smtplib
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Lower, Trim
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
from members.models import Member

logger = logging.getLogger("fidela.campaigns.send")

BATCH = 200
RUN_BUDGET = 50.0  # seconds per run; django-q2 runs the task every minute
LEASE = timedelta(minutes=10)  # more than django-q2's timeout (300 s) and retry (360 s)
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=5)
SENT_GROUP = 10  # messages handed over between two commits that record them as sent
ADVISORY_NS = 1_400_014  # pg_advisory_xact_lock(namespace, merchant id): issue 14


@dataclass
class Claim:
    token: str
    messages: list[Message] = field(default_factory=list)  # to hand over, in id order
    taken: int = 0  # rows the claim decided (sent, deferred or suppressed)
    handed: list[Message] = field(default_factory=list)  # taken by a channel, not recorded yet
    sent: int = 0  # recorded as sent

    def flush(self) -> None:
        """Record what was handed over as sent (one commit)."""
        self.sent += mark_sent(self.handed, self.token)


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
        events, changes = [], defaultdict(list)
        for message in due:  # highest priority first: it takes the cap's free slot
            verdict = facts.verdict(message)
            if verdict.action == SEND:
                claim.messages.append(message)
                message.status, message.to_address = MessageStatus.SENDING, verdict.address
                message.claim, message.claimed_at = claim.token, now
                changes[("claim", message.channel)].append(message.pk)
                continue
            if verdict.action == DEFER:
                message.not_before = verdict.until
                kind, detail = MessageEventKind.DEFERRED, verdict.until.isoformat()
                changes[("defer", verdict.until)].append(message.pk)
            else:
                message.status, message.reason = MessageStatus.SUPPRESSED, verdict.reason
                kind, detail = MessageEventKind.SUPPRESSED, ""
                changes[("suppress", verdict.reason)].append(message.pk)
            events.append(_event(message, kind, verdict.reason, detail, now))
        _write_decisions(changes, claim.token, now)
        MessageEvent.objects.bulk_create(events)
    claim.taken = len(due)
    claim.messages.sort(key=lambda m: m.pk)
    return claim


def _write_decisions(changes: dict[tuple, list[int]], token: str, now: datetime) -> None:
    """A few UPDATEs for a batch's decisions (one per kind and value, not one per row). The
    claimed messages take their address from the member in the same statement, as
    `policy.address_for` reads it (the email trimmed and lower-cased, the phone as stored)."""
    addresses = {
        Channel.EMAIL: Lower(Trim(Subquery(_member_column("email")))),
        Channel.SMS: Subquery(_member_column("phone")),
        Channel.IN_APP: Value(""),
    }
    for (what, value), ids in changes.items():
        rows = Message.objects.filter(pk__in=ids)
        if what == "claim":
            rows.update(
                status=MessageStatus.SENDING,
                to_address=addresses[value],
                claim=token,
                claimed_at=now,
            )
        elif what == "defer":
            rows.update(not_before=value)
        else:
            rows.update(status=MessageStatus.SUPPRESSED, reason=value)


def _member_column(name: str) -> QuerySet:
    return Member.objects.filter(pk=OuterRef("member_id")).values(name)[:1]


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


def mark_sent(messages: list[Message], token: str) -> int:
    """One commit: the messages are sent (status, `sent_at`, a `sent` event each), those that
    are still this claim's. Returns how many."""
    if not messages:
        return 0
    now = timezone.now()
    record = record_sent_returning if connection.vendor == "postgresql" else record_sent_orm
    mine = record(messages, token, now)
    if len(mine) < len(messages):
        logger.error(
            "campaigns: %d messages were sent after their claim was taken",
            len(messages) - len(mine),
        )
    messages.clear()
    return len(mine)


def record_sent_orm(messages: list[Message], token: str, now: datetime) -> set[int]:
    """`mark_sent` in one transaction of a SELECT, an UPDATE and an INSERT (SQLite)."""
    with transaction.atomic():
        mine = set(
            Message.objects.filter(
                pk__in=[m.pk for m in messages], status=MessageStatus.SENDING, claim=token
            ).values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=mine).update(status=MessageStatus.SENT, sent_at=now)
        MessageEvent.objects.bulk_create(
            _event(m, MessageEventKind.SENT, "", "", now) for m in messages if m.pk in mine
        )
    return mine


def record_sent_returning(messages: list[Message], token: str, now: datetime) -> set[int]:
    """`mark_sent` on PostgreSQL in one statement (one round trip, its own commit outside a
    transaction): the UPDATE of the claim's rows and the INSERT of their events. Per group
    of `SENT_GROUP` messages this was five round trips (BEGIN, SELECT, UPDATE, INSERT, COMMIT),
    a tenth of a message's time on a local server."""
    sql = f"""
        WITH sent AS (
            UPDATE {Message._meta.db_table} SET status = %s, sent_at = %s
            WHERE id = ANY(%s) AND status = %s AND claim = %s
            RETURNING id, merchant_id
        )
        INSERT INTO {MessageEvent._meta.db_table}
            (merchant_id, message_id, kind, reason, detail, at)
        SELECT merchant_id, id, %s, '', '', %s FROM sent
        RETURNING message_id
    """  # noqa: S608 (table names from the models, values as parameters)
    ids = [m.pk for m in messages]
    params = [MessageStatus.SENT, now, ids, MessageStatus.SENDING, token]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, MessageEventKind.SENT, now])
        return {row[0] for row in cursor.fetchall()}


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
    """Finish the claims of workers that died: the first `SENT_GROUP` unfinished messages of
    each (they may have been handed over) are `interrupted`, the others go back to the queue.
    Returns how many messages were recovered."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.SENDING, claimed_at__lt=now - LEASE)
            .order_by("claim", "id")
        )
        seen: dict[str, int] = {}
        for message in stale:
            seen[message.claim] = seen.get(message.claim, 0) + 1
            if seen[message.claim] <= SENT_GROUP:
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
    """Hand the claimed messages to their channels, in id order, recording them as sent
    `SENT_GROUP` at a time (and before any failure is recorded)."""
    outcome = Outcome()
    merchants = Merchant.objects.in_bulk({m.merchant_id for m in claim.messages})
    mail = None
    sms_backend = None
    try:
        for index, message in enumerate(claim.messages):
            if len(claim.handed) >= SENT_GROUP:
                claim.flush()
            if message.channel == Channel.IN_APP:
                claim.handed.append(message)  # nothing to hand over: sent means shown
                continue
            if message.channel == Channel.SMS:
                if sms_backend is None and sms.sms_configured():
                    sms_backend = sms.get_backend()
                if _send_sms(message, sms_backend, claim):
                    claim.handed.append(message)
                continue
            if mail is None:
                mail = get_connection()
                try:
                    mail.open()
                except OSError as exc:  # smtplib's errors are OSErrors too
                    logger.warning("campaigns: the mail server is unreachable: %s", exc)
                    claim.flush()
                    release(claim.messages[index:], claim.token)
                    outcome.stopped = True
                    break
            taken, go_on = _send_email(message, merchants[message.merchant_id], mail, claim)
            if taken:
                claim.handed.append(message)
            if not go_on:
                release(claim.messages[index + 1 :], claim.token)
                outcome.stopped = True
                break
        claim.flush()
    finally:
        if mail is not None:
            mail.close()
    outcome.sent = claim.sent
    return outcome


def _send_email(message: Message, merchant: Merchant, mail, claim: Claim) -> tuple[bool, bool]:
    """Send one email: (taken by the server, go on with the batch). A refusal is recorded
    after the messages handed before it."""
    try:
        channels.hand_over(channels.build_email(message, merchant, mail), mail)
    except smtplib.SMTPRecipientsRefused as exc:
        code, answer = next(iter(exc.recipients.values()))
        detail = f"{code} {_text(answer)}"
        claim.flush()
        if 500 <= code < 600:
            fail(
                message, claim.token, detail=detail, reason=SuppressionReason.BOUNCED, bounced=True
            )
        else:
            retry_later(message, claim.token, detail=detail)
        return False, True
    except smtplib.SMTPResponseException as exc:  # MAIL FROM or DATA refused, connection kept
        detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        claim.flush()
        if 500 <= exc.smtp_code < 600:
            fail(message, claim.token, detail=detail)
        else:
            retry_later(message, claim.token, detail=detail)
        # 421: refused, and the server is closing the connection.
        return False, exc.smtp_code != 421
    except OSError as exc:  # the connection went away: the server may have taken it
        logger.warning("campaigns: the mail connection was lost at message %s", message.pk)
        claim.flush()
        interrupt(message, claim.token, detail=f"{type(exc).__name__}: {exc}")
        return False, False
    return True, True


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


def _send_sms(message: Message, backend, claim: Claim) -> bool:
    """Send one SMS; True when the backend took it."""
    if backend is None:
        claim.flush()
        fail(message, claim.token, detail="SMS is not configured (SMS_BACKEND).")
        return False
    try:
        backend.send_messages([channels.build_sms(message)])
    except Exception as exc:  # a provider's error: try again later
        logger.warning("campaigns: SMS %s failed: %s", message.pk, exc)
        claim.flush()
        retry_later(message, claim.token, detail=f"{type(exc).__name__}: {exc}"[:500])
        return False
    return True
