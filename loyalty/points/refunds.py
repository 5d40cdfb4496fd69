"""Refunds and reversals of sales, and the points they take back.

A refund claws back the points earned on the refunded part, which can leave a negative balance;
a reversal undoes a mistaken sale entirely. Both are idempotent and lock the member before the
sale.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.errors import DomainError
from loyalty.events import emit
from loyalty.models import User
from loyalty.models.points import (
    EntryKind,
    Event,
    PointsEntry,
    PointsLot,
    Purchase,
    Refund,
    Tier,
)
from loyalty.points.hooks import run_undo_hooks
from loyalty.points.ledger import (
    CENT,
    InvalidAmount,
    PurchaseReversed,
    RefundTooLarge,
    debit_lots,
    expiry_reference,
    get_program,
    lock_member,
    read_member_figures,
    recorded_with_other_details,
    tier_for,
    tiers_of,
)
from loyalty.points.referrals import (
    REFERRAL_PREFIX,
    referral_entries,
    reversal_reference,
)
from members.models import Member


@dataclass
class RefundResult:
    refund: Refund
    points_clawed_back: int
    points_balance: int | None
    created: bool


def refund_purchase(
    *,
    purchase: Purchase,
    external_id: str,
    amount: Decimal,
    actor: User | None = None,
    now: datetime | None = None,
) -> RefundResult:
    """Refund part or all of a sale, clawing back the points earned on the refunded part.

    The points were earned on the sale's `points_basis_amount`: its amount, or for a receipt
    claimed later, what was left of it at the claim (refunds before the claim take nothing
    back). All the refunds of a sale together take back floor(earned * refunded since the
    basis / basis), cumulatively, so partial refunds never drift from one full refund.

    Points of the sale that expired are not clawed back again: in total, the refunds take back
    at most what was earned less what expired from the sale's own lots. They take from those
    lots first and only then from the rest of the balance, which covers what the member spent
    of the sale's points, and which may go negative.
    """
    external_id = (external_id or "").strip()
    if not external_id:
        raise DomainError(_("A refund number is required."), code="external_id_required")
    existing = Refund.objects.filter(shop=purchase.shop_id, external_id=external_id).first()
    if existing is not None:
        return _refund_result_for_existing(existing, purchase, amount)
    try:
        return _refund_purchase(
            purchase=purchase, external_id=external_id, amount=amount, actor=actor, now=now
        )
    except IntegrityError:
        existing = Refund.objects.filter(shop=purchase.shop_id, external_id=external_id).first()
        if existing is None:
            raise
        return _refund_result_for_existing(existing, purchase, amount)


def _refund_result_for_existing(
    refund: Refund, purchase: Purchase, amount: Decimal
) -> RefundResult:
    if refund.purchase_id != purchase.pk or refund.amount != amount:
        raise recorded_with_other_details(_("Refund"), refund.external_id)
    member = Member.objects.filter(pk=purchase.member_id).first()
    return RefundResult(
        refund=refund,
        points_clawed_back=refund.points_clawed_back,
        points_balance=member.points_balance if member else None,
        created=False,
    )


def _lock_sale(purchase: Purchase) -> tuple[Purchase, Member | None]:
    """Lock the sale's member, then the sale itself, and return fresh copies of both.

    A receipt claimed since the caller read it has a member now: that member is locked too
    (after the sale, the order claim_purchase takes them in).
    """
    member = lock_member(purchase.member_id) if purchase.member_id else None
    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if purchase.member_id is not None and member is None:
        member = lock_member(purchase.member_id)
    return purchase, member


def _expired_of(member: Member, lots: list[PointsLot]) -> int:
    """How many points of these lots the expiry job took."""
    if not lots:
        return 0
    return -(
        PointsEntry.objects.filter(
            member_id=member.pk,
            kind=EntryKind.EXPIRE,
            reference__in=[expiry_reference(lot) for lot in lots],
        ).aggregate(points=Sum("points"))["points"]
        or 0
    )


def _clawback_due(purchase: Purchase, lots: list[PointsLot], refunded_total: Decimal) -> int:
    """What the sale's refunds take back in all once `refunded_total` is refunded.

    `lots` are the lots of the sale's earned points. See refund_purchase for the policy.
    """
    earned = sum(lot.points for lot in lots)
    basis = purchase.points_basis_amount
    if not earned or not basis:
        return 0
    refunded_since_basis = refunded_total - (purchase.amount - basis)
    due = int(
        (Decimal(earned) * refunded_since_basis / basis).to_integral_value(rounding=ROUND_FLOOR)
    )
    expired = -(
        PointsEntry.objects.filter(
            member_id=purchase.member_id,
            kind=EntryKind.EXPIRE,
            reference__in=[expiry_reference(lot) for lot in lots],
        ).aggregate(points=Sum("points"))["points"]
        or 0
    )
    return min(due, earned - expired)


def _take_back(
    *,
    member: Member,
    purchase: Purchase,
    lots: Iterable[PointsLot],
    kind: str,
    points: int,
    now: datetime,
    actor: User | None,
    **fields,
) -> tuple[int, int]:
    """Debit points a sale credited, from its own `lots` first, with the entry that says so.

    What those lots no longer hold comes from the available balance, which may go negative.
    Returns (from_available, from_pending).
    """
    taken = debit_lots(member, points, prefer=list(lots), allow_negative=True)
    PointsEntry.objects.create(
        merchant_id=purchase.merchant_id,
        member=member,
        kind=kind,
        points=-points,
        created_at=now,
        purchase=purchase,
        actor=actor,
        **fields,
    )
    return taken


@transaction.atomic
def _refund_purchase(
    *,
    purchase: Purchase,
    external_id: str,
    amount: Decimal,
    actor: User | None,
    now: datetime | None = None,
) -> RefundResult:
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidAmount(_("The refund must be more than zero, with at most two decimals."))
    now = now or timezone.now()
    purchase, member = _lock_sale(purchase)
    if purchase.reversed_at is not None:
        raise PurchaseReversed(_("This sale was reversed; there is nothing to refund."))
    if amount > purchase.refundable_amount:
        raise RefundTooLarge(
            _("At most %(left)s is left to refund on this sale.")
            % {"left": purchase.refundable_amount}
        )
    refund = Refund.objects.create(
        merchant_id=purchase.merchant_id,
        shop_id=purchase.shop_id,
        purchase=purchase,
        external_id=external_id,
        amount=amount,
        created_at=now,
        created_by=actor,
    )
    refunded_total = purchase.refunded_amount + amount
    lots = list(PointsLot.objects.filter(entry__purchase=purchase, entry__kind=EntryKind.EARN))
    clawback = _clawback_due(purchase, lots, refunded_total) - purchase.points_clawed_back
    balance = None
    if member is not None and clawback > 0:
        from_available, from_pending = _take_back(
            member=member,
            purchase=purchase,
            lots=lots,
            kind=EntryKind.CLAWBACK,
            points=clawback,
            now=now,
            actor=actor,
            refund=refund,
        )
        Member.objects.filter(pk=member.pk).update(
            points_balance=F("points_balance") - from_available,
            pending_points=F("pending_points") - from_pending,
            lifetime_points=F("lifetime_points") - clawback,
            lifetime_spend=F("lifetime_spend") - amount,
        )
        balance = member.points_balance - from_available
    elif member is not None:
        Member.objects.filter(pk=member.pk).update(lifetime_spend=F("lifetime_spend") - amount)
        balance = member.points_balance
    clawback = max(clawback, 0)
    if member is not None and refunded_total >= purchase.amount:
        # A full refund of a referral's qualifying purchase takes both referral bonuses back.
        balance -= _reverse_referral(purchase=purchase, friend=member, now=now, actor=actor)
    Purchase.objects.filter(pk=purchase.pk).update(
        refunded_amount=refunded_total,
        points_clawed_back=F("points_clawed_back") + clawback,
    )
    if member is not None and refunded_total >= purchase.amount:
        take_back_tier(member=member, purchase=purchase, now=now)
    Refund.objects.filter(pk=refund.pk).update(points_clawed_back=clawback)
    refund.points_clawed_back = clawback
    if member is not None:
        run_undo_hooks(
            purchase=purchase,
            member=member,
            refund=refund,
            refunded_total=refunded_total,
            reversed=False,
            actor=actor,
            now=now,
        )
    emit(
        purchase.merchant_id,
        [
            (
                "purchase.refunded",
                {
                    "purchase": purchase.pk,
                    "refund": refund.pk,
                    "member": purchase.member_id,
                    "amount": str(amount),
                    "points_clawed_back": clawback,
                },
            )
        ],
        now,
    )
    return RefundResult(
        refund=refund, points_clawed_back=clawback, points_balance=balance, created=True
    )


@transaction.atomic  # joins rewards.sales.reverse_sale, which gives the vouchers back
def reverse_purchase(*, purchase: Purchase, actor: User, reason: str) -> Purchase:
    """Undo a mistaken sale: reversing entries for what it credited, and it stops counting."""
    if not reason.strip():
        raise DomainError(_("Say why the sale is reversed."), code="reason_required")
    now = timezone.now()
    purchase, member = _lock_sale(purchase)
    if purchase.reversed_at is not None:
        raise PurchaseReversed(_("This sale was already reversed."))
    if member is not None:
        # Referral bonuses the sale paid (the referrer's too) are taken back on their own.
        _reverse_referral(purchase=purchase, friend=member, now=now, actor=actor)
        entries = list(
            purchase.entries.filter(member=member).exclude(reference__startswith=REFERRAL_PREFIX)
        )
        credited = sum(e.points for e in entries if e.kind in (EntryKind.EARN, EntryKind.BONUS))
        taken = -sum(e.points for e in entries if e.kind == EntryKind.CLAWBACK)
        lots = PointsLot.objects.filter(entry__purchase=purchase, member=member).exclude(
            entry__reference__startswith=REFERRAL_PREFIX
        )
        # Points of the sale that expired are gone already: as with refunds, they are not
        # taken back a second time from the rest of the balance.
        to_reverse = credited - taken - _expired_of(member, list(lots))
        from_available = from_pending = 0
        if to_reverse > 0:
            from_available, from_pending = _take_back(
                member=member,
                purchase=purchase,
                lots=lots,
                kind=EntryKind.REVERSAL,
                points=to_reverse,
                now=now,
                actor=actor,
                reason=reason[:200],
            )
        remaining = Purchase.objects.filter(member=member, reversed_at__isnull=True).exclude(
            pk=purchase.pk
        )
        bounds = remaining.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
        Member.objects.filter(pk=member.pk).update(
            points_balance=F("points_balance") - from_available,
            pending_points=F("pending_points") - from_pending,
            lifetime_points=F("lifetime_points") - max(to_reverse, 0),
            lifetime_spend=F("lifetime_spend") - purchase.refundable_amount,
            purchase_count=F("purchase_count") - 1,
            first_purchase_at=bounds["first"],
            last_purchase_at=bounds["last"],
        )
    purchase.reversed_at, purchase.reversed_by = now, actor
    purchase.save(update_fields=["reversed_at", "reversed_by"])
    if member is not None:
        take_back_tier(member=member, purchase=purchase, now=now)
        run_undo_hooks(
            purchase=purchase,
            member=member,
            refund=None,
            refunded_total=purchase.refunded_amount,
            reversed=True,
            actor=actor,
            now=now,
        )
    # The daily statistics rebuild the sale's day from it (loyalty.analytics.consumer).
    emit(
        purchase.merchant_id,
        [("purchase.reversed", {"purchase": purchase.pk, "member": purchase.member_id})],
        now,
    )
    log_action(
        merchant=purchase.merchant,
        actor=actor,
        action="loyalty.purchase.reversed",
        target=purchase,
        data={"reason": reason, "member": purchase.member_id},
    )
    return purchase


def take_back_tier(*, member: Member, purchase: Purchase, now: datetime) -> Tier | None:
    """After a reversal or a full refund: take back at once the tier this sale's upgrade gave.

    The member (locked by the caller) moves down to what they qualify for without the sale,
    but never below the tier they held before it: a tier held before the sale, even one that
    lasts only by the grace period, stays under the nightly re-evaluation and its grace period.
    A sale that upgraded nobody changes no tier. Returns the new tier, or None when unchanged.
    """
    upgrade = (
        Event.objects.filter(
            merchant_id=purchase.merchant_id,
            type="tier.changed",
            created_at__gte=purchase.recorded_at,
            payload__purchase=purchase.pk,
            payload__member=member.pk,
            payload__direction="up",
        )
        .order_by("-pk")
        .first()
    )
    if upgrade is None:
        return None
    merchant = member.merchant
    program = get_program(merchant)
    tiers = tiers_of(merchant)
    # The tier and the window value read now, after the sale stopped counting.
    read_member_figures(member, program, now, merchant.tzinfo)
    current = member.tier
    qualifies = tier_for(tiers, Decimal(member.window_value or 0))
    before = next((t for t in tiers if t.name == upgrade.payload.get("from")), None)
    target = max((t for t in (qualifies, before) if t), key=lambda t: t.threshold, default=None)
    if current is None or (target is not None and target.threshold >= current.threshold):
        return None
    # Kept above what the member qualifies for: the grace period starts now.
    below = target is not None and (qualifies is None or qualifies.threshold < target.threshold)
    Member.objects.filter(pk=member.pk).update(
        tier=target, tier_since=now, tier_below_since=now if below else None
    )
    member.tier = target
    emit(
        purchase.merchant_id,
        [
            (
                "tier.changed",
                {
                    "member": member.pk,
                    "from": current.name,
                    "to": target.name if target else None,
                    "direction": "down",
                    "purchase": purchase.pk,
                },
            )
        ],
        now,
    )
    return target


def _reverse_referral(
    *, purchase: Purchase, friend: Member, now: datetime, actor: User | None
) -> int:
    """Take back the referral bonuses `purchase` paid, once; may leave balances negative.

    The friend is locked by the caller; the referrer is locked here, after the friend (the
    order of `loyalty.points.referrals`). Returns what was taken from the friend's available
    balance.
    """
    from_friend = 0
    events = []
    for entry in referral_entries(purchase):
        reference = reversal_reference(entry.reference)
        member = friend if entry.member_id == friend.pk else lock_member(entry.member_id)
        if PointsEntry.objects.filter(member=member, reference=reference).exists():
            continue
        from_available, from_pending = _take_back(
            member=member,
            purchase=purchase,
            lots=PointsLot.objects.filter(entry=entry),
            kind=EntryKind.REVERSAL,
            points=entry.points,
            now=now,
            actor=actor,
            reference=reference,
            reason=_("Referral bonus taken back: the purchase was refunded"),
        )
        Member.objects.filter(pk=member.pk).update(
            points_balance=F("points_balance") - from_available,
            pending_points=F("pending_points") - from_pending,
            lifetime_points=F("lifetime_points") - entry.points,
        )
        member.points_balance -= from_available
        member.pending_points -= from_pending
        if member is friend:
            from_friend += from_available
        events.append(
            (
                "referral.reversed",
                {"member": member.pk, "purchase": purchase.pk, "points": entry.points},
            )
        )
    emit(purchase.merchant_id, events, now)
    return from_friend
