"""A member's history in their own words: what the member page says of each sale and entry.

Never the receipt's id nor the engine's breakdown: "Old Town · €12.50 · 12 points", "limited to
60 points per purchase". The staff pages show the details (the `fidela` breakdown filter).
"""

from django.utils.translation import gettext as _

from loyalty.models import Merchant
from loyalty.models.points import PointsEntry, Purchase
from loyalty.money import format_money, format_points


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
