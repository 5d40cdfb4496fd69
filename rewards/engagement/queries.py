"""What the till, the member page and the API show of a member's stamp cards, streak,
challenges and badges, and of a sale's stamps."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.clock import local_today
from loyalty.content import localized
from loyalty.models.points import Purchase
from loyalty.money import format_money
from members.models import Member
from rewards.engagement.progress import SALE_KINDS, goal, progress
from rewards.engagement.stamps import live_cards
from rewards.engagement.streaks import period_of, periods_between
from rewards.models import (
    Challenge,
    ChallengeCompletion,
    ChallengeKind,
    MemberBadge,
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
        ) % {"left": self.left, "word": word, "reward": localized(self.card.reward, "name").lower()}


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
            "card": localized(self.card, "name"),
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


# --- Challenges and badges -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChallengeProgress:
    """One challenge as a member stands on it now (for the member page and the API)."""

    challenge: Challenge
    value: Decimal | int  # towards the goal (an amount for spend)
    goal: Decimal | int
    completed: int  # times this member completed it
    label: str  # “2 of 5 visits”

    @property
    def finished(self) -> bool:
        """The member completed it as often as they can."""
        return self.completed >= self.challenge.limit_per_member


@dataclass(frozen=True)
class MemberChallenges:
    visible: list[ChallengeProgress]  # active, not hidden, in their dates (or completed)
    revealed: list[ChallengeProgress]  # hidden ones the member completed
    badges: list[MemberBadge]


def _label(challenge: Challenge, value, target, member: Member) -> str:
    kind = challenge.kind
    if kind == ChallengeKind.SPEND:
        return _("%(value)s of %(goal)s this month") % {
            "value": format_money(value, member.merchant),
            "goal": format_money(target, member.merchant),
        }
    if kind == ChallengeKind.NEW_CATEGORY:
        if challenge.categories:
            return _("Buy something from: %(categories)s") % {
                "categories": ", ".join(challenge.categories)
            }
        return _("Buy something you have never tried")
    words = {
        ChallengeKind.VISITS: ngettext(
            "%(value)s of %(goal)s visit", "%(value)s of %(goal)s visits", target
        ),
        ChallengeKind.TIME_WINDOW: ngettext(
            "%(value)s of %(goal)s visit", "%(value)s of %(goal)s visits", target
        ),
        ChallengeKind.REFERRAL: ngettext(
            "%(value)s of %(goal)s friend", "%(value)s of %(goal)s friends", target
        ),
        ChallengeKind.SURVEY: ngettext(
            "%(value)s of %(goal)s survey", "%(value)s of %(goal)s surveys", target
        ),
    }
    return words[kind] % {"value": min(value, target), "goal": target}


def member_challenges(member: Member, now: datetime | None = None) -> MemberChallenges:
    """The member page's challenges: the visible active ones with the member's progress, the
    hidden ones they completed, and their badges (three queries, and one per challenge in
    progress)."""
    now = now or timezone.now()
    tz = member.merchant.tzinfo
    today = local_today(member.merchant, now)
    challenges = list(
        Challenge.objects.filter(merchant_id=member.merchant_id, active=True).select_related(
            "reward", "badge"
        )
    )
    badges = list(
        MemberBadge.objects.filter(member=member).select_related("badge").order_by("awarded_at")
    )
    if not challenges:
        return MemberChallenges([], [], badges)
    done = {
        row["challenge_id"]: row
        for row in ChallengeCompletion.objects.filter(member=member, challenge__in=challenges)
        .values("challenge_id")
        .annotate(n=Count("pk"), sale=Max("purchase__occurred_at"), at=Max("created_at"))
    }
    visible, revealed = [], []
    for challenge in challenges:
        row = done.get(challenge.pk, {"n": 0, "sale": None, "at": None})
        if challenge.hidden and not row["n"]:
            continue
        running = challenge.starts_on <= today and (
            challenge.ends_on is None or today <= challenge.ends_on
        )
        if not running and not row["n"]:
            continue
        since = row["sale"] if challenge.kind in SALE_KINDS else row["at"]
        finished = row["n"] >= challenge.limit_per_member
        value = 0
        if running and not finished and challenge.kind != ChallengeKind.NEW_CATEGORY:
            value = progress(challenge, member, now, since, tz)
        target = goal(challenge)
        item = ChallengeProgress(
            challenge=challenge,
            value=value,
            goal=target,
            completed=row["n"],
            label=str(_("Completed"))
            if finished
            else str(_label(challenge, value, target, member)),
        )
        (revealed if challenge.hidden else visible).append(item)
    return MemberChallenges(visible, revealed, badges)
