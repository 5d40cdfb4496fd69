"""Read paths of the member's own pages: the card, the history. Each starts from the merchant."""

from datetime import datetime

import segno
from django.db.models import Min, QuerySet
from django.utils.translation import gettext as _

from loyalty.models.points import PointsEntry, PointsLot, Purchase
from loyalty.points.ledger import get_program
from loyalty.queries import tier_progress
from members.contacts import card_qr_payload
from members.models import Member

QR_SCALE = 8  # module size in the SVG's own units; CSS sizes the picture to the screen


def grouped_card_number(number: str) -> str:
    """“123 456 7890”: easier to read out at the till than ten digits in a row."""
    return " ".join([number[:3], number[3:6], number[6:]]) if len(number) > 6 else number


def qr_svg(payload: str, title: str) -> str:
    """A QR code as inline SVG (black on white: scanners need the contrast)."""
    svg = segno.make(payload, error="m").svg_inline(
        scale=QR_SCALE,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        title=title,
        svgclass="qr-code",
        lineclass=None,
    )
    # The <title> names the picture; role="img" makes screen readers announce it as one.
    return svg.replace("<svg ", '<svg role="img" ', 1)


def card_qr_svg(member: Member, title: str) -> str:
    """The card's QR code, for the till's scanner to read from the phone."""
    return qr_svg(card_qr_payload(member.merchant.slug, member.card_number), title)


def pending_available_at(member: Member) -> datetime | None:
    """When the earliest of the member's pending points can be spent."""
    return PointsLot.objects.filter(
        merchant_id=member.merchant_id, member=member, released=False, remaining__gt=0
    ).aggregate(first=Min("available_at"))["first"]


def member_purchases(member: Member) -> QuerySet[Purchase]:
    return (
        Purchase.objects.for_merchant(member.merchant)
        .filter(member=member)
        .select_related("shop")
        .order_by("-occurred_at", "-pk")
    )


def member_ledger(member: Member) -> QuerySet[PointsEntry]:
    return (
        PointsEntry.objects.for_merchant(member.merchant)
        .filter(member=member)
        .select_related("purchase")
        .order_by("-created_at", "-pk")
    )


def entry_note(entry: PointsEntry) -> str:
    """What caused a ledger entry, in the member's words (the kind says what it did)."""
    reference = entry.reference
    bonuses = {
        "bonus:welcome": _("Welcome bonus"),
        "bonus:profile": _("Profile completed"),
        "bonus:first_purchase": _("First purchase bonus"),
    }
    if reference in bonuses:
        return bonuses[reference]
    if reference.startswith("birthday:"):
        return _("Birthday bonus")
    if reference.startswith("expire:"):
        return _("Points past their date")
    if entry.purchase_id:
        return _("Receipt %(receipt)s") % {"receipt": entry.purchase.external_id}
    return ""


def with_notes(entries) -> list[PointsEntry]:
    rows = list(entries)
    for entry in rows:
        entry.note = entry_note(entry)
    return rows


def card_summary(member: Member) -> dict:
    """What the card page shows besides the card itself."""
    program = get_program(member.merchant)
    return {
        "program": program,
        "pending_from": pending_available_at(member) if member.pending_points > 0 else None,
        "progress": tier_progress(member, program=program),
        "has_purchases": member_purchases(member).exists(),
        "latest_entries": with_notes(member_ledger(member)[:3]),
    }
