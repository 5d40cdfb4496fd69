"""Whether a message may go now: consent, address, bounces, the frequency cap, quiet hours.

The promise that keeps members subscribed, in one place. `decide` is pure (plain values in, a
`Verdict` out); `Facts` gathers what it needs for a whole batch in a fixed number of queries.

- **Transactional** messages (sign-in codes, voucher receipts) need an address and one that
  did not bounce; they skip consent, the cap and quiet hours, and carry no unsubscribe.
- **Marketing** needs the channel's consent (`Member.email_marketing` / `sms_marketing`); no
  consent is `unsubscribed` when the member's last word on that channel was an unsubscribe,
  `no_consent` otherwise. An **in-app** message (shown on the member page, no notification)
  needs no consent and ignores quiet hours, but it counts toward the cap like any other
  marketing message: the cap is how often we speak to a member, whatever the channel.
- **The cap**: at most `cap_count` marketing messages per member in any `cap_days` days,
  across campaigns and channels (what was sent, and what a worker is sending right now).
  Over it, the message is deferred to the moment the oldest of those falls out of the window.
- **Quiet hours** (email and SMS): from `quiet_start` to `quiet_end` on the merchant's wall
  clock (`loyalty.clock`; 21:00-09:00 by default, across midnight), deferred to their end.
- A deferred message is never dropped: it waits (`not_before`), and when several wait the
  sender takes the highest `priority` first. Only when its `expires_at` passes is it
  suppressed, with the reason it was waiting for. Missing consent, address, a bounced address
  or an unsubscribe suppress at once.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import (
    BouncedAddress,
    Channel,
    Message,
    MessageStatus,
    MessagingSettings,
    Purpose,
    SuppressionReason,
)
from campaigns.models.sending import (
    DEFAULT_CAP_COUNT,
    DEFAULT_CAP_DAYS,
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
)
from loyalty.audit import log_action
from loyalty.models import Merchant, User
from members.models import Consent, Member, MemberStatus
from members.services.consents import FIELDS as CONSENT_FIELDS

SEND, DEFER, SUPPRESS = "send", "defer", "suppress"
UTC = ZoneInfo("UTC")
QUIET_CHANNELS = (Channel.EMAIL, Channel.SMS)
UNSUBSCRIBE_SOURCE = "unsubscribe"  # Consent.source of members.services.consents.unsubscribe


@dataclass(frozen=True)
class Rules:
    """A merchant's fatigue rules, as plain values."""

    cap_count: int = DEFAULT_CAP_COUNT
    cap_days: int = DEFAULT_CAP_DAYS
    quiet_start: time = DEFAULT_QUIET_START
    quiet_end: time = DEFAULT_QUIET_END
    tz: ZoneInfo = UTC


@dataclass(frozen=True)
class Verdict:
    action: str  # SEND, DEFER or SUPPRESS
    reason: str = ""  # a SuppressionReason (why deferred or suppressed)
    until: datetime | None = None  # DEFER: when it may go
    address: str = ""  # SEND: where to


def rules_for(merchant: Merchant) -> Rules:
    row = MessagingSettings.objects.filter(merchant=merchant).first()
    if row is None:
        return Rules(tz=merchant.tzinfo)
    return Rules(row.cap_count, row.cap_days, row.quiet_start, row.quiet_end, merchant.tzinfo)


def settings_of(merchant: Merchant) -> MessagingSettings:
    """The merchant's row, or an unsaved one with the defaults (for the settings form)."""
    return MessagingSettings.objects.filter(merchant=merchant).first() or MessagingSettings(
        merchant=merchant
    )


@transaction.atomic
def save_messaging_settings(
    *,
    merchant: Merchant,
    actor: User | None,
    cap_count: int,
    cap_days: int,
    quiet_start: time,
    quiet_end: time,
) -> MessagingSettings:
    """Change the cap and the quiet hours; messages already waiting are judged by the new
    rules when they next come up."""
    row, _created = MessagingSettings.objects.update_or_create(
        merchant=merchant,
        defaults={
            "cap_count": cap_count,
            "cap_days": cap_days,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
            "updated_at": timezone.now(),
        },
    )
    log_action(
        merchant=merchant,
        actor=actor,
        action="campaigns.messaging_settings.changed",
        target=row,
        data={
            "cap_count": cap_count,
            "cap_days": cap_days,
            "quiet_start": quiet_start.isoformat("minutes"),
            "quiet_end": quiet_end.isoformat("minutes"),
        },
    )
    return row


