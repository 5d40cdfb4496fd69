"""The outbox's vocabulary, and the two seams around it: `emit` and `register_consumer`.

A service that changes something other parts care about writes an `Event` row with `emit`, in
its own transaction. The django-q2 schedule "Drain the outbox" (`loyalty.tasks.drain_outbox`)
hands each event to the consumers registered for its type: outgoing webhooks, automated
campaigns and survey invitations. Consumers are idempotent by event id.

Every type is declared here once, with the words the portal shows; `emit` refuses any other.
"""

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from loyalty.models.points import Event

# type -> what it means, in the portal's words. Webhooks offer those in WEBHOOK_EVENTS below.
EVENT_TYPES: dict[str, str] = {
    "member.joined": _("A member joined"),
    "member.merged": _("Two members were merged"),
    "member.anonymized": _("A member was anonymized"),
    "purchase.recorded": _("A purchase was recorded"),
    "purchase.refunded": _("A purchase was refunded"),
    "purchase.reversed": _("A purchase was reversed"),
    "points.earned": _("Points were earned"),
    "points.expiring": _("Points are about to expire"),
    "tier.changed": _("A member's tier changed"),
    "referral.rewarded": _("A referral was rewarded"),
    "referral.refused": _("A referral was refused"),
    "referral.reversed": _("A referral bonus was taken back"),
    "voucher.issued": _("A voucher was issued"),
    "voucher.used": _("A voucher was used"),
    "voucher.expiring": _("A voucher is about to expire"),
    "feedback.received": _("A survey was answered"),
    "feedback.detractor": _("An unhappy survey answer came in"),
    "stamp.card_filled": _("A stamp card was filled"),
    "membership.started": _("A club membership started"),
    "membership.renewal_due": _("A club membership is due for renewal"),
    "membership.lapsed": _("A club membership lapsed"),
    "streak.milestone": _("A visit streak reached a milestone"),
    "challenge.completed": _("A challenge was completed"),
    "badge.awarded": _("A badge was awarded"),
    # Area C (#17): sent by an owner's "Send a test event" to one endpoint only; not offered
    # for subscription and consumed by no one (its delivery is written by the webhook service).
    "webhook.test": _("A test event sent from the portal"),
}

# What an endpoint may subscribe to, in the order the portal lists them. Only types that
# something emits: `feedback.received` and `feedback.detractor` come from the survey answers
# (`feedback.surveys.answering`, #15), `stamp.card_filled` from a full stamp card
# (`rewards.engagement.stamps`, #16), `membership.*` from the paid club
# (`rewards.engagement.club`, #16: the sale hook and the nightly `run_club_dates`),
# `streak.milestone` from a streak's milestone paid
# (`rewards.engagement.streaks`, #16), `challenge.completed` and `badge.awarded` from the
# challenge engine (`rewards.engagement.challenges`, #16).
WEBHOOK_EVENTS: list[tuple[str, str]] = [
    (name, EVENT_TYPES[name])
    for name in (
        "member.joined",
        "purchase.recorded",
        "tier.changed",
        "voucher.issued",
        "voucher.used",
        "points.expiring",
        "feedback.received",
        "feedback.detractor",
        "stamp.card_filled",
        "membership.started",
        "membership.renewal_due",
        "membership.lapsed",
        "streak.milestone",
        "challenge.completed",
        "badge.awarded",
    )
]
WEBHOOK_EVENT_TYPES = frozenset(name for name, _label in WEBHOOK_EVENTS)

Consumer = Callable[[Event], None]
T = TypeVar("T")
# The registry `register_consumer` fills (tests may swap an entry for one of their own).
CONSUMERS: dict[str, list[Consumer]] = {}


class UnknownEventType(ValueError):
    """A programming error: the type is not declared in EVENT_TYPES."""


def emit(merchant_id: int, events: Iterable[tuple[str, dict]], now: datetime) -> list[Event]:
    """Write outbox rows for `events` (type, payload) of one merchant, in the caller's transaction.

    Raises UnknownEventType for a type not declared in EVENT_TYPES, before writing anything.
    """
    rows = []
    for kind, payload in events:
        if kind not in EVENT_TYPES:
            raise UnknownEventType(kind)
        rows.append(Event(merchant_id=merchant_id, type=kind, payload=payload, created_at=now))
    return Event.objects.bulk_create(rows) if rows else []


def register_consumer(event_type: str, consumer: Consumer) -> None:
    """Hand every event of `event_type` to `consumer` (called in the outbox's transaction).

    A consumer must be idempotent by event id: an event whose consumer failed is handed again.
    Registering the same consumer twice is harmless (apps register theirs in `ready()`).
    """
    if event_type not in EVENT_TYPES:
        raise UnknownEventType(event_type)
    registered = CONSUMERS.setdefault(event_type, [])
    if consumer not in registered:
        registered.append(consumer)


def consumers_of(event_type: str) -> list[Consumer]:
    """The consumers registered for `event_type`, in registration order."""
    return list(CONSUMERS.get(event_type, ()))


# What the consumers already did for the batch of events being drained (None outside one).
_DONE_IN_BATCH: ContextVar[set | None] = ContextVar("outbox_batch", default=None)
# What the consumers read once for the batch (`batch_memo`), None outside one.
_MEMO_IN_BATCH: ContextVar[dict | None] = ContextVar("outbox_batch_memo", default=None)


@contextmanager
def draining_batch() -> Iterator[set]:
    """The outbox's drain hands a batch of events inside this; see `first_in_batch`."""
    token = _DONE_IN_BATCH.set(set())
    memo_token = _MEMO_IN_BATCH.set({})
    try:
        yield _DONE_IN_BATCH.get()
    finally:
        _DONE_IN_BATCH.reset(token)
        _MEMO_IN_BATCH.reset(memo_token)


def batch_memo(key: Hashable, read: Callable[[], T]) -> T:
    """`read()` once per batch being drained for `key`, then its answer again; outside a drain
    `read()` every time. For what a consumer reads for every event and what does not change
    in the seconds a batch takes (the merchant's running automations)."""
    memo = _MEMO_IN_BATCH.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def first_in_batch(key: Hashable) -> bool:
    """True the first time a consumer asks for `key` in the batch being drained, then False.

    Every event of a batch was committed before the batch was read, so work that reads the
    database after that (rebuilding a day's statistics) covers every event of the batch that
    asks for the same key: 500 sales of one day rebuild the day once. Outside a drain it is
    always True. The drain forgets the keys an event added when its consumers fail (their
    work was rolled back).
    """
    done = _DONE_IN_BATCH.get()
    if done is None:
        return True
    if key in done:
        return False
    done.add(key)
    return True
