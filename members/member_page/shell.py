"""What the member page's views share: their URLs and the card's QR block."""

from django.urls import reverse
from django.utils.translation import gettext as _

from loyalty.models import Merchant
from members.member_page.queries import card_qr_svg, grouped_card_number
from members.models import Member


def page_url(name: str, merchant: Merchant, **kwargs) -> str:
    """The URL of a member page (`member:<name>`) of this merchant."""
    return reverse(f"member:{name}", kwargs={"merchant_slug": merchant.slug, **kwargs})


def card_context(member: Member) -> dict:
    """The card's QR code and grouped number, for the card and the welcome page."""
    return {
        "qr_svg": card_qr_svg(member, _("QR code of your card, to scan at the till")),
        "card_number": grouped_card_number(member.card_number),
    }
