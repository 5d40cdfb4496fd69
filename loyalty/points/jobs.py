"""The scheduled jobs of the points engine: pending points, expiry, tiers and birthdays.

Each is idempotent and safe to run twice; each member's change is a transaction of its own.
"""

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from loyalty.clock import local_today
from loyalty.events import emit
from loyalty.models.points import (
    BirthdayMode,
    EntryKind,
    ExpiryMode,
    PointsEntry,
    PointsLot,
    Program,
    Tier,
)
from loyalty.points.ledger import (
    add_months,
    award_bonus,
    expiry_reference,
    get_program,
    lock_member,
    tier_for,
    tier_window_start,
    tiers_of,
    window_value_subquery,
)
from members.models import Member, MemberStatus


def release_pending_points(*, now: datetime | None = None, batch: int = 500) -> int:
    """Make pending lots whose date has come spendable. Returns how many lots it released."""
    now = now or timezone.now()
    released = 0
    member_ids = list(
        PointsLot.objects.filter(released=False, available_at__lte=now)
        .values_list("member_id", flat=True)
        .distinct()[:batch]
    )
    for member_id in member_ids:
        with transaction.atomic():
            member = lock_member(member_id)
            lots = list(
                PointsLot.objects.select_for_update()
                .filter(member=member, released=False, available_at__lte=now)
                .order_by("available_at", "pk")
            )
            debt = max(0, -member.points_balance)
            moved = 0
            for lot in lots:
                paid = min(debt, lot.remaining)
                debt -= paid
                moved += lot.remaining
                lot.remaining -= paid
                lot.released = True
            PointsLot.objects.bulk_update(lots, ["remaining", "released"])
            Member.objects.filter(pk=member.pk).update(
                points_balance=F("points_balance") + moved,
                pending_points=F("pending_points") - moved,
            )
            released += len(lots)
    return released


def expire_points(*, now: datetime | None = None) -> int:
    """Expire what is left of lots past their date, and warn of lots about to expire.

    Inactivity expiry: a member without a purchase for the program's months loses every lot;
    for a member who never bought anything, the months count from joining.
    Returns the number of points expired.
    """
    now = now or timezone.now()
    expired = 0
    _notify_expiring(now)
    member_ids = set(
        PointsLot.objects.filter(remaining__gt=0, expires_at__lte=now)
        .values_list("member_id", flat=True)
        .distinct()
    )
    for program in Program.objects.filter(expiry_mode=ExpiryMode.INACTIVITY):
        cutoff = add_months(now, -program.expiry_months)
        member_ids |= set(
            PointsLot.objects.filter(
                _inactive_since_before(cutoff), merchant_id=program.merchant_id, remaining__gt=0
            )
            .values_list("member_id", flat=True)
            .distinct()
        )
    for member_id in sorted(member_ids):
        expired += _expire_member(member_id, now)
    return expired


def _inactive_since_before(cutoff: datetime) -> Q:
    """Lots of members whose last purchase, or joining if they never bought, is before cutoff."""
    return Q(member__last_purchase_at__lt=cutoff) | Q(
        member__last_purchase_at__isnull=True, member__joined_at__lt=cutoff
    )


@transaction.atomic
def _expire_member(member_id: int, now: datetime) -> int:
    member = lock_member(member_id)
    program = get_program(member.merchant)
    lots = PointsLot.objects.select_for_update().filter(member=member, remaining__gt=0)
    if program.expiry_mode == ExpiryMode.INACTIVITY:
        cutoff = add_months(now, -program.expiry_months)
        if (member.last_purchase_at or member.joined_at) >= cutoff:
            lots = lots.filter(expires_at__lte=now)
    else:
        lots = lots.filter(expires_at__lte=now)
    lots = list(lots.select_related("entry"))
    total_available = total_pending = 0
    entries = []
    for lot in lots:
        if lot.released:
            total_available += lot.remaining
        else:
            total_pending += lot.remaining
        entries.append(
            PointsEntry(
                merchant_id=member.merchant_id,
                member=member,
                kind=EntryKind.EXPIRE,
                points=-lot.remaining,
                created_at=now,
                reference=expiry_reference(lot),
            )
        )
        lot.remaining = 0
    if not entries:
        return 0
    PointsEntry.objects.bulk_create(entries)
    PointsLot.objects.bulk_update(lots, ["remaining"])
    Member.objects.filter(pk=member.pk).update(
        points_balance=F("points_balance") - total_available,
        pending_points=F("pending_points") - total_pending,
    )
    return total_available + total_pending


