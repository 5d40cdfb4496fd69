"""What the till, the member page and the API show of a member's stamp cards, challenges and
badges."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.clock import local_today
from loyalty.money import format_money
from members.models import Member
from rewards.engagement.progress import SALE_KINDS, goal, progress
from rewards.models import (
    Challenge,
    ChallengeCompletion,
    ChallengeKind,
    MemberBadge,
    MemberCard,
    StampCard,
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
    cards = list(
        StampCard.objects.filter(merchant_id=member.merchant_id, active=True).select_related(
            "reward"
        )
    )
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
