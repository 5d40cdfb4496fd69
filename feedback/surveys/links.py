"""The signed links of the surveys: an invitation's answer page and its "stop survey
requests" page, and the receipt's QR code for an anonymous answer to one sale.

Both are `django.core.signing.TimestampSigner` tokens, each with its own salt: an invitation
token holds the invitation's id, a receipt token the purchase's. Nobody signs in: the
signature is the proof. Reading a token says what it is worth (`LinkCheck.state`): `valid`,
`tampered` (a changed, truncated or foreign token, or another merchant's), `expired` (past the
invitation's `expires_at`, or the survey's `link_days` after the sale for a receipt), or
`answered`. Reading never writes anything.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from feedback.models import Answer, Invitation, Survey
from loyalty.models import Merchant, Purchase
from loyalty.qr import qr_svg

INVITATION_SALT = "fidela.feedback.survey"
RECEIPT_SALT = "fidela.feedback.receipt"
VALID, TAMPERED, EXPIRED, ANSWERED = "valid", "tampered", "expired", "answered"


@dataclass(frozen=True)
class LinkCheck:
    """What a token is worth now. `invitation` or `purchase` is set unless tampered; `survey`
    is the survey to answer (the invitation's, or the merchant's active one for a receipt)."""

    state: str
    invitation: Invitation | None = None
    purchase: Purchase | None = None
    survey: Survey | None = None
    answer: Answer | None = None

    @property
    def valid(self) -> bool:
        return self.state == VALID


def _absolute(name: str, merchant: Merchant, **kwargs) -> str:
    return settings.SITE_URL + reverse(
        f"member:{name}", kwargs={"merchant_slug": merchant.slug, **kwargs}
    )


# --- Invitations ---------------------------------------------------------------------------------


def survey_token(invitation: Invitation) -> str:
    """The signed token of an invitation (its id and the time it was signed)."""
    return signing.TimestampSigner(salt=INVITATION_SALT).sign(str(invitation.pk))


def survey_link(invitation: Invitation, *, merchant: Merchant | None = None) -> str:
    """The absolute address of the invitation's answer page (it leaves in a message)."""
    merchant = merchant or invitation.merchant
    return _absolute("survey", merchant, token=survey_token(invitation))


def stop_link(invitation: Invitation, *, merchant: Merchant | None = None) -> str:
    """The absolute address of the invitation's "stop survey requests" page."""
    merchant = merchant or invitation.merchant
    return _absolute("survey_stop", merchant, token=survey_token(invitation))


def _signed_id(token: str, salt: str) -> int | None:
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def read_survey_token(merchant: Merchant, token: str, *, now: datetime | None = None) -> LinkCheck:
    """What an invitation token is worth at `now` (module docstring); reads only."""
    invitation_id = _signed_id(token, INVITATION_SALT)
    if invitation_id is None:
        return LinkCheck(TAMPERED)
    invitation = (
        Invitation.objects.for_merchant(merchant)
        .filter(pk=invitation_id)
        .select_related("survey", "member", "purchase", "merchant")
        .first()
    )
    if invitation is None:
        return LinkCheck(TAMPERED)
    found = {"invitation": invitation, "purchase": invitation.purchase}
    found["survey"] = invitation.survey
    answer = (
        Answer.objects.for_merchant(merchant).filter(purchase_id=invitation.purchase_id).first()
    )
    if answer is not None:
        return LinkCheck(ANSWERED, answer=answer, **found)
    if (now or timezone.now()) >= invitation.expires_at:
        return LinkCheck(EXPIRED, **found)
    return LinkCheck(VALID, **found)


# --- The receipt's QR code -----------------------------------------------------------------------


def receipt_token(purchase: Purchase) -> str:
    return signing.TimestampSigner(salt=RECEIPT_SALT).sign(str(purchase.pk))


def receipt_link(purchase: Purchase, *, merchant: Merchant | None = None) -> str:
    """The absolute address the receipt's QR code opens: an anonymous answer for this sale."""
    merchant = merchant or purchase.merchant
    return _absolute("survey_receipt", merchant, token=receipt_token(purchase))


def active_survey(merchant: Merchant) -> Survey | None:
    """The merchant's active survey (at most one), the one invitations and receipts ask."""
    return Survey.objects.for_merchant(merchant).filter(active=True).first()


def surveys_probe() -> Exists:
    """The sale probe (`loyalty.points.hooks`): has the sale's merchant an active survey? The
    POS answer of a new sale skips the receipt's QR code without asking again."""
    return Exists(Survey.objects.filter(merchant_id=OuterRef("merchant_id"), active=True))


def receipt_expires_at(purchase: Purchase, survey: Survey) -> datetime:
    return purchase.recorded_at + timedelta(days=survey.link_days)


def read_receipt_token(merchant: Merchant, token: str, *, now: datetime | None = None) -> LinkCheck:
    """What a receipt token is worth at `now`: tampered, expired (the survey's `link_days`
    after the sale was recorded), answered (the sale has an answer, whoever gave it), valid;
    a merchant without an active survey (or a reversed sale) reads as expired. Reads only."""
    purchase_id = _signed_id(token, RECEIPT_SALT)
    if purchase_id is None:
        return LinkCheck(TAMPERED)
    purchase = Purchase.objects.for_merchant(merchant).filter(pk=purchase_id).first()
    if purchase is None:
        return LinkCheck(TAMPERED)
    answer = Answer.objects.for_merchant(merchant).filter(purchase=purchase).first()
    if answer is not None:
        return LinkCheck(ANSWERED, purchase=purchase, survey=answer.survey, answer=answer)
    survey = active_survey(merchant)
    if (
        survey is None
        or purchase.reversed_at is not None
        or (now or timezone.now()) >= receipt_expires_at(purchase, survey)
    ):
        return LinkCheck(EXPIRED, purchase=purchase, survey=survey)
    return LinkCheck(VALID, purchase=purchase, survey=survey)


def receipt_qr_svg(purchase: Purchase, title: str, *, merchant: Merchant | None = None) -> str:
    """The receipt's QR code as inline SVG (black on white: phones' cameras need contrast),
    or "" when the merchant has no active survey. One query (with the `merchant` given)."""
    merchant = merchant or purchase.merchant
    if active_survey(merchant) is None:
        return ""
    return qr_svg(receipt_link(purchase, merchant=merchant), title)
