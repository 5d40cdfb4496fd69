"""The ledger of the points engine: its errors, the program rules it reads, lots and bonuses.

Every write path locks the member row before it reads the caches it changes, writes its ledger
entries, moves the caches with F() expressions and writes its events to the outbox, in one
transaction. Nothing here sends anything: consumers of the outbox do, after commit.
Purchases and refunds (`purchases`, `refunds`) and the scheduled jobs (`jobs`) build on
what is here; callers import each name from the module that defines it.
"""

import calendar
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from loyalty.audit import log_action
from loyalty.compiled import CompiledQuery, insert
from loyalty.content import in_each_language
from loyalty.errors import DomainError
from loyalty.events import emit
from loyalty.models import Merchant, User
from loyalty.models.points import (
    EntryKind,
    ExpiryMode,
    PointsEntry,
    PointsLot,
    Program,
    Purchase,
    Tier,
    TierBasis,
    TierWindow,
)
from members.models import Member, MemberStatus

CENT = Decimal("0.01")
# A manual change of a balance (the portal, the POS, an import's opening balance) is at most
# this many points either way; a typo of a few zeros is refused, not booked.
MAX_ADJUSTMENT = 1_000_000
REASON_LENGTH = 200  # what the ledger keeps of a reason

# What counts as points "earned" (lifetime points, the points basis of tiers).
EARNED_KINDS = [EntryKind.EARN, EntryKind.BONUS, EntryKind.CLAWBACK, EntryKind.REVERSAL]


# --- Errors ------------------------------------------------------------------------------------


class InvalidAmount(DomainError):
    code = "invalid_amount"
    default_message = _("The amount must be more than zero.")


class AmountTooLarge(DomainError):
    """A sale above the program's maximum sale amount (Program.max_sale_limit)."""

    code = "amount_too_large"


class WrongCurrency(DomainError):
    code = "wrong_currency"


class UnknownMember(DomainError):
    code = "unknown_member"


class ItemsMismatch(DomainError):
    code = "items_mismatch"


class PurchaseInFuture(DomainError):
    code = "purchase_in_future"


class DuplicateExternalId(DomainError):
    code = "duplicate_external_id"


class RefundTooLarge(DomainError):
    code = "refund_too_large"


class InsufficientPoints(DomainError):
    code = "insufficient_points"


class MemberBlocked(DomainError):
    code = "member_blocked"


class ClaimInvalid(DomainError):
    code = "claim_invalid"


class PurchaseReversed(DomainError):
    code = "purchase_reversed"


def recorded_with_other_details(noun: str, external_id: str) -> DuplicateExternalId:
    """A receipt or refund number used again for something else: the first record stands."""
    return DuplicateExternalId(
        _("%(noun)s %(id)s was already recorded with other details.")
        % {"noun": noun, "id": external_id}
    )


# --- Programs and defaults ---------------------------------------------------------------------

# Named in the merchant's default language, and in the others as the tiers' translations.
DEFAULT_TIERS = [
    (pgettext_lazy("tier", "Bronze"), Decimal("0"), Decimal("1")),
    (pgettext_lazy("tier", "Silver"), Decimal("500"), Decimal("1.25")),
    (pgettext_lazy("tier", "Gold"), Decimal("1500"), Decimal("1.5")),
]


def _default_tier(merchant: Merchant, name, threshold: Decimal, multiplier: Decimal) -> Tier:
    own, translations = in_each_language(merchant, lambda: {"name": name})
    return Tier(
        merchant=merchant,
        name=own["name"],
        translations=translations,
        threshold=threshold,
        multiplier=multiplier,
    )


def create_default_program(merchant: Merchant) -> Program:
    """The working default a new merchant starts with (registered as a merchant hook)."""
    program, _created = Program.objects.get_or_create(merchant=merchant)
    if not Tier.objects.for_merchant(merchant).exists():
        Tier.objects.bulk_create(
            [
                _default_tier(merchant, name, threshold, multiplier)
                for name, threshold, multiplier in DEFAULT_TIERS
            ]
        )
    return program


def get_program(merchant: Merchant) -> Program:
    try:
        return merchant.program
    except Program.DoesNotExist:
        return create_default_program(merchant)


def tiers_of(merchant: Merchant) -> list[Tier]:
    return list(Tier.objects.for_merchant(merchant).order_by("threshold"))


