"""Merging a duplicate member into the one that stays (a manager's action in the portal).

The ledger is append-only, so the duplicate's entries cannot move: its points move as entries.
For every lot of the duplicate with something left, an `adjust` entry on the duplicate takes it
out (reference `merge:out:<lot>`) and an `adjust` entry on the survivor brings it in
(`merge:in:<lot>`) with a new lot that keeps the old lot's dates and release state. A negative
balance (a debt after a clawback) moves the other way: `adjust` -debt on the survivor, +debt on
the duplicate. The duplicate ends with nothing, its purchases belong to the survivor, both
members' caches are recomputed from the ledger, and the duplicate is anonymized.
"""

from django.apps import apps
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.errors import ValidationFailed
from loyalty.events import emit
from loyalty.models import User
from loyalty.models.points import EntryKind, PointsEntry, PointsLot, Purchase
from loyalty.points.ledger import debit_lots, lock_member
from loyalty.points.reconcile import recompute_member_caches
from members.models import Member, MemberStatus
from members.services.gdpr import anonymize_member

# The previous system's reference too: the next history import then finds the survivor.
CONTACT_FIELDS = ("email", "phone", "external_ref")
NAME_FIELDS = ("first_name", "last_name")
BIRTHDAY_FIELDS = ("birth_day", "birth_month", "birth_year")


def merge_refusal(survivor: Member, duplicate: Member) -> str | None:
    """Why these two cannot be merged, or None."""
    if survivor.merchant_id != duplicate.merchant_id:
        return _("That card belongs to another merchant.")
    if survivor.pk == duplicate.pk:
        return _("A member cannot be merged into itself.")
    if MemberStatus.ANONYMIZED in (survivor.status, duplicate.status):
        return _("An anonymized member cannot be merged.")
    return None


def _ledger_total(member: Member) -> int:
    return PointsEntry.objects.filter(member=member).aggregate(t=Sum("points"))["t"] or 0


def _pending(member: Member) -> int:
    lots = PointsLot.objects.filter(member=member, released=False)
    return lots.aggregate(t=Sum("remaining"))["t"] or 0


def _adjust(member: Member, points: int, *, reference: str, reason: str, actor, now):
    return PointsEntry.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        kind=EntryKind.ADJUST,
        points=points,
        created_at=now,
        reference=reference,
        reason=reason[:200],
        actor=actor,
    )


def _move_points(*, survivor: Member, duplicate: Member, actor, now) -> dict:
    out_reason = _("Merged into card %(card)s") % {"card": survivor.card_number}
    in_reason = _("Merged from card %(card)s") % {"card": duplicate.card_number}
    # What the survivor owes now (a negative available balance): released points that arrive
    # pay it first, as in the ledger's credit_lots.
    debt = max(0, _pending(survivor) - _ledger_total(survivor))
    moved = pending_moved = 0
    lots = PointsLot.objects.filter(member=duplicate, remaining__gt=0).order_by(
        "available_at", "pk"
    )
    for lot in lots:
        points = lot.remaining
        _adjust(
            duplicate,
            -points,
            reference=f"merge:out:{lot.pk}",
            reason=out_reason,
            actor=actor,
            now=now,
        )
        lot.remaining = 0
        lot.save(update_fields=["remaining"])
        entry = _adjust(
            survivor, points, reference=f"merge:in:{lot.pk}", reason=in_reason, actor=actor, now=now
        )
        paid = min(debt, points) if lot.released else 0
        debt -= paid
        PointsLot.objects.create(
            merchant_id=survivor.merchant_id,
            member=survivor,
            entry=entry,
            points=points,
            remaining=points - paid,
            created_at=now,
            available_at=lot.available_at,
            released=lot.released,
            expires_at=lot.expires_at,
        )
        moved += points
        if not lot.released:
            pending_moved += points
    # Every lot of the duplicate is empty now; what its ledger still sums to is a debt.
    duplicate_debt = -_ledger_total(duplicate)
    if duplicate_debt > 0:
        debit_lots(survivor, duplicate_debt, allow_negative=True)
        _adjust(
            survivor,
            -duplicate_debt,
            reference=f"merge:debt-in:{duplicate.pk}",
            reason=_("Negative balance of card %(card)s, merged into this one")
            % {"card": duplicate.card_number},
            actor=actor,
            now=now,
        )
        _adjust(
            duplicate,
            duplicate_debt,
            reference=f"merge:debt-out:{duplicate.pk}",
            reason=_("Negative balance moved to card %(card)s") % {"card": survivor.card_number},
            actor=actor,
            now=now,
        )
    return {"points": moved, "pending": pending_moved, "debt": max(duplicate_debt, 0)}


