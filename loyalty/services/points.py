"""Write paths of the points engine: purchases, refunds, bonuses, spending, expiry and tiers.

Every function is one transaction that locks the member row before it reads the caches it
changes, writes its ledger entries, moves the caches with F() expressions and writes its
events to the outbox. Nothing here sends anything: consumers of the outbox do, after commit.
"""

import calendar
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import DomainError
from loyalty.models import Merchant, Shop, User
from loyalty.models.points import (
    EntryKind,
    Event,
    ExpiryMode,
    PointsEntry,
    PointsLot,
    Program,
    Purchase,
    Refund,
    Tier,
    TierBasis,
    TierWindow,
)
from loyalty.services.tenancy import log_action
from members.models import Member, MemberStatus

CENT = Decimal("0.01")
CLOCK_SKEW = timedelta(minutes=5)
CLAIM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CLAIM_CODE_LENGTH = 8


# --- Errors ------------------------------------------------------------------------------------


class InvalidAmount(DomainError):
    code = "invalid_amount"
    default_message = _("The amount must be more than zero.")


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


class ClaimInvalid(DomainError):
    code = "claim_invalid"


class PurchaseReversed(DomainError):
    code = "purchase_reversed"


# --- Programs and defaults ---------------------------------------------------------------------

DEFAULT_TIERS = [
    ("Bronze", Decimal("0"), Decimal("1")),
    ("Silver", Decimal("500"), Decimal("1.25")),
    ("Gold", Decimal("1500"), Decimal("1.5")),
]