# --- The rules, pure -----------------------------------------------------------------------------


def quiet_hours_end(rules: Rules, now: datetime) -> datetime | None:
    """When the quiet hours holding `now` end, or None when `now` is outside them."""
    start, end = rules.quiet_start, rules.quiet_end
    if start == end:
        return None  # no quiet hours
    local = now.astimezone(rules.tz)
    clock = local.time().replace(tzinfo=None)
    inside = (start <= clock < end) if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    # The wall clock reads `end` on that day (a DST gap moves it by the gap, never earlier).
    ends = datetime.combine(day, end, tzinfo=rules.tz)
    return ends if ends > now else now + timedelta(minutes=1)


def cap_frees_at(rules: Rules, sent: Iterable[datetime], now: datetime) -> datetime | None:
    """When the member may get one more marketing message, or None if they may now."""
    since = now - timedelta(days=rules.cap_days)
    recent = sorted(at for at in sent if at > since)
    if len(recent) < rules.cap_count:
        return None
    # The slot frees when enough of them fall out of the window to leave cap_count - 1.
    return recent[len(recent) - rules.cap_count] + timedelta(days=rules.cap_days)


def address_for(member: Member, channel: str) -> str:
    if member.status == MemberStatus.ANONYMIZED:
        return ""
    if channel == Channel.EMAIL:
        return member.email.strip().lower()
    if channel == Channel.SMS:
        return member.phone
    return ""


def decide(
    message: Message,
    member: Member,
    *,
    rules: Rules,
    sent: Iterable[datetime],
    bounced: bool,
    unsubscribed: bool,
    now: datetime,
) -> Verdict:
    """The verdict for one message at `now`, from plain facts (no query)."""
    address = address_for(member, message.channel)
    if message.channel != Channel.IN_APP and not address:
        return Verdict(SUPPRESS, SuppressionReason.NO_ADDRESS)
    if message.channel == Channel.IN_APP and member.status == MemberStatus.ANONYMIZED:
        return Verdict(SUPPRESS, SuppressionReason.NO_ADDRESS)
    if bounced:
        return Verdict(SUPPRESS, SuppressionReason.BOUNCED)
    expired = message.expires_at is not None and message.expires_at <= now
    if message.purpose == Purpose.TRANSACTIONAL:
        if expired:
            return Verdict(SUPPRESS, SuppressionReason.EXPIRED)
        return Verdict(SEND, address=address)
    if member.status != MemberStatus.ACTIVE or member.merged_into_id is not None:
        # Blocked or merged after the message was queued: no more offers to that card.
        return Verdict(SUPPRESS, SuppressionReason.INACTIVE)
    consent_field = CONSENT_FIELDS.get(message.channel)
    if consent_field and not getattr(member, consent_field):
        reason = SuppressionReason.UNSUBSCRIBED if unsubscribed else SuppressionReason.NO_CONSENT
        return Verdict(SUPPRESS, reason)
    waits = []
    if message.channel in QUIET_CHANNELS and (until := quiet_hours_end(rules, now)):
        waits.append((until, SuppressionReason.QUIET_HOURS))
    if until := cap_frees_at(rules, sent, now):
        waits.append((until, SuppressionReason.CAP))
    if waits:
        until, reason = max(waits)
        if expired:
            return Verdict(SUPPRESS, reason)
        if message.expires_at is not None and until > message.expires_at:
            # It cannot go in time; it waits for its window to close, then says why.
            until = message.expires_at
        return Verdict(DEFER, reason, until=until)
    if expired:
        return Verdict(SUPPRESS, SuppressionReason.EXPIRED)
    return Verdict(SEND, address=address)


