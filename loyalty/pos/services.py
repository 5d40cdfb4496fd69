"""Write paths of the POS page: one-time form tokens, sales at the till, undo.

The points themselves go through the points services (record_purchase, reverse_purchase); this
module adds what the till needs around them: a form sent twice acts once, a cashier undoes
only their own last sale and only for a few minutes, and patterns worth an owner's look are
written down as flags (loyalty/staff_flags.py).
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.clock import local_today, midnight
from loyalty.errors import DomainError, NotAllowed
from loyalty.models import AuditEvent, Merchant, Shop, User
from loyalty.models.points import Purchase
from loyalty.models.pos import FlagKind, PosSubmission
from loyalty.points.ledger import PurchaseReversed
from loyalty.points.purchases import PurchaseResult
from loyalty.staff_flags import UNDOS_PER_DAY, record_flag
from members.models import Member
from rewards import services as rewards_services
from rewards.models import Voucher
from rewards.sales import record_sale_with_vouchers, reverse_sale
from rewards.throttle import guarded

UNDO_WINDOW = timedelta(minutes=5)
UNDO_ACTION = "loyalty.pos.undone"

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


# --- One-time form tokens --------------------------------------------------------------------


class FormExpired(DomainError):
    code = "form_expired"


class SubmissionInProgress(DomainError):
    code = "in_progress"


@dataclass
class Once:
    """What a form did: `result` of the first send; `replayed` when this send was a repeat."""

    result: dict
    replayed: bool


def _check_token(token: str) -> str:
    token = (token or "").strip()
    if not _TOKEN.match(token):
        raise FormExpired(_("This form is out of date. Please try again."))
    return token


def run_once(
    *,
    merchant: Merchant,
    user: User,
    token: str,
    action: str,
    perform: Callable[[], dict],
    together: bool = True,
) -> Once:
    """Run `perform` for the first send of a form token; a repeat gets the first result.

    `together`: the token is taken in the same transaction as `perform`'s writes, so either
    both happen or neither (for services that join the caller's transaction). Otherwise
    (`perform` opens a durable transaction of its own) the token is taken first and given
    back when `perform` fails, so that the corrected form can be sent again.
    """
    token = _check_token(token)
    if together:
        with transaction.atomic():
            earlier = _take(merchant=merchant, user=user, token=token, action=action)
            if earlier is not None:
                return Once(result=earlier.result, replayed=True)
            result = perform()
            PosSubmission.objects.filter(merchant=merchant, token=token).update(result=result)
            return Once(result=result, replayed=False)
    with transaction.atomic():
        earlier = _take(merchant=merchant, user=user, token=token, action=action)
    if earlier is not None:
        if not earlier.result:
            # The first send is still being handled (or failed a moment ago).
            raise SubmissionInProgress(_("This form was just sent. Wait a moment and look."))
        return Once(result=earlier.result, replayed=True)
    try:
        result = perform()
    except Exception:
        PosSubmission.objects.filter(merchant=merchant, token=token).delete()
        raise
    PosSubmission.objects.filter(merchant=merchant, token=token).update(result=result)
    return Once(result=result, replayed=False)


def _take(*, merchant: Merchant, user: User, token: str, action: str) -> PosSubmission | None:
    """Take the token; None when taken now, the earlier submission when it was taken before.

    One statement, no savepoint: `ON CONFLICT DO NOTHING` on the token's unique index. A
    concurrent send of the same token waits on that index until the first one commits (or
    rolls back, and then this one takes it), as the plain insert did.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO "loyalty_possubmission" '
            "(merchant_id, user_id, token, action, result, created_at) "
            "VALUES (%s, %s, %s, %s, '{}'::jsonb, %s) "
            "ON CONFLICT (merchant_id, token) DO NOTHING RETURNING id",
            [merchant.pk, user.pk, token, action, timezone.now()],
        )
        if cursor.fetchone() is not None:
            return None
    earlier = PosSubmission.objects.filter(merchant=merchant, token=token).first()
    if earlier is None:
        raise IntegrityError(f"the form token {token!r} was taken and is gone")
    if earlier.user_id != user.pk or earlier.action != action:
        raise FormExpired(_("This form is out of date. Please try again."))
    return earlier


# --- Purchases at the till -------------------------------------------------------------------


def is_own_contact(member: Member, user: User) -> bool:
    """The member is the cashier: the same email, or the member's sign-in account is theirs.

    Staff accounts carry no phone number; a phone of the cashier's own shows up through the
    account when the member signed up with the same email.
    """
    if member.user_id is not None and member.user_id == user.pk:
        return True
    return bool(member.email) and member.email.strip().lower() == (user.email or "").lower()


@dataclass
class PosSale:
    """A sale at the till: the points engine's answer, whether it was a repeat, the voucher."""

    result: PurchaseResult
    replayed: bool
    voucher: object | None = None  # rewards.models.Voucher used on this sale


