"""Sales: recording a purchase and its points, anonymous receipts and their claims.

The same (shop, external_id) twice is one sale: the unique constraint decides, and a retry gets
the first answer. What a sale earns is `earning.earn`; promotions plug in there.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.compiled import insert
from loyalty.content import localized
from loyalty.errors import DomainError
from loyalty.events import emit
from loyalty.models import Shop, User
from loyalty.models.points import EntryKind, PointsEntry, Program, Purchase, Tier, TierBasis
from loyalty.points.earning import (
    Earning,
    Rules,
    charge_promotions,
    earn,
    eligible_amount,
    promotions_for,
)
from loyalty.points.figures import figures_in_memory, tier_value_after, update_member_figures
from loyalty.points.hooks import run_sale_hooks
from loyalty.points.ledger import (
    ClaimInvalid,
    UnknownMember,
    credit_lots,
    get_program,
    lock_member,
    lot_dates,
    recorded_with_other_details,
    tier_for,
)
from loyalty.points.referrals import award_referral
from loyalty.points.sale_checks import check_sale_amount, validate_sale
from loyalty.points.sale_figures import read_sale_figures
from members.models import Member, MemberStatus

CLAIM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CLAIM_CODE_LENGTH = 8


# --- Results -----------------------------------------------------------------------------------


@dataclass
class PurchaseResult:
    purchase: Purchase
    points_earned: int
    breakdown: list[dict]
    points_balance: int | None
    pending_points: int | None
    tier: Tier | None
    created: bool
    tier_changed: bool = False
    flags: list[str] = field(default_factory=list)
    # A new sale of a member: the member as the sale left them (their figures set in memory
    # to what the transaction wrote), and the program and tiers it was earned under, so that
    # an answer can be built without reading them back. None for a sale recorded before.
    member: Member | None = None
    program: Program | None = None
    tiers: list[Tier] | None = None
    # The member's qualifying value for tiers right after the sale, at `recorded_at`, when
    # the sale's own reading gives it exactly (a spend basis, the sale happening now).
    tier_value: Decimal | None = None
    recorded_at: datetime | None = None

    @property
    def explanation(self) -> str:
        return " + ".join(f"{part['points']} {part['label']}" for part in self.breakdown)


# --- Purchases ---------------------------------------------------------------------------------


def _new_purchase(
    *,
    shop: Shop,
    external_id: str,
    amount: Decimal,
    occurred_at: datetime,
    items: list[dict],
    eligible: Decimal,
    actor: User | None,
    now: datetime,
    **fields,
) -> Purchase:
    """The sale's row, in the merchant's currency; `fields` say whose it is and what it earned."""
    purchase = Purchase(
        merchant=shop.merchant,
        shop=shop,
        external_id=external_id,
        amount=amount,
        currency=shop.merchant.currency,
        occurred_at=occurred_at,
        recorded_at=now,
        items=items,
        eligible_amount=eligible,
        recorded_by=actor,
        **fields,
    )
    insert([purchase])  # its SQL built once (loyalty.compiled)
    return purchase


def result_of(purchase: Purchase) -> PurchaseResult:
    """The answer for a sale recorded before (a retry, a replayed form): what it earned then,
    and the member's figures now."""
    member = purchase.member
    return PurchaseResult(
        purchase=purchase,
        points_earned=purchase.points_earned,
        breakdown=purchase.breakdown,
        points_balance=member.points_balance if member else None,
        pending_points=member.pending_points if member else None,
        tier=member.tier if member else None,
        created=False,
        flags=purchase.flags,
    )


def _same_purchase(purchase: Purchase, member: Member | None, amount: Decimal) -> bool:
    return purchase.amount == amount and purchase.member_id == (member.pk if member else None)