def create_default_program(merchant: Merchant) -> Program:
    """The working default a new merchant starts with (registered as a merchant hook)."""
    program, _created = Program.objects.get_or_create(merchant=merchant)
    if not Tier.objects.for_merchant(merchant).exists():
        Tier.objects.bulk_create(
            [
                Tier(merchant=merchant, name=name, threshold=threshold, multiplier=multiplier)
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


# --- Internal ledger movements ------------------------------------------------------------------


def _lock_member(member_id: int) -> Member:
    # Nothing that changes under the lock is joined or annotated here: on PostgreSQL a statement
    # that waited for the row lock returns the member's new row but reads every other table as
    # of when it started, so a tier joined here could be the one before a concurrent upgrade.
    # _read_member_figures reads the tier and the tier/limit figures after the lock.
    return (
        Member.objects.select_for_update(of=("self",))
        .select_related("merchant__program")
        .get(pk=member_id)
    )


def _credit_lots(
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
    PointsLot.objects.bulk_create(lots)
    return to_available, to_pending


def _debit_lots(
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


def _emit(merchant_id: int, events: list[tuple[str, dict]], now: datetime) -> None:
    if events:
        Event.objects.bulk_create(
            [
                Event(merchant_id=merchant_id, type=kind, payload=payload, created_at=now)
                for kind, payload in events
            ]
        )


def _lot_dates(program: Program, moment: datetime) -> tuple[datetime, datetime | None]:
    available_at = moment + timedelta(days=program.pending_days)
    expires_at = None
    if program.expiry_mode == ExpiryMode.AFTER_EARNING:
        expires_at = add_months(moment, program.expiry_months)
    return available_at, expires_at


# --- Purchases ---------------------------------------------------------------------------------


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
    if not items or not (program.excluded_categories or program.excluded_skus):
        return amount
    excluded_categories = {c.lower() for c in program.excluded_categories}
    excluded_skus = {s.lower() for s in program.excluded_skus}
    excluded = sum(
        (
            Decimal(item["quantity"]) * Decimal(item["unit_price"])
            for item in items
            if item["category"].lower() in excluded_categories
            or item["sku"].lower() in excluded_skus
        ),
        Decimal("0"),
    )
    return max(Decimal("0"), amount - excluded).quantize(CENT)


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
            raise DuplicateExternalId(
                _("Receipt %(id)s was already recorded with other details.") % {"id": external_id}
            ) from None
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
    member = _lock_member(member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise UnknownMember(_("This member is not active."), code="member_inactive")
    program = get_program(member.merchant)  # loaded with the lock
    _read_member_figures(member, program, occurred_at, merchant.tzinfo)
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


def _read_member_figures(member: Member, program: Program, occurred_at: datetime, tz) -> None:
    """Set the tier, `window_value` and `purchases_today` on a member this transaction locked.

    A query of its own, after the lock (see _lock_member): read with the lock, they would miss
    a concurrent sale of the same member, and two sales at once would both pass the daily limit
    or both upgrade the tier.
    """
    window_start = tier_window_start(program, occurred_at, tz)
    annotations = {"window_value": _window_value_subquery(program, window_start)}
    if program.max_purchases_per_day:
        annotations["purchases_today"] = _purchases_on_day_subquery(occurred_at, tz)
    row = Member.objects.select_related("tier").annotate(**annotations).get(pk=member.pk)
    member.tier = row.tier
    for name in annotations:
        setattr(member, name, getattr(row, name))


def _purchases_on_day_subquery(occurred_at: datetime, tz):
    """The member's sales on the merchant's local day of `occurred_at` (the daily limit)."""
    local = occurred_at.astimezone(tz)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return Coalesce(
        Subquery(
            Purchase.objects.filter(
                member=OuterRef("pk"),
                occurred_at__gte=day_start,
                occurred_at__lt=day_start + timedelta(days=1),
                reversed_at__isnull=True,
            )
            .values("member")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _window_value_subquery(program: Program, window_start: datetime):
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
    return Coalesce(
        Subquery(
            PointsEntry.objects.filter(
                member=OuterRef("pk"),
                created_at__gte=window_start,
                kind__in=EARNED_KINDS,
            )
            .values("member")
            .annotate(v=Sum("points"))
            .values("v")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


FIRST_PURCHASE_REF = "bonus:first_purchase"

# What counts as points "earned" (lifetime points, the points basis of tiers).
EARNED_KINDS = [EntryKind.EARN, EntryKind.BONUS, EntryKind.CLAWBACK, EntryKind.REVERSAL]


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
        purchase = Purchase.objects.create(
            merchant=merchant,
            shop=shop,
            member=member,
            external_id=external_id,
            amount=amount,
            currency=merchant.currency,
            occurred_at=occurred_at,
            recorded_at=now,
            items=items,
            eligible_amount=eligible,
            points_earned=earn_points + bonus_points,
            breakdown=breakdown,
            flags=flags,
            recorded_by=actor,
        )
    else:
        purchase.member = member
        purchase.claimed_at = now
        purchase.points_earned = earn_points + bonus_points
        purchase.breakdown = breakdown
        purchase.flags = flags
        purchase.save(update_fields=["member", "claimed_at", "points_earned", "breakdown", "flags"])

    entries = []
    if earn_points:
        entries.append(
            PointsEntry(
                merchant=merchant,
                member=member,
                kind=EntryKind.EARN,
                points=earn_points,
                created_at=now,
                purchase=purchase,
                actor=actor,
            )
        )
    if bonus_points:
        entries.append(
            PointsEntry(
                merchant=merchant,
                member=member,
                kind=EntryKind.BONUS,
                points=bonus_points,
                created_at=now,
                purchase=purchase,
                reference=FIRST_PURCHASE_REF,
                actor=actor,
            )
        )
    to_available = to_pending = 0
    if entries:
        PointsEntry.objects.bulk_create(entries)
        available_at, expires_at = _lot_dates(program, occurred_at)
        to_available, to_pending = _credit_lots(
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
                },
            )
        )
    _emit(merchant.pk, events, now)
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
    purchase = Purchase.objects.create(
        merchant=merchant,
        shop=shop,
        member=None,
        external_id=external_id,
        amount=amount,
        currency=merchant.currency,
        occurred_at=occurred_at,
        recorded_at=now,
        items=items,
        eligible_amount=_eligible_amount(program, amount, items),
        claim_code=_new_claim_code(),
        recorded_by=actor,
    )
    _emit(
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
    if purchase.occurred_at < now - timedelta(days=program.claim_window_days):
        raise ClaimInvalid(
            _("Receipts can be claimed within %(days)s days.")
            % {"days": program.claim_window_days},
            code="claim_expired",
        )
    member = _lock_member(member.pk)
    # A claimed receipt earns at most what the daily limit allows, like one at the till.
    _read_member_figures(member, program, purchase.occurred_at, merchant.tzinfo)
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


# --- Refunds and reversals ----------------------------------------------------------------------


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
    """Refund part or all of a sale, clawing back the points earned on the refunded part."""
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
        raise DuplicateExternalId(
            _("Refund %(id)s was already recorded with other details.") % {"id": refund.external_id}
        )
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
    member = _lock_member(purchase.member_id) if purchase.member_id else None
    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if purchase.member_id is not None and member is None:
        member = _lock_member(purchase.member_id)
    return purchase, member


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
    earned = sum(
        e.points for e in purchase.entries.all() if e.kind == EntryKind.EARN and e.points > 0
    )
    # The points were earned on the whole sale, or, for a receipt claimed later, on what was
    # left of it when it was claimed: refunds before the claim took nothing back.
    basis, refunded_since = purchase.amount, refunded_total
    if purchase.claimed_at is not None:
        before_claim = sum(
            (
                r.amount
                for r in purchase.refunds.exclude(pk=refund.pk)
                if r.created_at <= purchase.claimed_at
            ),
            Decimal("0"),
        )
        basis, refunded_since = basis - before_claim, refunded_total - before_claim
    # Cumulative, so partial refunds never drift from what a single full refund takes back.
    due_total = int(
        (Decimal(earned) * refunded_since / basis).to_integral_value(rounding=ROUND_FLOOR)
    )
    clawback = due_total - purchase.points_clawed_back
    balance = None
    if member is not None and clawback > 0:
        lots = list(PointsLot.objects.filter(entry__purchase=purchase, entry__kind=EntryKind.EARN))
        from_available, from_pending = _debit_lots(
            member, clawback, prefer=lots, allow_negative=True
        )
        PointsEntry.objects.create(
            merchant_id=purchase.merchant_id,
            member=member,
            kind=EntryKind.CLAWBACK,
            points=-clawback,
            created_at=now,
            purchase=purchase,
            refund=refund,
            actor=actor,
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
    Purchase.objects.filter(pk=purchase.pk).update(
        refunded_amount=refunded_total,
        points_clawed_back=F("points_clawed_back") + clawback,
    )
    Refund.objects.filter(pk=refund.pk).update(points_clawed_back=clawback)
    refund.points_clawed_back = clawback
    _emit(
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


@transaction.atomic(durable=True)
def reverse_purchase(*, purchase: Purchase, actor: User, reason: str) -> Purchase:
    """Undo a mistaken sale: reversing entries for what it credited, and it stops counting."""
    if not reason.strip():
        raise DomainError(_("Say why the sale is reversed."), code="reason_required")
    now = timezone.now()
    purchase, member = _lock_sale(purchase)
    if purchase.reversed_at is not None:
        raise PurchaseReversed(_("This sale was already reversed."))
    if member is not None:
        entries = list(purchase.entries.all())
        credited = sum(e.points for e in entries if e.kind in (EntryKind.EARN, EntryKind.BONUS))
        taken = -sum(e.points for e in entries if e.kind == EntryKind.CLAWBACK)
        to_reverse = credited - taken
        from_available = from_pending = 0
        if to_reverse > 0:
            lots = list(PointsLot.objects.filter(entry__purchase=purchase))
            from_available, from_pending = _debit_lots(
                member, to_reverse, prefer=lots, allow_negative=True
            )
            PointsEntry.objects.create(
                merchant_id=purchase.merchant_id,
                member=member,
                kind=EntryKind.REVERSAL,
                points=-to_reverse,
                created_at=now,
                purchase=purchase,
                reason=reason[:200],
                actor=actor,
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
    log_action(
        merchant=purchase.merchant,
        actor=actor,
        action="loyalty.purchase.reversed",
        target=purchase,
        data={"reason": reason, "member": purchase.member_id},
    )
    return purchase


# --- Bonuses, adjustments, spending ------------------------------------------------------------


def _credit(
    *,
    member: Member,
    program: Program,
    kind: str,
    points: int,
    now: datetime,
    reference: str = "",
    reason: str = "",
    actor: User | None = None,
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
    )
    _available_at, expires_at = _lot_dates(program, now)
    to_available, _pending = _credit_lots(
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
    member = _lock_member(member.pk)
    if PointsEntry.objects.filter(member=member, reference=reference).exists():
        return None
    entry = _credit(
        member=member,
        program=program,
        kind=EntryKind.BONUS,
        points=points,
        now=now,
        reference=reference,
        actor=actor,
    )
    _emit(
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
    member = _lock_member(member.pk)
    program = get_program(member.merchant)
    if points > 0:
        entry = _credit(
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
        from_available, _pending = _debit_lots(member, -points)
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

    Consumes the oldest available lots. A negative balance, or too few points, refuses.
    """
    if points <= 0:
        raise DomainError(_("Enter a positive number of points."), code="invalid_points")
    now = now or timezone.now()
    member = _lock_member(member.pk)
    if member.points_balance < points:
        if member.points_balance < 0:
            message = _("The balance is negative after a refund; earn points to cover it first.")
        else:
            message = _("%(balance)s points available, %(needed)s needed.") % {
                "balance": member.points_balance,
                "needed": points,
            }
        raise InsufficientPoints(message)
    from_available, _pending = _debit_lots(member, points)
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


# --- Jobs ----------------------------------------------------------------------------------------


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
            member = _lock_member(member_id)
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

    Inactivity expiry: a member without a purchase for the program's months loses every lot.
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
                merchant_id=program.merchant_id,
                remaining__gt=0,
                member__last_purchase_at__lt=cutoff,
            )
            .values_list("member_id", flat=True)
            .distinct()
        )
    for member_id in sorted(member_ids):
        expired += _expire_member(member_id, now)
    return expired


@transaction.atomic
def _expire_member(member_id: int, now: datetime) -> int:
    member = _lock_member(member_id)
    program = get_program(member.merchant)
    lots = PointsLot.objects.select_for_update().filter(member=member, remaining__gt=0)
    if program.expiry_mode == ExpiryMode.INACTIVITY:
        cutoff = add_months(now, -program.expiry_months)
        if member.last_purchase_at is None or member.last_purchase_at >= cutoff:
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
                reference=f"expire:lot:{lot.pk}",
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
            lots = lots.filter(member__last_purchase_at__lt=cutoff)
        with transaction.atomic():
            todo = list(lots.select_for_update(skip_locked=True).order_by("member_id", "pk"))
            by_member: dict[int, int] = {}
            for lot in todo:
                by_member[lot.member_id] = by_member.get(lot.member_id, 0) + lot.remaining
            _emit(
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
            .annotate(window_value=_window_value_subquery(program, window_start))
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
    member = _lock_member(member_id)
    if member.tier_id == (tier.pk if tier else None):
        return 0
    Member.objects.filter(pk=member.pk).update(tier=tier, tier_since=now, tier_below_since=None)
    _emit(
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
        local_today = today or timezone.now().astimezone(merchant.tzinfo).date()
        members = Member.objects.for_merchant(merchant).filter(
            status=MemberStatus.ACTIVE, birth_month=local_today.month
        )
        if program.birthday_mode == "day":
            members = members.filter(birth_day=local_today.day)
        reference = f"birthday:{local_today.year}"
        members = members.exclude(ledger__reference=reference)
        for member in members.select_related("merchant").iterator(chunk_size=500):
            if award_bonus(member=member, bonus="birthday", reference=reference):
                awarded += 1
    return awarded