def tier_for(tiers: list[Tier], value: Decimal) -> Tier | None:
    reached = None
    for tier in tiers:
        if value >= tier.threshold:
            reached = tier
    return reached


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def tier_window_start(program: Program, moment: datetime, tz) -> datetime:
    if program.tier_window == TierWindow.CALENDAR_YEAR:
        local = moment.astimezone(tz)
        return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return add_months(moment, -program.tier_window_months)


def points_money(points: int, program: Program) -> Decimal:
    return (Decimal(points) * program.point_value).quantize(CENT)


# --- Internal ledger movements ------------------------------------------------------------------


# Built once per database (loyalty.compiled): building it cost more CPU than running it.
_LOCK = CompiledQuery(
    lambda member_id: (
        Member.objects.select_for_update(of=("self",))
        .select_related("merchant__program")
        .filter(pk=member_id)
    ),
    member_id=-7_919_000_000_003,
)


def lock_member(member_id: int) -> Member:
    # Nothing that changes under the lock is joined or annotated here: on PostgreSQL a statement
    # that waited for the row lock returns the member's new row but reads every other table as
    # of when it started, so a tier joined here could be the one before a concurrent upgrade.
    # read_member_figures reads the tier and the tier/limit figures after the lock.
    member = _LOCK.first(member_id=member_id)
    if member is None:
        raise Member.DoesNotExist("Member matching query does not exist.")
    return member


def credit_lots(
    *,
    member: Member,
    entries: list[PointsEntry],
    available_at: datetime,
    expires_at: datetime | None,
    now: datetime,
) -> tuple[int, int]:
    """Create a lot for every positive entry. Returns (to_available, to_pending).

    Points that arrive while the balance is negative pay that debt first: the lot is created
    with what is left after it, so a negative balance is covered by later earnings.
    """
    released = available_at <= now
    debt = max(0, -member.points_balance) if released else 0
    lots, to_available, to_pending = [], 0, 0
    for entry in entries:
        paid = min(debt, entry.points)
        debt -= paid
        lots.append(
            PointsLot(
                merchant_id=member.merchant_id,
                member=member,
                entry=entry,
                points=entry.points,
                remaining=entry.points - paid,
                created_at=now,
                available_at=available_at,
                released=released,
                expires_at=expires_at,
            )
        )
        if released:
            to_available += entry.points
        else:
            to_pending += entry.points
    insert(lots)  # its SQL built once (loyalty.compiled)
    return to_available, to_pending


def debit_lots(
    member: Member,
    points: int,
    *,
    prefer: Iterable[PointsLot] = (),
    allow_negative: bool = False,
) -> tuple[int, int]:
    """Take `points` from the member's lots, preferred lots first, then oldest released.

    Returns (from_available, from_pending). With `allow_negative` (refund clawbacks only),
    what no lot covers is taken from the available balance, which then goes negative.
    """
    preferred = [lot for lot in prefer if lot.remaining > 0]
    preferred_ids = {lot.pk for lot in preferred}
    left, from_available, from_pending, touched = points, 0, 0, []

    def take(lot: PointsLot) -> None:
        nonlocal left, from_available, from_pending
        used = min(lot.remaining, left)
        if used <= 0:
            return
        lot.remaining -= used
        left -= used
        touched.append(lot)
        if lot.released:
            from_available += used
        else:
            from_pending += used

    for lot in preferred:
        take(lot)
    if left > 0:
        for lot in (
            PointsLot.objects.filter(member=member, released=True, remaining__gt=0)
            .exclude(pk__in=preferred_ids)
            .order_by("available_at", "pk")
        ):
            take(lot)
            if left == 0:
                break
    if left > 0:
        if not allow_negative:
            raise InsufficientPoints(_("Not enough points."))
        from_available += left
    if touched:
        PointsLot.objects.bulk_update(touched, ["remaining"])
    return from_available, from_pending


def lot_dates(program: Program, moment: datetime) -> tuple[datetime, datetime | None]:
    available_at = moment + timedelta(days=program.pending_days)
    expires_at = None
    if program.expiry_mode == ExpiryMode.AFTER_EARNING:
        expires_at = add_months(moment, program.expiry_months)
    return available_at, expires_at


def expiry_reference(lot: PointsLot) -> str:
    """The reference of the entry that expires what is left of `lot` (once: it is unique)."""
    return f"expire:lot:{lot.pk}"


