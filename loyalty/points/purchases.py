"""Sales: recording a purchase and its points, anonymous receipts and their claims.

The same (shop, external_id) twice is one sale: the unique constraint decides, and a retry gets
the first answer. Promotions plug in through PROMOTION_HOOKS.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import DomainError
from loyalty.events import emit
from loyalty.models import Merchant, Shop, User
from loyalty.models.points import EntryKind, PointsEntry, Program, Purchase, Tier, TierBasis
from loyalty.points.ledger import (
    CENT,
    AmountTooLarge,
    ClaimInvalid,
    InvalidAmount,
    ItemsMismatch,
    PurchaseInFuture,
    UnknownMember,
    WrongCurrency,
    credit_lots,
    get_program,
    lock_member,
    lot_dates,
    read_member_figures,
    recorded_with_other_details,
    tier_for,
    tiers_of,
)
from loyalty.points.referrals import award_referral
from members.models import Member, MemberStatus

CLOCK_SKEW = timedelta(minutes=5)
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

    @property
    def explanation(self) -> str:
        return " + ".join(f"{part['points']} {part['label']}" for part in self.breakdown)


# A hook for promotions (points multipliers) that the campaigns work fills. Each returns a
# multiplier and a label, or None when it does not apply.
PromotionHook = Callable[..., tuple[Decimal, str] | None]
PROMOTION_HOOKS: list[PromotionHook] = []


def _promotion_multiplier(
    *, merchant: Merchant, member: Member | None, shop: Shop, occurred_at: datetime
) -> tuple[Decimal, str]:
    multiplier, labels = Decimal("1"), []
    for hook in PROMOTION_HOOKS:
        found = hook(merchant=merchant, member=member, shop=shop, occurred_at=occurred_at)
        if found:
            multiplier *= found[0]
            labels.append(found[1])
    return multiplier, ", ".join(labels)


# --- Purchases ---------------------------------------------------------------------------------


def check_sale_amount(program: Program, amount: Decimal) -> None:
    """Refuse a sale above the program's maximum: a typo at the till, not a sale."""
    from loyalty.templatetags.fidela import format_money  # it imports the points services

    limit = program.max_sale_limit
    if amount > limit:
        raise AmountTooLarge(
            _(
                "%(amount)s is more than one sale can be (at most %(max)s). Check the amount; "
                "a manager can change the limit in the program settings."
            )
            % {
                "amount": format_money(amount, program.merchant),
                "max": format_money(limit, program.merchant),
            },
            limit=limit,
        )


def _validate_purchase(
    *,
    merchant: Merchant,
    amount: Decimal,
    currency: str | None,
    occurred_at: datetime,
    items: list[dict] | None,
    now: datetime,
) -> list[dict]:
    if not isinstance(amount, Decimal):
        raise InvalidAmount(_("The amount must be a decimal number."))
    if amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidAmount(_("The amount must be more than zero, with at most two decimals."))
    if currency and currency.upper() != merchant.currency:
        raise WrongCurrency(
            _("This merchant works in %(expected)s, not %(given)s.")
            % {"expected": merchant.currency, "given": currency}
        )
    if timezone.is_naive(occurred_at):
        raise PurchaseInFuture(_("The purchase time needs a time zone."), code="naive_time")
    if occurred_at > now + CLOCK_SKEW:
        raise PurchaseInFuture(_("The purchase time is in the future."))
    clean_items = []
    if items:
        total = Decimal("0")
        for item in items:
            quantity = Decimal(str(item.get("quantity", 1)))
            unit_price = Decimal(str(item["unit_price"]))
            total += quantity * unit_price
            clean_items.append(
                {
                    "sku": str(item.get("sku", "")),
                    "name": str(item.get("name", "")),
                    "category": str(item.get("category", "")),
                    "quantity": str(quantity),
                    "unit_price": str(unit_price),
                }
            )
        if abs(total - amount) > CENT:
            raise ItemsMismatch(
                _("The items add up to %(total)s, not %(amount)s.")
                % {"total": total.quantize(CENT), "amount": amount}
            )
    return clean_items


