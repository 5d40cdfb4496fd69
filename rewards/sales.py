"""The workflows that span a sale and its vouchers, one transaction each, for every surface.

- `record_sale_with_vouchers`: the sale and the vouchers used on it (the POS and the API);
- `reverse_sale`: a reversal that gives the sale's vouchers back (the portal, the POS undo
  and the POS reversal).

The points engine (loyalty.points) knows nothing of vouchers; rewards builds on it, so the
workflows that need both live here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from loyalty.errors import DomainError
from loyalty.models import Shop, User
from loyalty.models.points import Purchase
from loyalty.points.purchases import PurchaseResult, record_purchase
from loyalty.points.refunds import reverse_purchase
from members.models import Member
from rewards.models import Voucher, VoucherStatus
from rewards.services import release_voucher, use_voucher
from rewards.throttle import guarded


@dataclass
class SaleWithVouchers:
    result: PurchaseResult
    vouchers: list[Voucher] = field(default_factory=list)


def record_sale_with_vouchers(
    *,
    shop: Shop,
    member: Member | None,
    external_id: str,
    amount: Decimal,
    codes: list[str],
    actor: User | None = None,
    currency: str | None = None,
    occurred_at: datetime | None = None,
    items: list[dict] | None = None,
    throttle_scopes: list[str] | None = None,
    then: Callable[[PurchaseResult], None] | None = None,
) -> SaleWithVouchers:
    """A sale and every voucher used on it, in one transaction: the sale's own (the vouchers
    are used in record_purchase's `then`), or a savepoint of the caller's.

    The codes should have been checked before (a refused look-up must count against a guesser
    outside this transaction, which a refusal rolls back). A code that cannot be used now
    raises its DomainError with `voucher_code` set, and leaves no sale behind. A repeat of a
    recorded sale (the same receipt) uses no voucher again. With `throttle_scopes`, each use
    is counted like a look-up (the till's guesses). `then(result)` runs after the vouchers, in
    the same transaction, for a new sale only.
    """
    used: list[Voucher] = []

    def use_vouchers(result: PurchaseResult) -> None:
        for code in codes:
            try:
                used.append(_use(shop, code, result.purchase, amount, actor, throttle_scopes))
            except DomainError as error:
                error.voucher_code = code
                raise
        if then is not None:
            then(result)

    result = record_purchase(
        shop=shop,
        member=member,
        external_id=external_id,
        amount=amount,
        currency=currency,
        occurred_at=occurred_at,
        items=items,
        actor=actor,
        then=use_vouchers if codes or then is not None else None,
    )
    return SaleWithVouchers(result=result, vouchers=used)


def _use(shop, code, purchase, amount, actor, scopes) -> Voucher:
    def use() -> Voucher:
        return use_voucher(code=code, shop=shop, purchase=purchase, amount=amount, actor=actor)

    return guarded(scopes, use, merchant=shop.merchant) if scopes else use()


@transaction.atomic(savepoint=False)  # all or nothing with the caller: no savepoint
def reverse_sale(
    *, purchase: Purchase, actor: User, reason: str
) -> tuple[Purchase, list[tuple[Voucher, Voucher]]]:
    """Reverse a mistaken sale and give back the vouchers used on it, all or nothing.

    The sale never happened, so the customer keeps what they redeemed: each voucher is issued
    again as it was, same code and expiry (release_voucher). Returns the reversed sale and
    (voucher, the voucher given back) pairs. A refund does not do this: the discount was part
    of a real sale.
    """
    purchase = reverse_purchase(purchase=purchase, actor=actor, reason=reason)
    used = list(
        Voucher.objects.select_for_update(of=("self",))
        .filter(merchant_id=purchase.merchant_id, used_purchase=purchase, status=VoucherStatus.USED)
        .select_related("reward", "member", "merchant")
        .order_by("pk")
    )
    given = [
        (voucher, release_voucher(voucher=voucher, actor=actor, reason="sale reversed"))
        for voucher in used
    ]
    return purchase, given