def record_purchase(
    *,
    shop: Shop,
    member: Member | None,
    external_id: str,
    amount: Decimal,
    currency: str | None = None,
    occurred_at: datetime | None = None,
    items: list[dict] | None = None,
    actor: User | None = None,
    now: datetime | None = None,
    then: Callable[[PurchaseResult], None] | None = None,
) -> PurchaseResult:
    """Record a sale and award its points. The same (shop, external_id) twice is one sale.

    `now` is the clock of the recording, for backfills (imports, the demo); default: now.
    `then(result)` runs for a new sale inside the sale's own transaction, before it commits
    (the vouchers used on it, the till's flags): what it writes is all or nothing with the
    sale, and a caller needs no transaction (nor the sale a savepoint) of its own for it. A
    retry of a recorded sale does not run it.
    """
    merchant = shop.merchant
    external_id = (external_id or "").strip()
    if not external_id:
        raise DomainError(_("A receipt number is required."), code="external_id_required")
    if member is not None and member.merchant_id != merchant.pk:
        raise UnknownMember(_("No such member."))
    try:
        return _record_purchase(
            shop=shop,
            member=member,
            external_id=external_id,
            amount=amount,
            currency=currency,
            occurred_at=occurred_at,
            items=items,
            actor=actor,
            now=now,
            then=then,
        )
    except IntegrityError:
        # The receipt exists already (a retry, or a concurrent request that got there first):
        # the unique constraint decides, and the first answer is returned.
        existing = (
            Purchase.objects.select_related("member__tier")
            .filter(shop=shop, external_id=external_id)
            .first()
        )
        if existing is None:
            raise
        if not _same_purchase(existing, member, amount):
            raise recorded_with_other_details(_("Receipt"), external_id) from None
        return result_of(existing)


@transaction.atomic
def _record_purchase(
    *, then: Callable[[PurchaseResult], None] | None, **sale: Any
) -> PurchaseResult:
    """The sale (`_recorded`) and its caller's `then`, in one transaction."""
    result = _recorded(**sale)
    if then is not None and result.created:
        then(result)
    return result


def _recorded(
    *,
    shop: Shop,
    member: Member | None,
    external_id: str,
    amount: Decimal,
    currency: str | None,
    occurred_at: datetime | None,
    items: list[dict] | None,
    actor: User | None,
    now: datetime | None,
) -> PurchaseResult:
    merchant = shop.merchant
    now = now or timezone.now()
    occurred_at = occurred_at or now
    clean_items = validate_sale(
        merchant=merchant,
        amount=amount,
        currency=currency,
        occurred_at=occurred_at,
        items=items,
        now=now,
    )
    if member is None:
        return _record_anonymous(
            shop=shop,
            external_id=external_id,
            amount=amount,
            occurred_at=occurred_at,
            items=clean_items,
            actor=actor,
            now=now,
        )
    member = _lock_active_member(member.pk)
    program = get_program(member.merchant)  # loaded with the lock
    check_sale_amount(program, amount)
    tiers = read_sale_figures(member, program, occurred_at, merchant.tzinfo)
    _purchase, result = _award_purchase(
        program=program,
        tiers=tiers,
        shop=shop,
        member=member,
        external_id=external_id,
        amount=amount,
        occurred_at=occurred_at,
        items=clean_items,
        actor=actor,
        now=now,
    )
    return result


def _lock_active_member(member_id: int) -> Member:
    member = lock_member(member_id)
    if member.status != MemberStatus.ACTIVE:
        raise UnknownMember(_("This member is not active."), code="member_inactive")
    return member


FIRST_PURCHASE_REF = "bonus:first_purchase"
PROMOTION_ATTEMPTS = 5


