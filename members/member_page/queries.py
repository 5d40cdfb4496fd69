"""Read paths of the member's own pages: the card, the history. Each starts from the merchant."""

from datetime import datetime

import segno
from django.db.models import Min, QuerySet
from django.utils.translation import gettext as _

from loyalty.models import Merchant
from loyalty.models.points import PointsEntry, PointsLot, Purchase
from loyalty.money import format_money, format_points
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
        .select_related("shop", "merchant")
        .order_by("-occurred_at", "-pk")
    )


def member_ledger(member: Member) -> QuerySet[PointsEntry]:
    return (
        PointsEntry.objects.for_merchant(member.merchant)
        .filter(member=member)
        .select_related("purchase__shop", "merchant")
        .order_by("-created_at", "-pk")
    )


def sale_line(purchase: Purchase, merchant: Merchant) -> str:
    """“Old Town · €12.50 · 12 points”: where, how much, what it earned.

    Never the receipt's id: the till's `pos-…` token or the shop system's external id mean
    nothing to a customer (the staff pages show them).
    """
    return " · ".join(
        [
            purchase.shop.name,
            format_money(purchase.amount, merchant),
            format_points(purchase.points_earned),
        ]
    )


def sale_notes(purchase: Purchase) -> list[str]:
    """How a sale's points came about, in a customer's words (not the engine's breakdown).

    “limited to 60 points per purchase” when the program's cap cut them, else the bonuses
    on top (“Gold bonus: 10 points”); the base of one point per unit goes without saying.
    """
    parts = [part for part in purchase.breakdown or [] if isinstance(part, dict)]
    capped = any(part.get("kind") == "cap" for part in parts)
    notes = []
    if capped:
        # What the cap let through: the earning parts with the cap's negative one.
        allowed = sum(
            _points(part) for part in parts if part.get("kind") in _EARNING_KINDS | {"cap"}
        )
        notes.append(_("limited to %(points)s per purchase") % {"points": format_points(allowed)})
    for part in parts:
        kind = part.get("kind")
        if (kind in _EARNING_KINDS - {"base"} and not capped) or kind == "bonus":
            notes.append(
                _("%(what)s: %(points)s")
                % {"what": part.get("label", ""), "points": format_points(_points(part))}
            )
    return notes


_EARNING_KINDS = {"base", "tier", "promotion"}


def _points(part: dict) -> int:
    try:
        return int(part.get("points") or 0)
    except (TypeError, ValueError):
        return 0


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
        # The sale it came from as the customer knows it (where, how much), never its id.
        sale = entry.purchase
        return f"{sale.shop.name} · {format_money(sale.amount, entry.merchant)}"
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