# --- The facts of a batch ------------------------------------------------------------------------


@dataclass
class Facts:
    """What `decide` needs for a batch of messages, read in a few queries, then kept current
    as the batch is decided (a message let through counts toward its member's cap at once)."""

    now: datetime
    rules: dict[int, Rules] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    sent: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    bounced: set[tuple[int, str, str]] = field(default_factory=set)
    unsubscribed: set[tuple[int, str]] = field(default_factory=set)

    @classmethod
    def gather(cls, messages: list[Message], now: datetime) -> "Facts":
        facts = cls(now=now)
        merchant_ids = {m.merchant_id for m in messages}
        merchants = Merchant.objects.in_bulk(merchant_ids)
        saved = {s.merchant_id: s for s in MessagingSettings.objects.filter(merchant__in=merchants)}
        for pk, merchant in merchants.items():
            row = saved.get(pk)
            facts.rules[pk] = (
                Rules(row.cap_count, row.cap_days, row.quiet_start, row.quiet_end, merchant.tzinfo)
                if row
                else Rules(tz=merchant.tzinfo)
            )
        facts.members = Member.objects.in_bulk({m.member_id for m in messages})
        facts._read_sent(messages)
        facts._read_bounced(messages)
        facts._read_unsubscribed(messages)
        return facts

    def _read_sent(self, messages: list[Message]) -> None:
        marketing = {m.member_id for m in messages if m.purpose == Purpose.MARKETING}
        if not marketing:
            return
        longest = max(rules.cap_days for rules in self.rules.values())
        since = self.now - timedelta(days=longest)
        rows = Message.objects.filter(
            Q(status=MessageStatus.SENT, sent_at__gt=since)
            | Q(status=MessageStatus.SENDING, claimed_at__gt=since),
            member_id__in=marketing,
            purpose=Purpose.MARKETING,
        ).values_list("member_id", "sent_at", "claimed_at")
        for member_id, sent_at, claimed_at in rows:
            self.sent[member_id].append(sent_at or claimed_at)

    def _read_bounced(self, messages: list[Message]) -> None:
        wanted = {
            (m.merchant_id, m.channel, address_for(self.members[m.member_id], m.channel))
            for m in messages
            if m.member_id in self.members and m.channel != Channel.IN_APP
        }
        addresses = {address for _m, _c, address in wanted if address}
        if not addresses:
            return
        rows = BouncedAddress.objects.filter(
            merchant_id__in={m for m, _c, _a in wanted}, address__in=addresses
        ).values_list("merchant_id", "channel", "address")
        self.bounced = set(rows) & wanted

    def _read_unsubscribed(self, messages: list[Message]) -> None:
        """Members without the consent whose last consent change on that channel was an
        unsubscribe (so the reason says so)."""
        without = {
            (m.member_id, m.channel)
            for m in messages
            if m.purpose == Purpose.MARKETING
            and m.channel in CONSENT_FIELDS
            and m.member_id in self.members
            and not getattr(self.members[m.member_id], CONSENT_FIELDS[m.channel])
        }
        if not without:
            return
        last: dict[tuple[int, str], str] = {}
        rows = (
            Consent.objects.filter(member_id__in={member for member, _c in without})
            .order_by("created_at", "id")
            .values_list("member_id", "channel", "source")
        )
        for member_id, channel, source in rows:
            last[(member_id, channel)] = source
        self.unsubscribed = {key for key in without if last.get(key) == UNSUBSCRIBE_SOURCE}

    def verdict(self, message: Message) -> Verdict:
        member = self.members[message.member_id]
        verdict = decide(
            message,
            member,
            rules=self.rules[message.merchant_id],
            sent=self.sent.get(message.member_id, ()),
            bounced=(
                message.merchant_id,
                message.channel,
                address_for(member, message.channel),
            )
            in self.bounced,
            unsubscribed=(message.member_id, message.channel) in self.unsubscribed,
            now=self.now,
        )
        if verdict.action == SEND and message.purpose == Purpose.MARKETING:
            self.sent[message.member_id].append(self.now)
        return verdict