def _award_purchase(
    *,
    program: Program,
    tiers: list[Tier],
    shop: Shop,
    member: Member,
    external_id: str,
    amount: Decimal,
    occurred_at: datetime,
    items: list[dict],
    actor: User | None,
    now: datetime,
    purchase: Purchase | None = None,
) -> tuple[Purchase, PurchaseResult]:
    """Points for a sale of a locked member: a new one, or a claimed anonymous receipt."""
    merchant = shop.merchant
    # Once per member: after a reversal brings purchase_count back to 0, the bonus (reversed
    # with its sale) is not given again; its reference is unique per member anyway.
    first_purchase = bool(
        member.purchase_count == 0
        and program.first_purchase_bonus
        and not PointsEntry.objects.filter(member=member, reference=FIRST_PURCHASE_REF).exists()
    )
    for _attempt in range(PROMOTION_ATTEMPTS):
        earning = earn(
            rules=Rules.of(program),
            amount=amount,
            items=items,
            tier_name=localized(member.tier, "name") if member.tier else "",
            tier_multiplier=member.tier.multiplier if member.tier else Decimal("1"),
            promotions=promotions_for(
                merchant=merchant, member=member, shop=shop, occurred_at=occurred_at
            ),
            purchases_today=getattr(member, "purchases_today", 0),
            first_purchase=first_purchase,
        )
        # A promotion refuses its charge when a concurrent sale spent its budget since the
        # source read it: earn again with what is left (each refusal is another sale's charge).
        if charge_promotions(earning):
            break
    else:
        raise DomainError(_("Busy, please try again."), code="busy")
    if purchase is None:
        purchase = _new_purchase(
            shop=shop,
            external_id=external_id,
            amount=amount,
            occurred_at=occurred_at,
            items=items,
            eligible=earning.eligible,
            actor=actor,
            now=now,
            member=member,
            points_basis_amount=amount,
            points_earned=earning.total,
            breakdown=earning.breakdown,
            flags=earning.flags,
        )
    else:
        _claim_for(purchase, member=member, earning=earning, amount=amount, now=now)
    to_available, to_pending = _credit_sale(
        program=program, member=member, purchase=purchase, earning=earning, actor=actor, now=now
    )
    new_tier = _upgraded_tier(program, tiers, member, amount, earning.total)
    update_member_figures(
        member, amount, earning.total, to_available, to_pending, occurred_at, new_tier, now
    )
    balance = member.points_balance + to_available
    pending = member.pending_points + to_pending
    if member.referred_by_id is not None:
        # Only referred members pay the queries of the referral check.
        member.points_balance, member.pending_points = balance, pending
        award_referral(
            program=program,
            friend=member,
            purchase=purchase,
            first_purchase=member.purchase_count == 0,
            actor=actor,
            now=now,
        )
        balance = member.points_balance
    emit(merchant.pk, _sale_events(purchase, member, amount, earning.total, new_tier), now)
    run_sale_hooks(purchase=purchase, member=member, shop=shop, items=items, actor=actor, now=now)
    figures_in_memory(member, amount, earning.total, balance, pending, occurred_at, new_tier)
    return purchase, PurchaseResult(
        purchase=purchase,
        points_earned=earning.total,
        breakdown=earning.breakdown,
        points_balance=balance,
        pending_points=pending,
        tier=member.tier,
        created=True,
        tier_changed=new_tier is not None,
        flags=earning.flags,
        member=member,
        program=program,
        tiers=tiers,
        tier_value=tier_value_after(program, member, amount, occurred_at, now),
        recorded_at=now,
    )


def _claim_for(
    purchase: Purchase, *, member: Member, earning: Earning, amount: Decimal, now: datetime
) -> None:
    """An anonymous receipt becomes the member's, with what it earns now."""
    purchase.member = member
    purchase.claimed_at = now
    purchase.points_basis_amount = amount  # what was left of the receipt at the claim
    purchase.points_earned = earning.total
    purchase.breakdown = earning.breakdown
    purchase.flags = earning.flags
    purchase.save(
        update_fields=[
            "member",
            "claimed_at",
            "points_basis_amount",
            "points_earned",
            "breakdown",
            "flags",
        ]
    )


def _credit_sale(
    *,
    program: Program,
    member: Member,
    purchase: Purchase,
    earning: Earning,
    actor: User | None,
    now: datetime,
) -> tuple[int, int]:
    """The sale's ledger entries and lots; returns the points (available, pending) they add."""
    credits = [
        (EntryKind.EARN, earning.points, ""),
        (EntryKind.BONUS, earning.bonus, FIRST_PURCHASE_REF),
    ]
    entries = [
        PointsEntry(
            merchant_id=member.merchant_id,
            member=member,
            kind=kind,
            points=points,
            created_at=now,
            purchase=purchase,
            reference=reference,
            actor=actor,
        )
        for kind, points, reference in credits
        if points
    ]
    if not entries:
        return 0, 0
    insert(entries)
    available_at, expires_at = lot_dates(program, purchase.occurred_at)
    return credit_lots(
        member=member, entries=entries, available_at=available_at, expires_at=expires_at, now=now
    )


def _upgraded_tier(
    program: Program, tiers: list[Tier], member: Member, amount: Decimal, earned: int
) -> Tier | None:
    """The higher tier this sale makes the member qualify for at once, or None."""
    value = Decimal(member.window_value or 0) + (
        amount if program.tier_basis == TierBasis.SPEND else earned
    )
    reached = tier_for(tiers, value)
    if reached is not None and (member.tier is None or reached.threshold > member.tier.threshold):
        return reached
    return None


