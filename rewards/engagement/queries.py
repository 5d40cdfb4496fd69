"""What the till, the member page and the API show of a member's stamp cards and streak, and
of a sale's stamps."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.clock import local_today
from loyalty.models.points import Purchase
from members.models import Member
from rewards.engagement.stamps import live_cards
from rewards.engagement.streaks import period_of, periods_between
from rewards.models import (
    MemberCard,
    MemberStreak,
    Stamp,
    StampCard,
    StampKind,
    StreakMilestone,
    StreakPeriod,
    StreakProgram,
    Voucher,
)


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


# --- The streak ----------------------------------------------------------------------------------


def _periods(period: str, count: int) -> str:
    """“5 weeks” / “1 day”."""
    if period == StreakPeriod.DAY:
        return ngettext("%(n)s day", "%(n)s days", count) % {"n": count}
    return ngettext("%(n)s week", "%(n)s weeks", count) % {"n": count}


@dataclass(frozen=True)
class StreakStatus:
    """A member's streak as it stands today (computed, so a lapsed streak needs no job)."""

    program: StreakProgram
    length: int  # periods in a row, 0 when there is none or it lapsed
    best: int
    alive: bool
    at_risk: bool  # alive, but this period has no visit yet
    grace_left: bool  # the grace is on and not spent in this run
    next_milestone: StreakMilestone | None

    @property
    def periods_to_next(self) -> int | None:
        if self.next_milestone is None:
            return None
        return self.next_milestone.length - self.length

    @property
    def label(self) -> str:
        """“5 weeks in a row”, or “No streak yet”."""
        if not self.length:
            return _("No streak yet")
        return _("%(periods)s in a row") % {"periods": _periods(self.program.period, self.length)}

    @property
    def till_line(self) -> str:
        """“3 more weeks to 8 weeks: 200 points”: what the cashier can say."""
        milestone = self.next_milestone
        if milestone is None:
            return _("Every milestone reached")
        more = self.periods_to_next or 0
        if self.program.period == StreakPeriod.DAY:
            line = ngettext(
                "%(n)s more day to %(target)s: %(points)s points",
                "%(n)s more days to %(target)s: %(points)s points",
                more,
            )
        else:
            line = ngettext(
                "%(n)s more week to %(target)s: %(points)s points",
                "%(n)s more weeks to %(target)s: %(points)s points",
                more,
            )
        return line % {
            "n": more,
            "target": _periods(self.program.period, milestone.length),
            "points": milestone.points,
        }

    @property
    def next_line(self) -> str:
        """“next: 8 weeks pays 200 points”: the member page's words."""
        milestone = self.next_milestone
        if milestone is None:
            return _("every milestone reached")
        return _("next: %(target)s pays %(points)s points") % {
            "target": _periods(self.program.period, milestone.length),
            "points": milestone.points,
        }


def streak_status(
    program: StreakProgram,
    milestones: list[StreakMilestone],
    streak: MemberStreak | None,
    today: datetime | None = None,
) -> StreakStatus:
    """The status from a program, its milestones and the member's row (no query)."""
    length, best, grace_used, at_risk = 0, 0, False, False
    if streak is not None:
        best = streak.best
        current = period_of(program.period, local_today(program.merchant, today))
        if streak.length and streak.last_period is not None:
            gap = periods_between(program.period, streak.last_period, current)
            grace_open = program.grace and not streak.grace_used
            if gap <= 0 or gap == 1 or (gap == 2 and grace_open):
                length, grace_used, at_risk = streak.length, streak.grace_used, gap > 0
    upcoming = [milestone for milestone in milestones if milestone.length > length]
    return StreakStatus(
        program=program,
        length=length,
        best=best,
        alive=length > 0,
        at_risk=at_risk,
        grace_left=program.grace and not grace_used,
        next_milestone=min(upcoming, key=lambda milestone: milestone.length, default=None),
    )


def member_streak(member: Member, now: datetime | None = None) -> StreakStatus | None:
    """The member's streak on the merchant's active program, or None without one.

    One query without a program, three with one. The till (`_streak.html`), the member page
    and the API show it.
    """
    program = (
        StreakProgram.objects.filter(merchant_id=member.merchant_id, active=True)
        .select_related("merchant")
        .first()
    )
    if program is None:
        return None
    milestones = list(StreakMilestone.objects.filter(program=program).order_by("length"))
    streak = MemberStreak.objects.filter(program=program, member=member).first()
    return streak_status(program, milestones, streak, now)
