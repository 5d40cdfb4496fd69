"""Marketing consents: each change is a Consent row (what was shown, where, when); the current
state is on the member. Unsubscribe links are signed, so one click is enough."""

from datetime import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loyalty.errors import ValidationFailed
from loyalty.models import Merchant, User
from members.models import Consent, ConsentChannel, Member

FIELDS = {ConsentChannel.EMAIL: "email_marketing", ConsentChannel.SMS: "sms_marketing"}
UNSUBSCRIBE_SALT = "fidela.members.unsubscribe"

# What staff tick when they record a consent for a customer (the portal's member forms).
STAFF_CONSENT_LABELS = {
    ConsentChannel.EMAIL: gettext_lazy("The customer agrees to receive offers by email"),
    ConsentChannel.SMS: gettext_lazy("The customer agrees to receive offers by SMS"),
}


# --- The words kept with a consent ---------------------------------------------------------------
# A consent row keeps what the person saw or what staff recorded, in the words of the moment.
# These are the only places those words are made.


def consent_wording(merchant: Merchant, channel: str) -> str:
    """The sentence shown next to a consent checkbox or button, stored with the consent."""
    if channel == ConsentChannel.SMS:
        text = _(
            "Send me offers and news from %(merchant)s by SMS. I can turn this off at any time."
        )
    else:
        text = _(
            "Send me offers and news from %(merchant)s by email. I can turn this off at any time."
        )
    return text % {"merchant": merchant.name}


def wording_shown(merchant: Merchant, channels: list[str]) -> str:
    """What the join page showed for the consents the person ticked, one sentence each."""
    return "\n".join(consent_wording(merchant, channel) for channel in channels)


def wording_at_the_till(merchant: Merchant, channels: list[str]) -> str:
    """What a cashier records when the customer agrees at the till."""
    if not channels:
        return ""
    names = {ConsentChannel.EMAIL: _("email"), ConsentChannel.SMS: _("SMS")}
    return _("Agreed at the till to receive offers from %(merchant)s by %(channels)s.") % {
        "merchant": merchant.name,
        "channels": " / ".join(str(names[channel]) for channel in channels),
    }


def wording_in_the_portal(channels: list[str]) -> str:
    """What staff record in the portal's member forms, in the words of the boxes they ticked."""
    if not channels:
        return ""
    given = "; ".join(str(STAFF_CONSENT_LABELS[channel]) for channel in channels)
    return _("Recorded by staff in the portal: %(consents)s") % {"consents": given}


def wording_changed_in_the_portal(channel: str) -> str:
    """What staff record when they change one consent on a member's page in the portal."""
    return _("Changed by staff in the portal: %(consent)s") % {
        "consent": STAFF_CONSENT_LABELS[channel]
    }


def ticked(data: dict) -> list[str]:
    """The channels whose consent box is ticked in a form's cleaned data, email first."""
    return [channel for channel, field in FIELDS.items() if data.get(field)]


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
