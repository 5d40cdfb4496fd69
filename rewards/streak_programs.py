"""Streak programs as the merchant sets them up: saving one with its milestones, switching it
off, and the portal's results. Counting visits happens on the sale's seams
(`rewards.engagement.streaks`), not here; these functions change the definition, audited like
the stamp cards'.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.clock import MONTH, local_today, period_start
from loyalty.content import clean_translations
from loyalty.errors import DomainError
from loyalty.models import Merchant, User
from rewards.models import (
    Badge,
    MemberStreak,
    StreakMilestone,
    StreakPeriod,
    StreakProgram,
    StreakReward,
)

FIELDS = ("name", "period", "grace", "active")
# What the merchant may give in the other languages (loyalty.content).
TRANSLATED_FIELDS = ("name",)


class StreakProgramError(DomainError):
    pass


def milestones_in_use(program: StreakProgram) -> set[int]:
    """The lengths of the program's milestones already paid to someone (they cannot go)."""
    return set(
        StreakReward.objects.filter(milestone__program=program)
        .values_list("milestone__length", flat=True)
        .distinct()
    )


def has_member_streaks(program: StreakProgram) -> bool:
    return MemberStreak.objects.filter(program=program).exists()


@transaction.atomic
def save_streak_program(
    *,
    merchant: Merchant,
    actor: User | None,
    milestones: dict[int, int],
    program: StreakProgram | None = None,
    badge: Badge | None = None,
    badge_at: int | None = None,
    translations: dict | None = None,
    **fields,
) -> StreakProgram:
    """Create a streak program of the merchant, or update `program`, with its milestones
    (length -> points). A milestone already paid cannot be removed; the period cannot change
    once members have a streak; only one program is active at a time. `badge` is awarded by
    the milestone `badge_at` (the longest one when not given); no badge clears it.
    `translations` (the name in other languages, loyalty.content) replaces the program's when
    given."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"save_streak_program() got unknown fields: {sorted(unknown)}")
    created = program is None
    if created:
        program = StreakProgram(merchant=merchant, started_at=timezone.now())
    elif program.merchant_id != merchant.pk:
        raise ValueError("The streak program belongs to another merchant.")
    else:
        program = StreakProgram.objects.select_for_update().get(pk=program.pk)
        if (
            "period" in fields
            and fields["period"] != program.period
            and has_member_streaks(program)
        ):
            raise StreakProgramError(
                _("The period cannot change once members have a streak."), code="period_locked"
            )
    if fields.get("active", program.active):
        others = StreakProgram.objects.for_merchant(merchant).filter(active=True)
        if program.pk:
            others = others.exclude(pk=program.pk)
        if others.exists():
            raise StreakProgramError(
                _("Another streak program is active."), code="streak_program_active"
            )
    was_active = program.active and not created
    for name, value in fields.items():
        setattr(program, name, value)
    if translations is not None:
        program.translations = clean_translations(translations, TRANSLATED_FIELDS)
    if program.active and not was_active and not created:
        program.started_at = timezone.now()  # switched on again: sales from now on count
    if badge is not None and badge.merchant_id != merchant.pk:
        raise ValueError("The badge belongs to another merchant.")
    program.save()
    _save_milestones(program, milestones)
    StreakMilestone.objects.filter(program=program).update(badge=None)
    if badge is not None:
        at = badge_at if badge_at in milestones else max(milestones)
        StreakMilestone.objects.filter(program=program, length=at).update(badge=badge)
    log_action(
        merchant=merchant,
        actor=actor,
        action="rewards.streak_program.saved",
        target=program,
        data={
            "created": created,
            "period": program.period,
            "grace": program.grace,
            "milestones": {str(length): points for length, points in sorted(milestones.items())},
            "active": program.active,
            "badge": badge.pk if badge is not None else None,
            "badge_at": badge_at if badge is not None else None,
        },
    )
    return program


def _save_milestones(program: StreakProgram, milestones: dict[int, int]) -> None:
    existing = {m.length: m for m in StreakMilestone.objects.filter(program=program)}
    gone = set(existing) - set(milestones)
    paid = gone & milestones_in_use(program) if gone else set()
    if paid:
        raise StreakProgramError(
            _("A milestone already paid cannot be removed."), code="milestone_paid"
        )
    StreakMilestone.objects.filter(program=program, length__in=gone).delete()
    for length, points in milestones.items():
        milestone = existing.get(length)
        if milestone is None:
            StreakMilestone.objects.create(
                merchant_id=program.merchant_id, program=program, length=length, points=points
            )
        elif milestone.points != points:
            StreakMilestone.objects.filter(pk=milestone.pk).update(points=points)


@transaction.atomic
def deactivate_streak_program(*, program: StreakProgram, actor: User | None) -> StreakProgram:
    """Stop counting visits; members' streaks and milestones paid stay as they are."""
    program.active = False
    program.save(update_fields=["active"])
    log_action(
        merchant=program.merchant,
        actor=actor,
        action="rewards.streak_program.deactivated",
        target=program,
    )
    return program


# --- Results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreakResults:
    program: StreakProgram
    milestones: list[StreakMilestone]
    live: int  # members whose streak is alive today
    paid_this_month: int  # milestones paid since the 1st of the merchant's month
    points_this_month: int


def programs_with_results(merchant: Merchant) -> list[StreakResults]:
    """The merchant's streak programs, each with its live streaks and this month's payments
    (three queries however many programs)."""
    programs = list(StreakProgram.objects.for_merchant(merchant).prefetch_related("milestones"))
    if not programs:
        return []
    now = timezone.now()
    today = local_today(merchant, now)
    monday = today - timedelta(days=today.weekday())

    def live_filter(program: StreakProgram) -> Q:
        step = timedelta(days=1 if program.period == StreakPeriod.DAY else 7)
        current = today if program.period == StreakPeriod.DAY else monday
        alive = Q(last_period__gte=current - step)
        if program.grace:
            alive |= Q(last_period__gte=current - 2 * step, grace_used=False)
        return Q(program=program, length__gt=0) & alive

    alive = Q()
    for program in programs:
        alive |= live_filter(program)
    live = dict(
        MemberStreak.objects.for_merchant(merchant)
        .filter(alive)
        .values("program")
        .annotate(count=Count("id"))
        .values_list("program", "count")
    )
    month = period_start(MONTH, now, merchant.tzinfo)
    paid = {
        row["member_streak__program"]: row
        for row in StreakReward.objects.for_merchant(merchant)
        .filter(created_at__gte=month)
        .values("member_streak__program")
        .annotate(count=Count("id"), points=Sum("points"))
    }
    return [
        StreakResults(
            program=program,
            milestones=sorted(program.milestones.all(), key=lambda m: m.length),
            live=live.get(program.pk, 0),
            paid_this_month=paid.get(program.pk, {}).get("count", 0),
            points_this_month=paid.get(program.pk, {}).get("points", 0) or 0,
        )
        for program in programs
    ]
