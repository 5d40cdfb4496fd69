"""The streak engine: a visit in each week (or day) keeps a member's streak; milestones pay.

Counted by the sale hook (`loyalty.points.hooks`, registered by `rewards.apps`) in the sale's
transaction, under the member's row lock, so two tills at once are one after the other; the
database pays a milestone once per run of a streak (`StreakReward`'s unique constraint) even so.

The rules, in the periods of the merchant's time zone (a week starts on Monday):

- a sale in a period after the last one counted extends the streak by one when it is the next
  period; with the program's grace on and not yet used in this run, a gap of one missed period
  also extends it (and spends the grace); any longer gap starts a new run at 1;
- another sale in a period already counted does nothing;
- a sale reported late, in a period before the last one counted, does nothing either: the
  streak is only ever extended forward (a late sale never rewrites what was paid);
- a reversed sale: if it counted its period, and that period is the streak's last, and no
  other sale of the member stands in it, the streak steps back to the visit before (an `UNDO`
  row); if another sale of that period stands, the period stays counted, on that sale. A
  reversed sale of an older period changes nothing. A milestone already paid stays paid (and
  is not paid twice when the streak reaches it again in the same run), and `best` stays the
  best the member ever reached. Refunds change nothing: the member came.

A streak that misses its period is not touched by any job: `rewards.engagement.queries.
member_streak` computes what it shows from the last period counted and today.
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from loyalty.clock import local_today, midnight
from loyalty.content import localized
from loyalty.events import emit
from loyalty.models import Merchant, Shop, User
from loyalty.models.points import EntryKind, Purchase, Refund
from loyalty.points.hooks import probed_none
from loyalty.points.ledger import credit, get_program
from members.models import Member
from rewards.engagement.challenges import award_badge
from rewards.models import (
    BadgeSource,
    MemberStreak,
    StreakMilestone,
    StreakPeriod,
    StreakProgram,
    StreakReward,
    StreakVisit,
    StreakVisitKind,
)

# --- Periods (pure) ------------------------------------------------------------------------------


def period_of(period: str, day: date) -> date:
    """The period holding `day`: the day itself, or the Monday of its week."""
    if period == StreakPeriod.DAY:
        return day
    return day - timedelta(days=day.weekday())


def periods_between(period: str, first: date, later: date) -> int:
    """How many periods `later` is after `first` (both period starts): 1 for the next one."""
    days = (later - first).days
    return days if period == StreakPeriod.DAY else days // 7


def period_span(period: str, start: date, merchant: Merchant) -> tuple[datetime, datetime]:
    """[start, end) of a period as aware moments of the merchant's time zone."""
    end = start + timedelta(days=1 if period == StreakPeriod.DAY else 7)
    return midnight(start, merchant.tzinfo), midnight(end, merchant.tzinfo)


def next_length(
    period: str, grace: bool, streak: MemberStreak, visited: date
) -> tuple[int, bool, bool] | None:
    """What a visit in period `visited` makes of the streak, without a query.

    Returns (length, grace_used, new_run), or None when the visit changes nothing (its period
    is already counted, or older than the last one).
    """
    if streak.last_period is None or streak.length == 0:
        return 1, False, True
    gap = periods_between(period, streak.last_period, visited)
    if gap <= 0:
        return None
    if gap == 1:
        return streak.length + 1, streak.grace_used, False
    if gap == 2 and grace and not streak.grace_used:
        return streak.length + 1, True, False
    return 1, False, True


# --- Counting ------------------------------------------------------------------------------------


def live_program(merchant_id: int) -> StreakProgram | None:
    """The merchant's active streak program, or None (one query, the hook's only one then)."""
    return StreakProgram.objects.filter(merchant_id=merchant_id, active=True).first()


def _member_streak(program: StreakProgram, member: Member, now: datetime) -> MemberStreak:
    """The member's streak row, locked; created at length 0 the first time."""
    streak = MemberStreak.objects.select_for_update().filter(program=program, member=member).first()
    if streak is not None:
        return streak
    # The member's lock is held: nobody else creates this row meanwhile.
    return MemberStreak.objects.create(
        merchant_id=member.merchant_id, program=program, member=member, updated_at=now
    )


def _pay_milestones(
    program: StreakProgram, streak: MemberStreak, member: Member, visit: StreakVisit, now: datetime
) -> list[StreakReward]:
    """Pay the milestone the streak just reached, once per run."""
    milestone = (
        StreakMilestone.objects.filter(program=program, length=streak.length)
        .select_related("badge")
        .first()
    )
    if milestone is None:
        return []
    if StreakReward.objects.filter(
        member_streak=streak, milestone=milestone, run=streak.run
    ).exists():
        return []  # reached again after a step back: paid already
    reference = f"streak:{streak.pk}:{streak.run}:{milestone.length}"
    reason = _("%(name)s: %(length)s in a row") % {
        "name": localized(program, "name"),
        "length": milestone.length,
    }
    try:
        with transaction.atomic():
            entry = credit(
                member=member,
                program=get_program(member.merchant),
                kind=EntryKind.BONUS,
                points=milestone.points,
                now=now,
                reference=reference,
                reason=str(reason)[:200],
                purchase=visit.purchase,
            )
            reward = StreakReward.objects.create(
                merchant_id=member.merchant_id,
                member_streak=streak,
                milestone=milestone,
                run=streak.run,
                points=milestone.points,
                entry=entry,
                visit=visit,
                created_at=now,
            )
    except IntegrityError:
        return []  # another transaction paid it first (the member's lock makes this rare)
    if milestone.badge is not None:
        award_badge(member, milestone.badge, BadgeSource.STREAK, now)
    emit(
        member.merchant_id,
        [
            ("points.earned", {"member": member.pk, "points": milestone.points}),
            (
                "streak.milestone",
                {
                    "member": member.pk,
                    "card_number": member.card_number,
                    "streak_program": program.pk,
                    "period": program.period,
                    "length": milestone.length,
                    "run": streak.run,
                    "points": milestone.points,
                },
            ),
        ],
        now,
    )
    return [reward]


