"""What happens after a message is sent: opens, clicks and in-app dismissals.

A link in a message goes through `/m/<slug>/l/<token>`: the token is signed
(`django.core.signing`, its own salt) and holds the message id and the address, so the redirect
only ever goes where the message said (no open redirect) and a changed token is refused. The
open pixel `/m/<slug>/o/<token>` holds the message id alone. Each writes a `MessageEvent`:
`clicked` once per message and address (the first click; later ones change nothing, so a mail
scanner following every link counts once), `opened` once per message. Events are append-only.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Channel, Message, MessageEvent, MessageEventKind, MessageStatus
from loyalty.models import Merchant
from members.models import Member

CLICK_SALT = "fidela.campaigns.click"
OPEN_SALT = "fidela.campaigns.open"


def click_token(message: Message, url: str) -> str:
    return signing.dumps({"m": message.pk, "u": url}, salt=CLICK_SALT, compress=True)


def open_token(message: Message) -> str:
    return signing.dumps(message.pk, salt=OPEN_SALT)


def click_url(message: Message, url: str, *, slug: str | None = None) -> str:
    """The tracked address of a link in this message (absolute: it leaves in an email).
    `slug` is the merchant's, when the caller has it (no query for the message's merchant)."""
    path = reverse(
        "campaign_links:click",
        kwargs={"merchant_slug": slug or message.merchant.slug, "token": click_token(message, url)},
    )
    return settings.SITE_URL + path


def open_pixel_url(message: Message, *, slug: str | None = None) -> str:
    path = reverse(
        "campaign_links:open",
        kwargs={"merchant_slug": slug or message.merchant.slug, "token": open_token(message)},
    )
    return settings.SITE_URL + path


def _message_of(merchant: Merchant, message_id: object) -> Message | None:
    if not isinstance(message_id, int):
        return None
    return Message.objects.for_merchant(merchant).filter(pk=message_id).first()


def read_click(merchant: Merchant, token: str) -> tuple[Message, str] | None:
    """The message and address a click token names, or None (forged, or another merchant's)."""
    try:
        data = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str):
        return None
    message = _message_of(merchant, data.get("m"))
    url = data["u"]
    if message is None or not url.startswith(("https://", "http://")):
        return None
    return message, url


def read_open(merchant: Merchant, token: str) -> Message | None:
    try:
        message_id = signing.loads(token, salt=OPEN_SALT)
    except signing.BadSignature:
        return None
    return _message_of(merchant, message_id)


def _record_once(message: Message, kind: str, detail: str = "") -> bool:
    """Writes the event unless the message already has it (with this detail); True if new.

    Two clicks at the same instant may both write; an extra row of the same click is harmless
    to the results, which count messages, not rows.
    """
    detail = detail[:500]
    with transaction.atomic():
        if MessageEvent.objects.filter(message=message, kind=kind, detail=detail).exists():
            return False
        MessageEvent.objects.create(
            merchant_id=message.merchant_id,
            message=message,
            kind=kind,
            detail=detail,
            at=timezone.now(),
        )
    return True


def record_click(message: Message, url: str) -> bool:
    return _record_once(message, MessageEventKind.CLICKED, url)


def record_open(message: Message) -> bool:
    return _record_once(message, MessageEventKind.OPENED)


def in_app_messages(member: Member, *, limit: int = 3) -> list[Message]:
    """The member's sent in-app messages not yet dismissed, newest first."""
    return list(
        Message.objects.for_merchant(member.merchant_id)
        .filter(member=member, channel=Channel.IN_APP, status=MessageStatus.SENT)
        .exclude(events__kind=MessageEventKind.DISMISSED)
        .order_by("-sent_at", "-id")[:limit]
    )


def dismiss_in_app(member: Member, message_id: int) -> bool:
    """The member closes one of their own in-app messages; False when it is not theirs."""
    message = (
        Message.objects.for_merchant(member.merchant_id)
        .filter(pk=message_id, member=member, channel=Channel.IN_APP)
        .first()
    )
    if message is None:
        return False
    _record_once(message, MessageEventKind.DISMISSED)
    return True
