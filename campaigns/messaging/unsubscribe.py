"""The one-click unsubscribe of a campaign message (RFC 8058), without signing in.

The link is a signed token of the member, the channel and the message's send key, signed with
the salt of `members.services.consents`, so it is a token that service's `unsubscribe`
accepts. The visible link in the body and the `List-Unsubscribe` header are the same URL
(`member:message_unsubscribe`): a GET shows a confirmation (link scanners never unsubscribe
anyone), a POST, which mail clients send without a cookie, withdraws the consent through
`members.services.consents.unsubscribe` (a `Consent` row, source `unsubscribe`) and records an
`unsubscribed` event on the message. The next marketing message on that channel is then
suppressed with reason `unsubscribed`.
"""

from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Message, MessageEvent, MessageEventKind
from loyalty.models import Merchant
from members.models import Member
from members.services import consents
from members.services.consents import FIELDS as CONSENT_FIELDS
from members.services.consents import UNSUBSCRIBE_SALT


def unsubscribe_token(member_id: int, channel: str, send_key: str) -> str:
    """A token `members.services.consents.unsubscribe` accepts ("m", "c"), with the send key
    ("k") so that the unsubscribe is recorded on the message it came from."""
    return signing.dumps(
        {"m": member_id, "c": channel, "k": send_key}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(merchant: Merchant, member_id: int, channel: str, send_key: str) -> str:
    """The absolute unsubscribe URL, for templates and the email headers."""
    token = unsubscribe_token(member_id, channel, send_key)
    return _url_before_token(settings.SITE_URL, merchant.slug) + token


@lru_cache(maxsize=256)
def _url_before_token(site_url: str, slug: str) -> str:
    """The URL up to the token, reversed once per merchant (a broadcast asks for thousands)."""
    marker = "TOKEN"
    url = site_url + reverse("member:message_unsubscribe", args=[slug, marker])
    return url.removesuffix(marker)


def unsubscribe_target(merchant: Merchant, token: str) -> tuple[Member, str, str] | None:
    """(member, channel, send key) of a genuine token for one of this merchant's members."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        member_id, channel, send_key = int(data["m"]), str(data["c"]), str(data.get("k", ""))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    member = Member.objects.for_merchant(merchant).filter(pk=member_id).first()
    if member is None or channel not in CONSENT_FIELDS:
        return None
    return member, channel, send_key


@transaction.atomic
def unsubscribe_from_message(merchant: Merchant, token: str) -> tuple[Member, str] | None:
    """Withdraw the consent the token names and record it on its message. Idempotent: a second
    POST changes nothing. None for a forged token or another merchant's member."""
    target = unsubscribe_target(merchant, token)
    if target is None:
        return None
    member, channel, send_key = target
    consents.unsubscribe(token)
    message = (
        Message.objects.for_merchant(merchant)
        .select_for_update()
        .filter(member=member, send_key=send_key, channel=channel)
        .first()
    )
    if (
        message is not None
        and not message.events.filter(kind=MessageEventKind.UNSUBSCRIBED).exists()
    ):
        MessageEvent.objects.create(
            merchant=merchant,
            message=message,
            kind=MessageEventKind.UNSUBSCRIBED,
            at=timezone.now(),
        )
    member.refresh_from_db()
    return member, channel
