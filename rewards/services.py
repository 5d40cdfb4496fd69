"""Every write path of redeeming and vouchers (the catalogue is in rewards/catalogue.py, the
expiry job in rewards/expiry.py).

Locks are always taken in the same order — voucher, then member, then reward — so two of these
never wait on each other in a circle:

- `redeem_reward` locks the member (their balance and per-member limit are read under it), then
  takes the reward's stock with a conditional UPDATE, which holds the reward row to the commit;
- `use_voucher` marks a voucher used with a conditional UPDATE (status still "issued"), so of two
  tills using one code exactly one changes the row;
- `cancel_voucher` locks the voucher, then returns its points (member) and its stock (reward).
"""

import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.clock import merchant_date, merchant_datetime, period_start
from loyalty.content import localized
from loyalty.errors import DomainError
from loyalty.events import emit
from loyalty.models import Merchant, Shop, User
from loyalty.models.points import EntryKind, Purchase
from loyalty.money import format_money
from loyalty.points.ledger import (
    InsufficientPoints,
    credit,
    get_program,
    lock_member,
    spend_points,
)
from members.models import Member, MemberStatus
from rewards.models import (
    VOUCHER_ALPHABET,
    VOUCHER_CODE_LENGTH,
    LimitPeriod,
    Reward,
    Voucher,
    VoucherSource,
    VoucherStatus,
)

_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015]+")  # spaces, dashes of any width


# --- Errors --------------------------------------------------------------------------------------


class RewardError(DomainError):
    code = "reward_error"


class RewardNotFound(RewardError):
    code = "reward_not_found"


class RewardUnavailable(RewardError):
    code = "reward_unavailable"


class NotAvailableYet(RewardError):
    code = "not_available_yet"


class TierTooLow(RewardError):
    code = "tier_too_low"


class OutOfStock(RewardError):
    code = "out_of_stock"


class LimitReached(RewardError):
    code = "limit_reached"


class MemberBlocked(RewardError):
    code = "member_blocked"


class Busy(RewardError):
    code = "busy"


class VoucherNotFound(RewardError):
    code = "voucher_not_found"


class VoucherUsed(RewardError):
    code = "voucher_used"


class VoucherExpired(RewardError):
    code = "voucher_expired"


class VoucherCancelled(RewardError):
    code = "voucher_cancelled"


class MinimumNotMet(RewardError):
    code = "minimum_not_met"


# --- Codes ---------------------------------------------------------------------------------------


def normalize_voucher_code(raw: str | None) -> str:
    """What a person typed, as stored: upper case, without spaces, dashes or dots."""
    return _SEPARATORS.sub("", raw or "").upper()


def new_voucher_code() -> str:
    return "".join(secrets.choice(VOUCHER_ALPHABET) for _i in range(VOUCHER_CODE_LENGTH))


def _fresh_code(merchant_id: int) -> str:
    """A random code no voucher of the merchant has yet; the unique constraint stays the judge."""
    for _attempt in range(8):
        code = new_voucher_code()
        if not Voucher.objects.filter(merchant_id=merchant_id, code=code).exists():
            return code
    raise Busy(_("Could not issue a voucher code; try again."))


def _create_voucher(**fields) -> Voucher:
    try:
        with transaction.atomic():
            return Voucher.objects.create(**fields)
    except IntegrityError as error:  # a concurrent voucher drew the same code: vanishingly rare
        raise Busy(_("Could not issue a voucher code; try again.")) from error


def _snapshot(reward: Reward) -> dict:
    return {
        "title": reward.name[:80],
        "translations": {
            code: {"title": words["name"][:80]}
            for code, words in (reward.translations or {}).items()
            if words.get("name")
        },
        "kind": reward.kind,
        "value": reward.value,
        "max_discount": reward.max_discount,
        "item": reward.item,
        "min_purchase": reward.min_purchase,
    }


def _voucher_payload(voucher: Voucher) -> dict:
    return {
        "voucher": voucher.pk,
        "code": voucher.code,
        "member": voucher.member_id,
        "reward": voucher.reward_id,
        "kind": voucher.kind,
        "value": f"{voucher.value:.2f}",
        "source": voucher.source,
        "expires_at": voucher.expires_at.isoformat(),
    }


# --- Redeeming -----------------------------------------------------------------------------------