def _eligible_amount(program: Program, amount: Decimal, items: list[dict]) -> Decimal:
    """What of the amount paid earns points: the amount less the excluded products' lines.

    A negative line is a discount (a coupon, a return on the receipt, a deposit given back).
    It already lowered the amount paid, excluded or not; taking it off again as an exclusion
    would raise what earns above what was paid (-990.00 of tobacco and 1,000.00 of coffee on
    a sale of 10.00 would earn 1,000 points). So only positive excluded lines are taken off,
    and what earns is never more than the amount paid nor less than zero.
    """
    if not items or not (program.excluded_categories or program.excluded_skus):
        return amount
    excluded_categories = {c.lower() for c in program.excluded_categories}
    excluded_skus = {s.lower() for s in program.excluded_skus}
    excluded = Decimal("0")
    for item in items:
        line = Decimal(item["quantity"]) * Decimal(item["unit_price"])
        if line > 0 and (
            item["category"].lower() in excluded_categories or item["sku"].lower() in excluded_skus
        ):
            excluded += line
    return min(amount, max(Decimal("0"), amount - excluded)).quantize(CENT)


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
    return Purchase.objects.create(
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


def _result_for_existing(purchase: Purchase) -> PurchaseResult:
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
) -> PurchaseResult:
    """Record a sale and award its points. The same (shop, external_id) twice is one sale.

    `now` is the clock of the recording, for backfills (imports, the demo); default: now.
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
        return _result_for_existing(existing)


@transaction.atomic
def _record_purchase(
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
    clean_items = _validate_purchase(
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
    read_member_figures(member, program, occurred_at, merchant.tzinfo)
    tiers = tiers_of(merchant)
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
    flags: list[str] = []
    eligible = _eligible_amount(program, amount, items)
    breakdown: list[dict] = []
    earn_points = 0
    over_daily_limit = (
        program.max_purchases_per_day is not None
        and getattr(member, "purchases_today", 0) >= program.max_purchases_per_day
    )
    if over_daily_limit:
        flags.append("daily_purchase_limit")
    elif eligible >= program.min_purchase_amount and eligible > 0:
        base = int((eligible * program.points_per_unit).to_integral_value(rounding=ROUND_FLOOR))
        tier = member.tier
        tier_multiplier = tier.multiplier if tier else Decimal("1")
        promo_multiplier, promo_label = _promotion_multiplier(
            merchant=merchant, member=member, shop=shop, occurred_at=occurred_at
        )
        with_tier = int((base * tier_multiplier).to_integral_value(rounding=ROUND_FLOOR))
        total = int(
            (base * tier_multiplier * promo_multiplier).to_integral_value(rounding=ROUND_FLOOR)
        )
        if base:
            breakdown.append({"kind": "base", "points": base, "label": _("base")})
        if with_tier > base:
            breakdown.append(
                {
                    "kind": "tier",
                    "points": with_tier - base,
                    "label": _("%(tier)s bonus") % {"tier": tier.name},
                }
            )
        if total > with_tier:
            breakdown.append(
                {"kind": "promotion", "points": total - with_tier, "label": promo_label}
            )
        earn_points = total
        cap = program.max_points_per_purchase
        if cap is not None and earn_points > cap:
            breakdown.append(
                {"kind": "cap", "points": cap - earn_points, "label": _("over the per-sale limit")}
            )
            earn_points = cap
            flags.append("points_cap")

    # Once per member: after a reversal brings purchase_count back to 0, the bonus (reversed
    # with its sale) is not given again; its reference is unique per member anyway.
    first_purchase = (
        member.purchase_count == 0
        and program.first_purchase_bonus
        and not PointsEntry.objects.filter(member=member, reference=FIRST_PURCHASE_REF).exists()
    )
    bonus_points = 0
    if first_purchase:
        bonus_points = program.first_purchase_bonus
        breakdown.append(
            {"kind": "bonus", "points": bonus_points, "label": _("first purchase bonus")}
        )

    if purchase is None:
        purchase = _new_purchase(
            shop=shop,
            external_id=external_id,
            amount=amount,
            occurred_at=occurred_at,
            items=items,
            eligible=eligible,
            actor=actor,
            now=now,
            member=member,
            points_basis_amount=amount,
            points_earned=earn_points + bonus_points,
            breakdown=breakdown,
            flags=flags,
        )
    else:
        purchase.member = member
        purchase.claimed_at = now
        purchase.points_basis_amount = amount  # what was left of the receipt at the claim
        purchase.points_earned = earn_points + bonus_points
        purchase.breakdown = breakdown
        purchase.flags = flags
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

    credits = [
        (EntryKind.EARN, earn_points, ""),
        (EntryKind.BONUS, bonus_points, FIRST_PURCHASE_REF),
    ]
    entries = [
        PointsEntry(
            merchant=merchant,
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
    to_available = to_pending = 0
    if entries:
        PointsEntry.objects.bulk_create(entries)
        available_at, expires_at = lot_dates(program, occurred_at)
        to_available, to_pending = credit_lots(
            member=member,
            entries=entries,
            available_at=available_at,
            expires_at=expires_at,
            now=now,
        )

    # Tier: upgrade at once when this purchase makes the member qualify for a higher tier.
    value = Decimal(member.window_value or 0) + (
        amount if program.tier_basis == TierBasis.SPEND else earn_points + bonus_points
    )
    reached = tier_for(tiers, value)
    new_tier = member.tier
    tier_changed = False
    if reached is not None and (member.tier is None or reached.threshold > member.tier.threshold):
        new_tier, tier_changed = reached, True

    earned = earn_points + bonus_points
    updates = {
        "points_balance": F("points_balance") + to_available,
        "pending_points": F("pending_points") + to_pending,
        "lifetime_points": F("lifetime_points") + earned,
        "lifetime_spend": F("lifetime_spend") + amount,
        "purchase_count": F("purchase_count") + 1,
        "last_purchase_at": (
            occurred_at
            if member.last_purchase_at is None or occurred_at > member.last_purchase_at
            else member.last_purchase_at
        ),
    }
    if member.first_purchase_at is None or occurred_at < member.first_purchase_at:
        updates["first_purchase_at"] = occurred_at
    if tier_changed:
        updates.update(tier=new_tier, tier_since=now, tier_below_since=None)
    Member.objects.filter(pk=member.pk).update(**updates)

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
    events = [
        (
            "purchase.recorded",
            {
                "purchase": purchase.pk,
                "member": member.pk,
                "shop": shop.pk,
                "amount": str(amount),
                "points": earned,
            },
        )
    ]
    if earned:
        events.append(
            ("points.earned", {"member": member.pk, "purchase": purchase.pk, "points": earned})
        )
    if tier_changed:
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
    emit(merchant.pk, events, now)
    return purchase, PurchaseResult(
        purchase=purchase,
        points_earned=earned,
        breakdown=breakdown,
        points_balance=balance,
        pending_points=pending,
        tier=new_tier,
        created=True,
        tier_changed=tier_changed,
        flags=flags,
    )


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
        eligible=_eligible_amount(program, amount, items),
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
    read_member_figures(member, program, purchase.occurred_at, merchant.tzinfo)
    _purchase, result = _award_purchase(
        program=program,
        tiers=tiers_of(merchant),
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
