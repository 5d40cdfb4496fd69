"""What the till, the member page and the API show of a member's stamp cards and a sale's stamps."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.models.points import Purchase
from members.models import Member
from rewards.engagement.stamps import live_cards
from rewards.models import MemberCard, Stamp, StampCard, StampKind, Voucher


@dataclass(frozen=True)
class CardProgress:
    """One active stamp card as a member stands on it now."""

    card: StampCard
    stamps: int  # on the card being filled (0 when none is started)
    needed: int
    filled: int  # cards of it this member has filled

    @property
    def left(self) -> int:
        return max(self.needed - max(self.stamps, 0), 0)

    @property
    def shown(self) -> int:
        """The stamps to draw: never fewer than none, never more than the card holds."""
        return min(max(self.stamps, 0), self.needed)

    @property
    def spaces(self) -> list[bool]:
        """One entry per space on the card, True where it is stamped (for the pictures)."""
        return [index < self.shown for index in range(self.needed)]

    @property
    def label(self) -> str:
        """“7 of 10 stamps”: what a screen reader says of the card."""
        return _("%(stamps)s of %(needed)s stamps") % {"stamps": self.shown, "needed": self.needed}

    @property
    def till_line(self) -> str:
        """“2 more coffees for a free one”: what the cashier can say."""
        word = self.card.item_word or _("stamps")
        return ngettext(
            "%(left)s more %(word)s for %(reward)s",
            "%(left)s more %(word)s for %(reward)s",
            self.left,
        ) % {"left": self.left, "word": word, "reward": self.card.reward.name.lower()}


def member_stamp_cards(member: Member) -> list[CardProgress]:
    """The merchant's active stamp cards with the member's progress on each (two queries)."""
    cards = live_cards(member.merchant_id)
    if not cards:
        return []
    rows = MemberCard.objects.filter(member=member, card__in=cards).values_list(
        "card_id", "stamps", "filled_at"
    )
    current: dict[int, int] = {}
    filled: dict[int, int] = {}
    for card_id, stamps, filled_at in rows:
        if filled_at is None:
            current[card_id] = stamps
        else:
            filled[card_id] = filled.get(card_id, 0) + 1
    return [
        CardProgress(
            card=card,
            stamps=current.get(card.pk, 0),
            needed=card.stamps_needed,
            filled=filled.get(card.pk, 0),
        )
        for card in cards
    ]


@dataclass(frozen=True)
class SaleStamps:
    """What one sale put on one stamp card: for the till's answer to the sale."""

    card: StampCard
    count: int
    stamps: int  # on the card it stamped last, now
    voucher: Voucher | None  # the voucher of a card this sale filled

    @property
    def label(self) -> str:
        return ngettext(
            "+%(count)s stamp on %(card)s: %(stamps)s of %(needed)s",
            "+%(count)s stamps on %(card)s: %(stamps)s of %(needed)s",
            self.count,
        ) % {
            "count": self.count,
            "card": self.card.name,
            "stamps": min(max(self.stamps, 0), self.card.stamps_needed),
            "needed": self.card.stamps_needed,
        }


def sale_stamps(purchase: Purchase) -> list[SaleStamps]:
    """The stamps a sale earned, per card, and the vouchers of the cards it filled (one query)."""
    rows = (
        Stamp.objects.filter(
            merchant_id=purchase.merchant_id, purchase=purchase, kind=StampKind.EARN
        )
        .select_related("member_card__card__reward", "member_card__voucher")
        .order_by("pk")
    )
    found: dict[int, SaleStamps] = {}
    for row in rows:
        member_card = row.member_card
        earlier = found.get(member_card.card_id)
        filled = member_card.voucher if member_card.filled_at else None
        found[member_card.card_id] = SaleStamps(
            card=member_card.card,
            count=(earlier.count if earlier else 0) + row.stamps,
            stamps=member_card.stamps if member_card.filled_at is None else 0,
            voucher=filled or (earlier.voucher if earlier else None),
        )
    return list(found.values())