def count_visit(
    *, program: StreakProgram, member: Member, purchase: Purchase, now: datetime
) -> StreakVisit | None:
    """Count a member's sale on `program` (the caller holds the member's lock).

    Returns the visit row written, or None when the sale changes nothing.
    """
    if purchase.occurred_at < program.started_at:
        return None
    visited = period_of(program.period, local_today(member.merchant, purchase.occurred_at))
    streak = _member_streak(program, member, now)
    step = next_length(program.period, program.grace, streak, visited)
    if step is None:
        return None
    length, grace_used, new_run = step
    streak.run += 1 if new_run else 0
    streak.length, streak.grace_used, streak.last_period = length, grace_used, visited
    streak.best = max(streak.best, length)
    streak.updated_at = now
    streak.save(update_fields=["run", "length", "grace_used", "last_period", "best", "updated_at"])
    visit = StreakVisit.objects.create(
        merchant_id=member.merchant_id,
        member_streak=streak,
        period=visited,
        run=streak.run,
        length=length,
        grace_used=grace_used,
        purchase=purchase,
        created_at=now,
    )
    _pay_milestones(program, streak, member, visit, now)
    return visit


def streaks_probe() -> Exists:
    """The sale probe (`loyalty.points.hooks`): has the sale's merchant an active streak?"""
    return Exists(StreakProgram.objects.filter(merchant_id=OuterRef("merchant_id"), active=True))


def count_sale_visit(
    *,
    purchase: Purchase,
    member: Member,
    shop: Shop,
    items: Sequence[dict],
    actor: User | None,
    now: datetime,
) -> None:
    """The sale hook: the member's visit counted on the active streak (no query without one,
    the sale probe said so)."""
    if probed_none(member, "streaks"):
        return
    program = live_program(member.merchant_id)
    if program is not None:
        count_visit(program=program, member=member, purchase=purchase, now=now)


# --- Stepping back -------------------------------------------------------------------------------


def _live_visits(streak: MemberStreak):
    return StreakVisit.objects.filter(
        member_streak=streak, kind=StreakVisitKind.COUNT, undone_by__isnull=True
    )


def _other_sale(visit: StreakVisit, member: Member, program: StreakProgram) -> Purchase | None:
    """Another standing sale of the member in the visit's period, if any."""
    start, end = period_span(program.period, visit.period, member.merchant)
    return (
        Purchase.objects.filter(
            member=member,
            occurred_at__gte=max(start, program.started_at),
            occurred_at__lt=end,
            reversed_at__isnull=True,
        )
        .exclude(pk=visit.purchase_id)
        .order_by("occurred_at", "id")
        .first()
    )


def step_back(*, purchase: Purchase, member: Member, now: datetime) -> StreakVisit | None:
    """Undo what a reversed sale counted (the caller holds the member's lock); see the module's
    docstring for the rules. Returns the row written, if any."""
    visit = (
        StreakVisit.objects.filter(
            purchase=purchase, kind=StreakVisitKind.COUNT, undone_by__isnull=True
        )
        .select_related("member_streak__program")
        .first()
    )
    if visit is None:
        return None
    streak = MemberStreak.objects.select_for_update().get(pk=visit.member_streak_id)
    program = visit.member_streak.program
    if visit.run != streak.run or visit.period != streak.last_period:
        return None  # an older period: the streak went on past it
    undo = StreakVisit.objects.create(
        merchant_id=visit.merchant_id,
        member_streak=streak,
        kind=StreakVisitKind.UNDO,
        period=visit.period,
        run=visit.run,
        length=visit.length,
        grace_used=visit.grace_used,
        purchase=purchase,
        undoes=visit,
        created_at=now,
    )
    other = _other_sale(visit, member, program)
    if other is not None:
        # The period still had a visit: it stays counted, on that sale.
        return StreakVisit.objects.create(
            merchant_id=visit.merchant_id,
            member_streak=streak,
            period=visit.period,
            run=visit.run,
            length=visit.length,
            grace_used=visit.grace_used,
            purchase=other,
            created_at=now,
        )
    before = _live_visits(streak).filter(run=streak.run).order_by("-period", "-id").first()
    if before is None:
        streak.length, streak.grace_used = 0, False
    else:
        streak.length, streak.grace_used = before.length, before.grace_used
        streak.last_period = before.period
    streak.updated_at = now
    streak.save(update_fields=["length", "grace_used", "last_period", "updated_at"])
    return undo


def step_back_reversed_sale(
    *,
    purchase: Purchase,
    member: Member,
    refund: Refund | None,
    refunded_total: Decimal,
    reversed: bool,
    actor: User | None,
    now: datetime,
) -> None:
    """The undo hook: a reversal steps the streak back (a refund changes nothing)."""
    if reversed:
        step_back(purchase=purchase, member=member, now=now)