def _missing_profile(*, survivor: Member, duplicate: Member) -> dict:
    """What the survivor lacks and the duplicate has: contact details (and the previous
    system's reference), names, birthday."""
    taken = [f for f in CONTACT_FIELDS + NAME_FIELDS if not getattr(survivor, f)]
    values = {f: getattr(duplicate, f) for f in taken if getattr(duplicate, f)}
    if survivor.birth_month is None and duplicate.birth_month is not None:
        values.update({f: getattr(duplicate, f) for f in BIRTHDAY_FIELDS})
    return values


@transaction.atomic(durable=True)
def merge_members(*, survivor: Member, duplicate: Member, actor: User | None) -> Member:
    """Merge `duplicate` into `survivor`; returns the survivor with its caches recomputed."""
    if survivor.merchant_id != duplicate.merchant_id or survivor.pk == duplicate.pk:
        raise ValidationFailed(merge_refusal(survivor, duplicate), code="merge_refused")
    first, second = sorted([survivor.pk, duplicate.pk])
    locked = {first: lock_member(first), second: lock_member(second)}
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    if (refusal := merge_refusal(survivor, duplicate)) is not None:
        raise ValidationFailed(refusal, code="merge_refused")
    now = timezone.now()
    duplicate_card = duplicate.card_number

    purchases = Purchase.objects.filter(member=duplicate).update(member=survivor)
    vouchers = apps.get_model("rewards", "Voucher").objects.filter(member=duplicate)
    vouchers_moved = vouchers.update(member=survivor)
    referrals = Member.objects.filter(referred_by=duplicate).exclude(pk=survivor.pk)
    referrals_moved = referrals.update(referred_by=survivor)
    moved = _move_points(survivor=survivor, duplicate=duplicate, actor=actor, now=now)
    # The duplicate's earnings count as the survivor's (lifetime points, points-basis tiers),
    # and so do those of cards merged into the duplicate before.
    Member.objects.filter(merged_into=duplicate).update(merged_into=survivor)
    Member.objects.filter(pk=duplicate.pk).update(merged_into=survivor)
    recompute_member_caches(survivor)
    recompute_member_caches(duplicate)
    # Read before the duplicate is anonymized; written after, when its email and phone are
    # gone, so the two rows never hold the same one (they are unique per merchant).
    taken = _missing_profile(survivor=survivor, duplicate=duplicate)
    if survivor.user_id is None and duplicate.user_id is not None:
        # The sign-in account follows the card; anonymize_member then keeps it.
        Member.objects.filter(pk=survivor.pk).update(user_id=duplicate.user_id)
        survivor.user_id = duplicate.user_id
    anonymize_member(member=duplicate, actor=actor, reason="merged")
    if taken:
        Member.objects.filter(pk=survivor.pk).update(**taken)
    data = {
        "survivor_card": survivor.card_number,
        "duplicate_card": duplicate_card,
        "duplicate_id": duplicate.pk,
        "purchases": purchases,
        "referrals": referrals_moved,
        "vouchers": vouchers_moved,
        "fields_taken": sorted(taken),
        **moved,
    }
    log_action(
        merchant=survivor.merchant,
        actor=actor,
        action="members.member.merged",
        target=survivor,
        data=data,
    )
    emit(
        survivor.merchant_id,
        [("member.merged", {"member": survivor.pk, "duplicate": duplicate.pk})],
        now,
    )
    survivor.refresh_from_db()
    return survivor
