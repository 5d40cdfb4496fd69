"""The paid club's test helpers: the café's "Club", 49.00 a year, 1.5x, a free coffee a day."""

from decimal import Decimal

from rewards.models import Club, ClubPerk, PerkPeriod
from tests.loyalty.points.helpers import ring


def make_club(merchant, **fields) -> Club:
    defaults = {
        "name": "Club",
        "sku": "club-year",
        "price": Decimal("49.00"),
        "term_days": 365,
        "multiplier": Decimal("1.50"),
        "notice_days": 14,
    }
    return Club.objects.create(merchant=merchant, **(defaults | fields))


def make_perk(club, **fields) -> ClubPerk:
    defaults = {"name": "One free coffee a day", "period": PerkPeriod.DAY, "uses": 1}
    return ClubPerk.objects.create(merchant_id=club.merchant_id, club=club, **(defaults | fields))


def club_items(quantity: int = 1, price: str = "49.00", sku: str = "CLUB-YEAR") -> list[dict]:
    return [
        {"sku": sku, "name": "Club", "category": "club", "quantity": quantity, "unit_price": price}
    ]


def buy(shop, member, quantity: int = 1, extra: list[dict] = (), **kwargs):
    """A sale of `quantity` terms of the club (plus `extra` lines) at the till."""
    items = club_items(quantity) + list(extra)
    amount = sum(
        (Decimal(str(i["quantity"])) * Decimal(i["unit_price"]) for i in items), Decimal(0)
    )
    return ring(shop, member, amount, items=items, **kwargs)