# --- Member figures, read after the lock -------------------------------------------------------


def read_member_figures(member: Member, program: Program, occurred_at: datetime, tz) -> None:
    """Set the tier, `window_value` and `purchases_today` on a member this transaction locked.

    A query of its own, after the lock (see lock_member): read with the lock, they would miss
    a concurrent sale of the same member, and two sales at once would both pass the daily limit
    or both upgrade the tier. A sale reads them with `sale_figures.read_sale_figures`, which
    adds the tiers and the sale probes to the same statement.
    """
    window_start = tier_window_start(program, occurred_at, tz)
    annotations = {"window_value": window_value_subquery(program, window_start)}
    if program.max_purchases_per_day:
        annotations["purchases_today"] = _purchases_on_day_subquery(occurred_at, tz)
    row = Member.objects.select_related("tier").annotate(**annotations).get(pk=member.pk)
    member.tier = row.tier
    for name in annotations:
        setattr(member, name, getattr(row, name))


def local_day(occurred_at: datetime, tz) -> tuple[datetime, datetime]:
    """The start and the end of the merchant's local day of `occurred_at`."""
    local = occurred_at.astimezone(tz)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day_start, day_start + timedelta(days=1)


def _purchases_on_day_subquery(occurred_at: datetime, tz):
    """The member's sales on the merchant's local day of `occurred_at` (the daily limit)."""
    return purchases_between_subquery(*local_day(occurred_at, tz))