def _sale_events(
    purchase: Purchase, member: Member, amount: Decimal, earned: int, new_tier: Tier | None
) -> list[tuple[str, dict]]:
    events = [
        (
            "purchase.recorded",
            {
                "purchase": purchase.pk,
                "member": member.pk,
                "shop": purchase.shop_id,
                "amount": str(amount),
                "points": earned,
            },
        )
    ]
    if earned:
        events.append(
            ("points.earned", {"member": member.pk, "purchase": purchase.pk, "points": earned})
        )
    if new_tier is not None:
        events.append(
            (
                "tier.changed",
                {
                    "member": member.pk,
                    "from": member.tier.name if member.tier else None,
                    "to": new_tier.name,
                    "direction": "up",
                    # A reversal or a full refund of this sale takes back what it gave.
                    "purchase": purchase.pk,
                },
            )
        )
    return events


def _record_anonymous(
    *,
    shop: Shop,
    external_id: str,
    amount: Decimal,
    occurred_at: datetime,
    items: list[dict],
    actor: User | None,
    now: datetime,
) -> PurchaseResult:
    merchant = shop.merchant
    program = get_program(merchant)
    check_sale_amount(program, amount)
    purchase = _new_purchase(
        shop=shop,
        external_id=external_id,
        amount=amount,
        occurred_at=occurred_at,
        items=items,
        eligible=eligible_amount(Rules.of(program), amount, items),
        actor=actor,
        now=now,
        member=None,
        claim_code=_new_claim_code(),
    )
    emit(
        merchant.pk,
        [
            (
                "purchase.recorded",
                {"purchase": purchase.pk, "member": None, "shop": shop.pk, "amount": str(amount)},
            )
        ],
        now,
    )
    return PurchaseResult(
        purchase=purchase,
        points_earned=0,
        breakdown=[],
        points_balance=None,
        pending_points=None,
        tier=None,
        created=True,
    )


def _new_claim_code() -> str:
    # Unique per merchant by constraint; 31^8 codes make a clash a once-in-ages event, and
    # it surfaces as an IntegrityError that the caller retries as a duplicate receipt.
    return "".join(secrets.choice(CLAIM_ALPHABET) for _ in range(CLAIM_CODE_LENGTH))


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@transaction.atomic(durable=True)
def claim_purchase(*, member: Member, code: str) -> PurchaseResult:
    """A member claims an anonymous receipt within the window and gets its points, once."""
    merchant = member.merchant
    program = get_program(merchant)
    now = timezone.now()
    purchase = (
        Purchase.objects.select_for_update()
        .select_related("shop__merchant")
        .filter(merchant=merchant, claim_code=normalize_code(code))
        .first()
    )
    if purchase is None or purchase.reversed_at is not None:
        raise ClaimInvalid(_("This code does not match a receipt."))
    if purchase.member_id is not None:
        raise ClaimInvalid(_("This receipt was already claimed."), code="claim_used")
    if purchase.refundable_amount <= 0:
        # Nothing left of the sale: it would earn no points, but would still count as a
        # first purchase (and pay its bonus, and a referral's).
        raise ClaimInvalid(
            _("This receipt was refunded in full; there is nothing to claim."),
            code="claim_refunded",
        )
    if purchase.occurred_at < now - timedelta(days=program.claim_window_days):
        raise ClaimInvalid(
            _("Receipts can be claimed within %(days)s days.")
            % {"days": program.claim_window_days},
            code="claim_expired",
        )
    # A blocked or anonymized member earns nothing, from a claim as from the till.
    member = _lock_active_member(member.pk)
    # A claimed receipt earns at most what the daily limit allows, like one at the till.
    tiers = read_sale_figures(member, program, purchase.occurred_at, merchant.tzinfo)
    _purchase, result = _award_purchase(
        program=program,
        tiers=tiers,
        shop=purchase.shop,
        member=member,
        external_id=purchase.external_id,
        amount=purchase.refundable_amount,
        occurred_at=purchase.occurred_at,
        items=purchase.items,
        actor=None,
        now=now,
        purchase=purchase,
    )
    return result