def _notify_expiring(now: datetime) -> int:
    """`points.expiring` once per lot, the program's notice days before it expires."""
    sent = 0
    for program in Program.objects.exclude(expiry_mode=ExpiryMode.NONE):
        horizon = now + timedelta(days=program.expiry_notice_days)
        lots = PointsLot.objects.filter(
            merchant_id=program.merchant_id, remaining__gt=0, expiry_notified_at__isnull=True
        )
        if program.expiry_mode == ExpiryMode.AFTER_EARNING:
            lots = lots.filter(expires_at__lte=horizon, expires_at__gt=now)
        else:
            cutoff = add_months(horizon, -program.expiry_months)
            lots = lots.filter(_inactive_since_before(cutoff))
        with transaction.atomic():
            todo = list(lots.select_for_update(skip_locked=True).order_by("member_id", "pk"))
            by_member: dict[int, int] = {}
            for lot in todo:
                by_member[lot.member_id] = by_member.get(lot.member_id, 0) + lot.remaining
            emit(
                program.merchant_id,
                [
                    ("points.expiring", {"member": member_id, "points": points})
                    for member_id, points in by_member.items()
                ],
                now,
            )
            PointsLot.objects.filter(pk__in=[lot.pk for lot in todo]).update(expiry_notified_at=now)
            sent += len(by_member)
    return sent


def reevaluate_tiers(*, now: datetime | None = None) -> int:
    """Nightly: downgrade members who no longer qualify, after the grace period.

    Also upgrades anyone who qualifies for more (a tier threshold may have been lowered).
    Returns the number of tier changes.
    """
    now = now or timezone.now()
    changes = 0
    for program in Program.objects.select_related("merchant"):
        merchant = program.merchant
        tiers = tiers_of(merchant)
        if not tiers:
            continue
        window_start = tier_window_start(program, now, merchant.tzinfo)
        members = (
            Member.objects.for_merchant(merchant)
            .filter(status=MemberStatus.ACTIVE)
            .annotate(window_value=window_value_subquery(program, window_start))
            .select_related("tier")
            .only("pk", "tier", "tier_below_since", "merchant_id")
        )
        for member in members.iterator(chunk_size=2000):
            reached = tier_for(tiers, Decimal(member.window_value or 0))
            current = member.tier
            if reached == current or (reached is None and current is None):
                if member.tier_below_since is not None:
                    Member.objects.filter(pk=member.pk).update(tier_below_since=None)
                continue
            going_up = current is None or (reached and reached.threshold > current.threshold)
            if going_up:
                changes += _change_tier(member.pk, reached, now, "up")
            elif member.tier_below_since is None:
                Member.objects.filter(pk=member.pk).update(tier_below_since=now)
            elif member.tier_below_since <= now - timedelta(days=program.tier_grace_days):
                changes += _change_tier(member.pk, reached, now, "down")
    return changes


@transaction.atomic
def _change_tier(member_id: int, tier: Tier | None, now: datetime, direction: str) -> int:
    member = lock_member(member_id)
    if member.tier_id == (tier.pk if tier else None):
        return 0
    Member.objects.filter(pk=member.pk).update(tier=tier, tier_since=now, tier_below_since=None)
    emit(
        member.merchant_id,
        [
            (
                "tier.changed",
                {
                    "member": member.pk,
                    "from": member.tier.name if member.tier else None,
                    "to": tier.name if tier else None,
                    "direction": direction,
                },
            )
        ],
        now,
    )
    return 1


def award_birthday_bonuses(*, today: date | None = None) -> int:
    """Birthday bonuses, once a year per member, in the month or on the day."""
    awarded = 0
    for program in Program.objects.filter(birthday_bonus__gt=0).select_related("merchant"):
        merchant = program.merchant
        day = today or local_today(merchant)
        members = Member.objects.for_merchant(merchant).filter(
            status=MemberStatus.ACTIVE, birth_month=day.month
        )
        if program.birthday_mode == BirthdayMode.DAY:
            members = members.filter(birth_day__in=_birthdays_on(day))
        reference = f"birthday:{day.year}"
        members = members.exclude(ledger__reference=reference)
        for member in members.select_related("merchant").iterator(chunk_size=500):
            if award_bonus(member=member, bonus="birthday", reference=reference):
                awarded += 1
    return awarded


def _birthdays_on(day: date) -> list[int]:
    """The birth days celebrated on `day`: 29 February on the 28th in a year without one."""
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        return [28, 29]
    return [day.day]