def record_pos_purchase(
    *,
    shop: Shop,
    member: Member | None,
    amount: Decimal,
    token: str,
    actor: User,
    receipt: str = "",
    voucher: str = "",
    ip: str = "",
) -> PosSale:
    """A sale at the till, once per form, with the voucher used on it, if any.

    The sale, the voucher and a flag on the cashier's own card are one transaction, the
    sale's: a voucher that cannot be used leaves no sale behind. Without a receipt number the
    form's token is the sale's external id, so a repeat of the form is a repeat of the receipt,
    which the purchases' unique constraint decides (as for a shop system's retry): it shows the
    first answer. No form-token row is written for a sale (issue 19: two statements less).
    """
    merchant = shop.merchant
    token = _check_token(token)
    receipt = (receipt or "").strip()
    external_id = receipt or f"pos-{token}"
    codes = [voucher] if voucher.strip() else []
    if codes and not Purchase.objects.filter(shop=shop, external_id=external_id).exists():
        # Checked before the sale's transaction, so that a failed look-up counts against the
        # guesser even though the sale's transaction would roll it back with the sale; a
        # repeat of a recorded sale does not look again at the voucher its first send used.
        look_up_voucher(merchant=merchant, code=voucher, actor=actor, ip=ip, amount=amount)

    def flag_own_contact(result: PurchaseResult) -> None:
        if member is not None and result.points_earned > 0 and is_own_contact(member, actor):
            record_flag(
                merchant=merchant,
                kind=FlagKind.OWN_CONTACT,
                key=f"own:{result.purchase.pk}",
                user=actor,
                shop=shop,
                member=member,
                purchase=result.purchase,
                now=result.purchase.recorded_at,
            )

    sale = record_sale_with_vouchers(
        shop=shop,
        member=member,
        external_id=external_id,
        amount=amount,
        codes=codes,
        actor=actor,
        throttle_scopes=voucher_scopes(actor, ip),
        then=flag_own_contact,
    )
    result = sale.result
    if result.created:
        used = sale.vouchers[0] if sale.vouchers else None
        return PosSale(result=result, replayed=False, voucher=used)
    return PosSale(result=result, replayed=True, voucher=_voucher_of(result.purchase))


def _voucher_of(purchase: Purchase):
    return Voucher.objects.filter(merchant_id=purchase.merchant_id, used_purchase=purchase).first()


# --- Vouchers --------------------------------------------------------------------------------


def voucher_scopes(actor: User, ip: str) -> list[str]:
    """Who a failed look-up counts against: the staff member and the address they come from."""
    return [f"staff:{actor.pk}", f"ip:{ip}" if ip else ""]


def look_up_voucher(
    *, merchant: Merchant, code: str, actor: User, ip: str, amount: Decimal | None = None
):
    """The voucher a typed or scanned code names, if it can be used; throttled per person/IP."""
    return guarded(
        voucher_scopes(actor, ip),
        lambda: rewards_services.check_voucher(merchant=merchant, code=code, amount=amount),
        merchant=merchant,
    )


def use_voucher_at_till(
    *,
    shop: Shop,
    code: str,
    actor: User,
    ip: str,
    amount: Decimal | None = None,
    purchase: Purchase | None = None,
):
    """Mark a voucher used at this shop (within the caller's transaction), throttled."""
    return guarded(
        voucher_scopes(actor, ip),
        lambda: rewards_services.use_voucher(
            code=code, shop=shop, purchase=purchase, amount=amount, actor=actor
        ),
        merchant=shop.merchant,
    )


# --- Undo ------------------------------------------------------------------------------------


class UndoRefused(NotAllowed):
    code = "undo_refused"


def last_purchase_of(merchant: Merchant, user: User) -> Purchase | None:
    """The sale this person recorded last at this merchant (reversed or not)."""
    return (
        Purchase.objects.for_merchant(merchant)
        .filter(recorded_by=user)
        .order_by("-recorded_at", "-pk")
        .first()
    )


def can_undo(purchase: Purchase, user: User, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        purchase.recorded_by_id == user.pk
        and purchase.reversed_at is None
        and purchase.recorded_at >= now - UNDO_WINDOW
    )


@transaction.atomic(durable=True)
def undo_purchase(
    *, purchase: Purchase, actor: User, now: datetime | None = None
) -> tuple[Purchase, list[tuple]]:
    """Undo the actor's own last sale within UNDO_WINDOW: a reversal in the ledger, audited.

    Older sales, and other people's, are a manager's refund or reversal. Vouchers used on the
    sale are given back (rewards.sales.reverse_sale), all in one transaction with the audit
    row and the flag; returns the sale and what was given back.
    """
    now = now or timezone.now()
    merchant = purchase.merchant
    if purchase.reversed_at is not None:
        raise PurchaseReversed(_("This sale was already undone."))
    if purchase.recorded_by_id != actor.pk:
        raise UndoRefused(
            _("You can only undo a sale you recorded. A manager can reverse it."),
            code="not_your_sale",
        )
    if purchase.recorded_at < now - UNDO_WINDOW:
        raise UndoRefused(
            _("A sale can be undone within %(minutes)s minutes. A manager can reverse it.")
            % {"minutes": int(UNDO_WINDOW.total_seconds() // 60)},
            code="undo_window_passed",
        )
    last = last_purchase_of(merchant, actor)
    if last is None or last.pk != purchase.pk:
        raise UndoRefused(
            _("Only your last sale can be undone. A manager can reverse this one."),
            code="not_last_sale",
        )
    purchase, given_back = reverse_sale(
        purchase=purchase, actor=actor, reason=_("Undone at the till")
    )
    log_action(
        merchant=merchant,
        actor=actor,
        action=UNDO_ACTION,
        target=purchase,
        data={
            "member": purchase.member_id,
            "amount": str(purchase.amount),
            # Ids, not codes: a code is a bearer secret and the audit log is read widely.
            "vouchers": [
                {"used": old.pk, "new": new.pk if new else None} for old, new in given_back
            ],
        },
    )
    undos = AuditEvent.objects.filter(
        merchant=merchant,
        action=UNDO_ACTION,
        actor=actor,
        created_at__gte=midnight(local_today(merchant, now), merchant.tzinfo),
    ).count()
    if undos > UNDOS_PER_DAY:
        day = local_today(merchant, now)
        record_flag(
            merchant=merchant,
            kind=FlagKind.MANY_UNDOS,
            key=f"undo:{actor.pk}:{day.isoformat()}",
            count=undos,
            user=actor,
            shop=purchase.shop,
            purchase=purchase,
            now=now,
        )
    return purchase, given_back