def availability_problem(reward: Reward, now: datetime) -> RewardError | None:
    """Why the reward cannot be redeemed by anyone right now, or None."""
    if not reward.active or reward.archived_at is not None:
        return RewardUnavailable(_("This reward is no longer offered."))
    if reward.available_from and reward.available_from > now:
        return NotAvailableYet(
            _("This reward can be redeemed from %(date)s.")
            % {"date": _when(reward.available_from, reward.merchant)}
        )
    if reward.available_until and reward.available_until <= now:
        return RewardUnavailable(
            _("This reward was available until %(date)s.")
            % {"date": _when(reward.available_until, reward.merchant)}
        )
    if reward.stock is not None and not reward.stock_left:
        return OutOfStock(_("This reward is out of stock."))
    return None


def tier_allows(reward: Reward, member: Member) -> bool:
    if reward.min_tier_id is None:
        return True
    tier = member.tier
    return tier is not None and tier.threshold >= reward.min_tier.threshold


def redemptions_in_period(reward: Reward, member: Member, now: datetime) -> int:
    start = period_start(reward.limit_period, now, reward.merchant.tzinfo)
    vouchers = Voucher.objects.filter(
        merchant_id=member.merchant_id,
        member=member,
        reward=reward,
        source=VoucherSource.REDEMPTION,
    ).exclude(status=VoucherStatus.CANCELLED)
    if start is not None:
        vouchers = vouchers.filter(issued_at__gte=start)
    return vouchers.count()


def _take_stock(reward: Reward) -> None:
    """One unit of stock, or OutOfStock. The UPDATE holds the reward row until the commit."""
    if reward.stock is None:
        return
    try:
        if connection.vendor == "postgresql":
            # A crowd redeeming one reward queues on its row; past a few seconds say "busy"
            # instead of holding a till (pretix services/locking.py does the same).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
        taken = Reward.objects.filter(pk=reward.pk, stock_left__gt=0).update(
            stock_left=F("stock_left") - 1
        )
    except OperationalError as error:
        raise Busy(_("Many people are redeeming this reward right now; try again.")) from error
    if not taken:
        raise OutOfStock(_("This reward is out of stock."))


@transaction.atomic(durable=True)
def redeem_reward(
    *,
    member: Member,
    reward: Reward,
    actor: User | None = None,
    shop: Shop | None = None,
    now: datetime | None = None,
    confirmation: str = "",
) -> Voucher:
    """Spend the member's points on a reward and issue its voucher, in one transaction.

    The member's row lock serializes their redemptions (balance, per-member limit); the stock
    is a conditional decrement. Any refusal rolls back everything: no points, no stock.

    `confirmation`: the one-time token of the form the member confirmed. A voucher already
    issued for it is returned as it is (a double tap, a resent form): looked for under the
    member's lock, so the second of two parallel sends waits for the first and finds its
    voucher; the unique constraint on (merchant, member, confirmation) stays the judge.
    """
    now = now or timezone.now()
    if reward.merchant_id != member.merchant_id:
        raise RewardNotFound(_("No such reward."))
    member = lock_member(member.pk)
    if confirmation:
        earlier = Voucher.objects.filter(
            merchant_id=member.merchant_id, member=member, confirmation=confirmation
        ).first()
        if earlier is not None:
            return earlier
    if member.status != MemberStatus.ACTIVE:
        raise MemberBlocked(_("This member's card is blocked; rewards cannot be redeemed."))
    reward = Reward.objects.select_related("merchant", "min_tier").get(pk=reward.pk)
    problem = availability_problem(reward, now)
    if problem is not None:
        raise problem
    if not tier_allows(reward, member):
        raise TierTooLow(
            _("This reward is for %(tier)s members and above.")
            % {"tier": localized(reward.min_tier, "name")}
        )
    if member.points_balance < reward.points_cost:
        if member.points_balance < 0:
            raise InsufficientPoints(
                _("The balance is negative after a refund; earn points to cover it first.")
            )
        raise InsufficientPoints(
            _("%(balance)s points available, %(needed)s needed.")
            % {"balance": member.points_balance, "needed": reward.points_cost}
        )
    limit = reward.limit_per_member
    if limit is not None and redemptions_in_period(reward, member, now) >= limit:
        raise LimitReached(
            _("This reward can be redeemed %(count)s times %(period)s; that is reached.")
            % {"count": limit, "period": LimitPeriod(reward.limit_period).label}
        )
    _take_stock(reward)
    voucher = _create_voucher(
        code=_fresh_code(member.merchant_id),
        merchant_id=member.merchant_id,
        member=member,
        reward=reward,
        points_cost=reward.points_cost,
        source=VoucherSource.REDEMPTION,
        issued_at=now,
        expires_at=now + timedelta(days=reward.validity_days),
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        issued_at_shop=shop,
        confirmation=confirmation,
        **_snapshot(reward),
    )
    # The ledger names the voucher by id: its code is a bearer secret, and the ledger is shown.
    entry, member = spend_points(
        member=member,
        points=reward.points_cost,
        reference=f"voucher:{voucher.pk}",
        reason=reward.name[:200],
        actor=actor,
        now=now,
    )
    Voucher.objects.filter(pk=voucher.pk).update(redeem_entry=entry)
    voucher.redeem_entry = entry
    voucher.member = member
    emit(member.merchant_id, [("voucher.issued", _voucher_payload(voucher))], now)
    return voucher


