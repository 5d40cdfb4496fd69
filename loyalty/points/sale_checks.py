"""What a sale must be before it earns anything: a positive amount in cents, the merchant's
currency, a time that is not in the future, items that add up, and no more than the program's
maximum (a typo at the till is not a sale). Used by `purchases.record_purchase` and by the
POS form, so the till refuses what the engine would.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import Merchant
from loyalty.models.points import Program
from loyalty.money import format_money
from loyalty.points.ledger import (
    CENT,
    AmountTooLarge,
    InvalidAmount,
    ItemsMismatch,
    PurchaseInFuture,
    WrongCurrency,
)

CLOCK_SKEW = timedelta(minutes=5)


def check_sale_amount(program: Program, amount: Decimal) -> None:
    """Refuse a sale above the program's maximum: a typo at the till, not a sale."""
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


def validate_sale(
    *,
    merchant: Merchant,
    amount: Decimal,
    currency: str | None,
    occurred_at: datetime,
    items: list[dict] | None,
    now: datetime,
) -> list[dict]:
    """Refuse what cannot be a sale (amount, currency, time, items); returns the clean items."""
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