def purchases_between_subquery(start: datetime, end: datetime):
    """The outer member's sales not reversed with `start <= occurred_at < end`."""
    return Coalesce(
        Subquery(
            Purchase.objects.filter(
                member=OuterRef("pk"),
                occurred_at__gte=start,
                occurred_at__lt=end,
                reversed_at__isnull=True,
            )
            .values("member")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def window_value_subquery(program: Program, window_start: datetime):
    if program.tier_basis == TierBasis.SPEND:
        return Coalesce(
            Subquery(
                Purchase.objects.filter(
                    member=OuterRef("pk"),
                    occurred_at__gte=window_start,
                    reversed_at__isnull=True,
                )
                .values("member")
                .annotate(v=Sum(F("amount") - F("refunded_amount")))
                .values("v")[:1],
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    return earned_subquery(created_at__gte=window_start)


def earned_subquery(**filters):
    """Points earned by the member of the outer query (`OuterRef("pk")`): their own entries
    plus those of the cards merged into theirs, whose entries stay where they were written.

    Two sums, not one OR, so that each part uses its index (member, or merged_into).
    """

    def part(key: str):
        # Grouped by the column that equals the outer member, so the subquery has one row.
        return Coalesce(
            Subquery(
                PointsEntry.objects.filter(
                    kind__in=EARNED_KINDS, **{key: OuterRef("pk")}, **filters
                )
                .values(key)
                .annotate(v=Sum("points"))
                .values("v")[:1],
                output_field=IntegerField(),
            ),
            0,
        )

    return part("member") + part("member__merged_into")


# --- Bonuses, adjustments, spending ------------------------------------------------------------


def credit(
    *,
    member: Member,
    program: Program,
    kind: str,
    points: int,
    now: datetime,
    reference: str = "",
    reason: str = "",
    actor: User | None = None,
    purchase: Purchase | None = None,
) -> PointsEntry:
    """Credit points to a locked member, available at once. Caller holds the transaction."""
    entry = PointsEntry.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        kind=kind,
        points=points,
        created_at=now,
        reference=reference,
        reason=reason,
        actor=actor,
        purchase=purchase,
    )
    _available_at, expires_at = lot_dates(program, now)
    to_available, _pending = credit_lots(
        member=member, entries=[entry], available_at=now, expires_at=expires_at, now=now
    )
    Member.objects.filter(pk=member.pk).update(
        points_balance=F("points_balance") + to_available,
        lifetime_points=F("lifetime_points") + (points if kind in EARNED_KINDS else 0),
    )
    member.points_balance += to_available
    return entry


BONUS_TYPES = ("welcome", "birthday", "profile")


@transaction.atomic
def award_bonus(
    *,
    member: Member,
    bonus: str,
    reference: str | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> PointsEntry | None:
    """Give a bonus of the program once (welcome, birthday of a year, profile completed).

    Returns None when the program does not give it or the member already had it.
    """
    if bonus not in BONUS_TYPES:
        raise ValueError(bonus)
    program = get_program(member.merchant)
    points = getattr(program, f"{bonus}_bonus")
    if not points:
        return None
    reference = reference or f"bonus:{bonus}"
    now = now or timezone.now()
    member = lock_member(member.pk)
    if PointsEntry.objects.filter(member=member, reference=reference).exists():
        return None
    entry = credit(
        member=member,
        program=program,
        kind=EntryKind.BONUS,
        points=points,
        now=now,
        reference=reference,
        actor=actor,
    )
    emit(
        member.merchant_id,
        [("points.earned", {"member": member.pk, "points": points, "bonus": bonus})],
        now,
    )
    return entry


@transaction.atomic(durable=True)
def adjust_points(*, member: Member, points: int, reason: str, actor: User) -> PointsEntry:
    """A manager's correction by hand. Never takes more than the available balance."""
    if not reason.strip():
        raise DomainError(_("A reason is required for a manual change."), code="reason_required")
    if points == 0:
        raise DomainError(_("Enter a number of points other than zero."), code="zero_points")
    now = timezone.now()
    member = lock_member(member.pk)
    program = get_program(member.merchant)
    if points > 0:
        entry = credit(
            member=member,
            program=program,
            kind=EntryKind.ADJUST,
            points=points,
            now=now,
            reason=reason[:200],
            actor=actor,
        )
    else:
        if member.points_balance < -points:
            raise InsufficientPoints(
                _("The member has %(balance)s points available.")
                % {"balance": member.points_balance}
            )
        from_available, _pending = debit_lots(member, -points)
        entry = PointsEntry.objects.create(
            merchant_id=member.merchant_id,
            member=member,
            kind=EntryKind.ADJUST,
            points=points,
            created_at=now,
            reason=reason[:200],
            actor=actor,
        )
        Member.objects.filter(pk=member.pk).update(
            points_balance=F("points_balance") - from_available
        )
    log_action(
        merchant=member.merchant,
        actor=actor,
        action="loyalty.points.adjusted",
        target=member,
        data={"points": points, "reason": reason},
    )
    return entry


def spend_points(
    *,
    member: Member,
    points: int,
    reference: str = "",
    reason: str = "",
    actor: User | None = None,
    now: datetime | None = None,
) -> tuple[PointsEntry, Member]:
    """Redeem points: within the caller's transaction, on a member this call locks.

    Consumes the oldest available lots. A blocked or anonymized member, a negative balance,
    or too few points, refuses (MemberBlocked, InsufficientPoints).
    """
    if points <= 0:
        raise DomainError(_("Enter a positive number of points."), code="invalid_points")
    now = now or timezone.now()
    member = lock_member(member.pk)
    # Checked under the lock, as record_purchase does: a block that commits while a redemption
    # waits for the row is seen here, so no points leave a blocked card.
    if member.status == MemberStatus.BLOCKED:
        raise MemberBlocked(_("This member is blocked: points cannot be spent."))
    if member.status != MemberStatus.ACTIVE:
        raise MemberBlocked(_("This member's account was deleted: points cannot be spent."))
    if member.points_balance < points:
        if member.points_balance < 0:
            message = _("The balance is negative after a refund; earn points to cover it first.")
        else:
            message = _("%(balance)s points available, %(needed)s needed.") % {
                "balance": member.points_balance,
                "needed": points,
            }
        raise InsufficientPoints(message)
    from_available, _pending = debit_lots(member, points)
    entry = PointsEntry.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        kind=EntryKind.REDEEM,
        points=-points,
        created_at=now,
        reference=reference,
        reason=reason,
        actor=actor,
    )
    Member.objects.filter(pk=member.pk).update(points_balance=F("points_balance") - from_available)
    member.points_balance -= from_available
    return entry, member


@transaction.atomic(durable=True)
def redeem_points(
    *,
    member: Member,
    points: int,
    reason: str = "",
    actor: User | None = None,
    now: datetime | None = None,
) -> PointsEntry:
    """Spend points on their own (the rewards work wraps spend_points with a voucher)."""
    entry, _member = spend_points(member=member, points=points, reason=reason, actor=actor, now=now)
    return entry