@transaction.atomic
def issue_voucher(
    *,
    merchant: Merchant,
    reward: Reward,
    source: str,
    member: Member | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> Voucher:
    """A voucher given, not bought (campaign, birthday, service recovery, by hand).

    No points change hands; a limited stock is still taken. `member=None` is a bearer voucher.
    """
    if source == VoucherSource.REDEMPTION or source not in VoucherSource.values:
        raise ValueError(source)
    if reward.merchant_id != merchant.pk or (member and member.merchant_id != merchant.pk):
        raise RewardNotFound(_("No such reward."))
    now = now or timezone.now()
    _take_stock(reward)
    voucher = _create_voucher(
        code=_fresh_code(merchant.pk),
        merchant_id=merchant.pk,
        member=member,
        reward=reward,
        points_cost=0,
        source=source,
        issued_at=now,
        expires_at=now + timedelta(days=reward.validity_days),
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        **_snapshot(reward),
    )
    emit(merchant.pk, [("voucher.issued", _voucher_payload(voucher))], now)
    if actor is not None:
        log_action(
            merchant=merchant,
            actor=actor,
            action="rewards.voucher.issued",
            target=voucher,
            data={"source": source, "member": member.card_number if member else None},
        )
    return voucher


# --- Using ---------------------------------------------------------------------------------------


def _when(moment: datetime, merchant: Merchant) -> str:
    # "01.12.2026, 20:36", never "Dec. 1, 2026, 8:36 p.m." (whose own full stop met the
    # sentence's: "p.m..").
    return merchant_datetime(moment, merchant)


def _day(moment: datetime, merchant: Merchant) -> str:
    return merchant_date(moment, merchant)


def find_voucher(*, merchant: Merchant, code: str) -> Voucher:
    """The merchant's voucher with this code, however it was typed. Any other: not found."""
    normalized = normalize_voucher_code(code)
    voucher = (
        Voucher.objects.for_merchant(merchant)
        .select_related("merchant", "member", "used_shop", "reward")
        .filter(code=normalized)
        .first()
        if normalized
        else None
    )
    if voucher is None:
        raise VoucherNotFound(_("No voucher with this code. Check it and try again."))
    return voucher


def state_problem(voucher: Voucher, now: datetime) -> RewardError | None:
    """Why this voucher cannot be used now, or None."""
    merchant = voucher.merchant
    if voucher.status == VoucherStatus.USED:
        where = voucher.used_shop.name if voucher.used_shop_id else _("another till")
        return VoucherUsed(
            _("This voucher was already used at %(shop)s on %(when)s.")
            % {"shop": where, "when": _when(voucher.used_at, merchant)}
        )
    if voucher.status == VoucherStatus.CANCELLED:
        return VoucherCancelled(_("This voucher was cancelled."))
    if voucher.status == VoucherStatus.EXPIRED or voucher.expires_at <= now:
        return VoucherExpired(
            _("This voucher expired on %(date)s.") % {"date": _day(voucher.expires_at, merchant)}
        )
    return None


def _minimum_problem(voucher: Voucher, amount: Decimal | None) -> RewardError | None:
    if amount is not None and voucher.min_purchase and amount < voucher.min_purchase:
        return MinimumNotMet(
            _("This voucher needs a purchase of at least %(amount)s.")
            % {"amount": format_money(voucher.min_purchase, voucher.merchant)}
        )
    return None


def check_voucher(
    *,
    merchant: Merchant,
    code: str,
    amount: Decimal | None = None,
    member: Member | None = None,
    now: datetime | None = None,
) -> Voucher:
    """Validate a code without using it: the voucher, or the reason it cannot be used.

    `member`: a voucher issued to another member than the one at the till is still usable — a
    voucher may be a gift — so it is not refused here; the caller may show whose it is.
    """
    now = now or timezone.now()
    voucher = find_voucher(merchant=merchant, code=code)
    problem = state_problem(voucher, now) or _minimum_problem(voucher, amount)
    if problem is not None:
        raise problem
    return voucher


def use_voucher(
    *,
    code: str,
    shop: Shop,
    purchase: Purchase | None = None,
    amount: Decimal | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> Voucher:
    """Mark a voucher used, once. Joins the caller's transaction, if there is one.

    Of two tills using one code at the same moment, the conditional UPDATE lets exactly one
    through; the other is told where and when it was just used.
    """
    now = now or timezone.now()
    merchant = shop.merchant
    if purchase is not None:
        if purchase.merchant_id != merchant.pk:
            raise DomainError(_("No such purchase."), code="purchase_not_found")
        if amount is None:
            amount = purchase.amount - purchase.refunded_amount
    with transaction.atomic():
        voucher = check_voucher(merchant=merchant, code=code, amount=amount, now=now)
        changed = Voucher.objects.filter(
            pk=voucher.pk, status=VoucherStatus.ISSUED, expires_at__gt=now
        ).update(
            status=VoucherStatus.USED,
            used_at=now,
            used_shop=shop,
            used_purchase=purchase,
            used_by=actor if actor is not None and actor.is_authenticated else None,
        )
        if not changed:
            voucher = find_voucher(merchant=merchant, code=voucher.code)
            raise state_problem(voucher, now) or VoucherUsed(_("This voucher was just used."))
        voucher.status = VoucherStatus.USED
        voucher.used_at = now
        voucher.used_shop = shop
        voucher.used_purchase = purchase
        payload = _voucher_payload(voucher) | {
            "shop": shop.pk,
            "purchase": purchase.external_id if purchase else None,
        }
        emit(merchant.pk, [("voucher.used", payload)], now)
    return voucher


# --- Cancelling and expiry -----------------------------------------------------------------------


@transaction.atomic(durable=True)
def cancel_voucher(
    *, voucher: Voucher, actor: User | None, reason: str = "", now: datetime | None = None
) -> Voucher:
    """Cancel an unused voucher and give back what it cost: its points and its stock unit.

    A used voucher cannot be cancelled; refunding the purchase it was used on does not bring it
    back either (the refund returns money, the discount was part of the sale).
    """
    now = now or timezone.now()
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("merchant", "used_shop")
        .get(pk=voucher.pk)
    )
    # An expired voucher gives nothing back, even before the expiry job has marked it.
    problem = state_problem(voucher, now)
    if problem is not None:
        raise problem
    Voucher.objects.filter(pk=voucher.pk).update(
        status=VoucherStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by=actor if actor is not None and actor.is_authenticated else None,
        cancel_reason=reason[:200],
    )
    voucher.status = VoucherStatus.CANCELLED
    voucher.cancelled_at = now
    returned = 0
    if voucher.points_cost and voucher.member_id:
        member = lock_member(voucher.member_id)
        credit(
            member=member,
            program=get_program(voucher.merchant),
            kind=EntryKind.ADJUST,
            points=voucher.points_cost,
            now=now,
            reference=f"voucher:{voucher.pk}:cancelled",
            reason=(_("Voucher %(code)s cancelled") % {"code": voucher.masked_code})[:200],
            actor=actor if actor is not None and actor.is_authenticated else None,
        )
        returned = voucher.points_cost
    if voucher.reward_id:
        Reward.objects.filter(pk=voucher.reward_id, stock__isnull=False).update(
            stock_left=Least(F("stock_left") + Value(1), F("stock"))
        )
    log_action(
        merchant=voucher.merchant,
        actor=actor,
        action="rewards.voucher.cancelled",
        target=voucher,
        data={"reason": reason[:200], "points_returned": returned},
    )
    return voucher


@transaction.atomic
def release_voucher(
    *, voucher: Voucher, actor: User | None, reason: str = "", now: datetime | None = None
) -> Voucher:
    """Put back a voucher used on a sale that was then reversed (an undo at the till, a
    manager's reversal): the sale never happened, so the customer keeps what they redeemed.

    Only a reversal does this. A refund does not: the discount was part of a real sale.
    """
    now = now or timezone.now()
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("merchant", "used_purchase")
        .get(pk=voucher.pk)
    )
    sale = voucher.used_purchase
    if voucher.status != VoucherStatus.USED or sale is None or sale.reversed_at is None:
        raise RewardError(
            _("Only a voucher used on a reversed sale can be given back."),
            code="voucher_not_released",
        )
    Voucher.objects.filter(pk=voucher.pk).update(
        status=VoucherStatus.ISSUED, used_at=None, used_shop=None, used_purchase=None, used_by=None
    )
    voucher.status = VoucherStatus.ISSUED
    voucher.used_at = voucher.used_shop = voucher.used_purchase = voucher.used_by = None
    log_action(
        merchant=voucher.merchant,
        actor=actor,
        action="rewards.voucher.released",
        target=voucher,
        data={"purchase": sale.external_id, "reason": reason[:200]},
    )
    return voucher
