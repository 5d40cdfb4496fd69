"""Putting messages in the queue, once per member and send key.

`queue_message` queues one; `queue_many` a broadcast's audience, a thousand rows per
statement. Both insert with `INSERT … ON CONFLICT (member_id, send_key) DO NOTHING RETURNING
id` (PostgreSQL and SQLite), so a second call with the same key, a retried task or two workers
racing create nothing: the unique constraint decides, and a `queued` event is written only for
the rows this call inserted. `record_holdout` writes the holdout's members as messages that are
suppressed at once (reason `holdout`), so results count them and the sender never sees them.
The content is rendered before queueing (by the templates); the sender adds the address, the
unsubscribe link and headers when it sends.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import (
    Message,
    MessageEvent,
    MessageEventKind,
    MessageStatus,
    Purpose,
    SuppressionReason,
)
from loyalty.languages import reader_language
from loyalty.models import Merchant
from members.models import Member

BATCH = 1000


@dataclass(frozen=True)
class Draft:
    """One member's message before it is queued."""

    member_id: int
    channel: str
    send_key: str
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    purpose: str = Purpose.MARKETING
    priority: int = 0
    expires_at: datetime | None = None
    not_before: datetime | None = None
    source_type: str = ""
    source_id: int | None = None
    variant: str = ""
    language: str = ""


def queue_message(
    merchant: Merchant,
    member: Member,
    *,
    channel: str,
    purpose: str,
    send_key: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    priority: int = 0,
    expires_at: datetime | None = None,
    source_type: str = "",
    source_id: int | None = None,
    variant: str = "",
    not_before: datetime | None = None,
    language: str | None = None,
) -> Message | None:
    """Queue one message; the existing one if the member has this send key already.

    `language` is the one the words were written in; by default the member's
    (`loyalty.languages.reader_language`), which the channel's own words (the unsubscribe
    footer) follow too.

    None when the member is not the merchant's (nothing is written).
    """
    if member.merchant_id != merchant.pk:
        return None
    draft = Draft(
        member_id=member.pk,
        channel=channel,
        send_key=send_key,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        purpose=purpose,
        priority=priority,
        expires_at=expires_at,
        not_before=not_before,
        source_type=source_type,
        source_id=source_id,
        variant=variant,
        language=language or reader_language(member.language, merchant),
    )
    queue_many(merchant, [draft])
    return Message.objects.for_merchant(merchant).filter(member=member, send_key=send_key).first()


def queue_many(merchant: Merchant, drafts: Iterable[Draft], *, batch: int = BATCH) -> int:
    """Queue a broadcast's messages in bulk. Returns how many were new.

    Drafts for members who are not the merchant's are left out.
    """
    return _insert_all(merchant, drafts, batch=batch, holdout=False)


def record_holdout(merchant: Merchant, drafts: Iterable[Draft], *, batch: int = BATCH) -> int:
    """Record the holdout's members: a message per member and send key, suppressed at once
    with reason `holdout` (and its event), never sent. Returns how many were new."""
    return _insert_all(merchant, drafts, batch=batch, holdout=True)


def _chunks(drafts: Iterable[Draft], size: int) -> Iterator[list[Draft]]:
    iterator = iter(drafts)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _insert_all(merchant: Merchant, drafts: Iterable[Draft], *, batch: int, holdout: bool) -> int:
    created = 0
    for chunk in _chunks(drafts, batch):
        theirs = set(
            Member.objects.for_merchant(merchant)
            .filter(pk__in={d.member_id for d in chunk})
            .values_list("pk", flat=True)
        )
        rows = [_message(merchant, d, holdout) for d in chunk if d.member_id in theirs]
        if rows:
            with transaction.atomic():
                created += _insert(merchant, rows, holdout)
    return created


def _message(merchant: Merchant, draft: Draft, holdout: bool) -> Message:
    return Message(
        merchant=merchant,
        member_id=draft.member_id,
        channel=draft.channel,
        purpose=draft.purpose,
        send_key=draft.send_key,
        source_type=draft.source_type,
        source_id=draft.source_id,
        variant=draft.variant,
        priority=draft.priority,
        language=draft.language,
        subject=draft.subject,
        body_text=draft.body_text,
        body_html=draft.body_html,
        not_before=draft.not_before,
        expires_at=draft.expires_at,
        status=MessageStatus.SUPPRESSED if holdout else MessageStatus.QUEUED,
        reason=SuppressionReason.HOLDOUT if holdout else "",
    )


def _insert(merchant: Merchant, rows: list[Message], holdout: bool) -> int:
    """One INSERT … ON CONFLICT DO NOTHING RETURNING id; the events of the inserted rows."""
    fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(Message._meta.db_table)} "  # noqa: S608 (names from the model)
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([placeholders] * len(rows))} "
        f"ON CONFLICT ({quote('member_id')}, {quote('send_key')}) DO NOTHING "
        f"RETURNING {quote(Message._meta.pk.column)}"
    )
    params = [f.get_db_prep_save(f.pre_save(row, True), connection) for row in rows for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    now = timezone.now()
    kind = MessageEventKind.SUPPRESSED if holdout else MessageEventKind.QUEUED
    reason = SuppressionReason.HOLDOUT if holdout else ""
    MessageEvent.objects.bulk_create(
        MessageEvent(merchant=merchant, message_id=pk, kind=kind, reason=reason, at=now)
        for pk in ids
    )
    return len(ids)
