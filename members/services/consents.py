"""Marketing consents: each change is a Consent row (what was shown, where, when); the current
state is on the member. Unsubscribe links are signed, so one click is enough."""

from datetime import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.models import User
from members.models import Consent, ConsentChannel, Member

FIELDS = {ConsentChannel.EMAIL: "email_marketing", ConsentChannel.SMS: "sms_marketing"}
UNSUBSCRIBE_SALT = "fidela.members.unsubscribe"


def record_consent(
    *,
    member: Member,
    channel: str,
    granted: bool,
    source: str,
    wording: str = "",
    actor: User | None = None,
    now: datetime | None = None,
) -> Consent:
    """Write the change and the current state. Called inside the caller's transaction."""
    if channel not in FIELDS:
        raise ValidationFailed(_("Unknown consent channel."), code="invalid_channel")
    consent = Consent.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        channel=channel,
        granted=granted,
        source=source,
        wording=wording,
        actor=actor,
        created_at=now or timezone.now(),
    )
    Member.objects.filter(pk=member.pk).update(**{FIELDS[channel]: granted})
    setattr(member, FIELDS[channel], granted)
    return consent


@transaction.atomic
def set_consent(
    *,
    member: Member,
    channel: str,
    granted: bool,
    source: str,
    wording: str = "",
    actor: User | None = None,
) -> Consent | None:
    """Change a consent; nothing is written when it is already in that state."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if getattr(member, FIELDS.get(channel, ""), None) == granted:
        return None
    return record_consent(
        member=member, channel=channel, granted=granted, source=source, wording=wording, actor=actor
    )


def unsubscribe_token(member: Member, channel: str) -> str:
    return signing.dumps({"m": member.pk, "c": channel}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe(token: str) -> tuple[Member, str] | None:
    """Turn off the consent a signed link names. None for a forged or garbled link."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        member = Member.objects.select_related("merchant").get(pk=data["m"])
        channel = data["c"]
    except (signing.BadSignature, KeyError, TypeError, Member.DoesNotExist):
        return None
    set_consent(
        member=member,
        channel=channel,
        granted=False,
        source="unsubscribe",
        wording=_("One-click unsubscribe link"),
    )
    return member, channel
