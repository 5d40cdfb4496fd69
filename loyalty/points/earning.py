"""The earning rules as a pure function: what a sale earns, from plain values, without a query.

`purchases.record_purchase` gathers the inputs (the program's rules, the member's tier, today's
count of sales, whether the first-purchase bonus was paid, the promotions that apply) and writes
what `earn` answers. Campaigns' multipliers and A/B variants plug in here, through the
promotions (`register_promotion`), and change nothing else.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _

from loyalty.models import Merchant, Shop
from loyalty.models.points import Program
from loyalty.points.ledger import CENT
from members.models import Member


@dataclass(frozen=True)
class Rules:
    """The program's earning rules, as plain values."""

    points_per_unit: Decimal = Decimal("1")
    min_purchase_amount: Decimal = Decimal("0")
    max_points_per_purchase: int | None = None
    max_purchases_per_day: int | None = None
    first_purchase_bonus: int = 0
    excluded_categories: frozenset[str] = frozenset()
    excluded_skus: frozenset[str] = frozenset()

    @classmethod
    def of(cls, program: Program) -> "Rules":
        return cls(
            points_per_unit=program.points_per_unit,
            min_purchase_amount=program.min_purchase_amount,
            max_points_per_purchase=program.max_points_per_purchase,
            max_purchases_per_day=program.max_purchases_per_day,
            first_purchase_bonus=program.first_purchase_bonus,
            excluded_categories=frozenset(c.lower() for c in program.excluded_categories),
            excluded_skus=frozenset(s.lower() for s in program.excluded_skus),
        )


@dataclass(frozen=True)
class Promotion:
    """A points multiplier that applies to a sale, with the words the receipt shows."""

    multiplier: Decimal
    label: str


@dataclass(frozen=True)
class Earning:
    """What a sale earns: the sale's points, the first-purchase bonus and how they add up."""

    eligible: Decimal
    points: int = 0
    bonus: int = 0
    breakdown: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.points + self.bonus


def eligible_amount(rules: Rules, amount: Decimal, items: Sequence[dict]) -> Decimal:
    """What of the amount paid earns points: the amount less the excluded products' lines.

    A negative line is a discount (a coupon, a return on the receipt, a deposit given back).
    It already lowered the amount paid, excluded or not; taking it off again as an exclusion
    would raise what earns above what was paid (-990.00 of tobacco and 1,000.00 of coffee on
    a sale of 10.00 would earn 1,000 points). So only positive excluded lines are taken off,
    and what earns is never more than the amount paid nor less than zero.
    """
    if not items or not (rules.excluded_categories or rules.excluded_skus):
        return amount
    excluded = Decimal("0")
    for item in items:
        line = Decimal(item["quantity"]) * Decimal(item["unit_price"])
        if line > 0 and (
            item["category"].lower() in rules.excluded_categories
            or item["sku"].lower() in rules.excluded_skus
        ):
            excluded += line
    return min(amount, max(Decimal("0"), amount - excluded)).quantize(CENT)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def earn(
    *,
    rules: Rules,
    amount: Decimal,
    items: Sequence[dict] = (),
    tier_name: str = "",
    tier_multiplier: Decimal = Decimal("1"),
    promotions: Sequence[Promotion] = (),
    purchases_today: int = 0,
    first_purchase: bool = False,
) -> Earning:
    """The points of one sale, by the program's rules, in the order the receipt explains them:
    base, tier bonus, promotions, the per-sale cap, then the first-purchase bonus.

    Over the daily purchase limit a sale earns nothing (flag `daily_purchase_limit`); below
    the minimum it earns nothing either. Every step rounds down, so the member never gets a
    point the rules do not give.
    """
    eligible = eligible_amount(rules, amount, items)
    breakdown: list[dict] = []
    flags: list[str] = []
    points = 0
    over_daily_limit = (
        rules.max_purchases_per_day is not None and purchases_today >= rules.max_purchases_per_day
    )
    if over_daily_limit:
        flags.append("daily_purchase_limit")
    elif eligible >= rules.min_purchase_amount and eligible > 0:
        base = _floor(eligible * rules.points_per_unit)
        promo_multiplier = Decimal("1")
        for promotion in promotions:
            promo_multiplier *= promotion.multiplier
        with_tier = _floor(base * tier_multiplier)
        points = _floor(base * tier_multiplier * promo_multiplier)
        if base:
            breakdown.append({"kind": "base", "points": base, "label": _("base")})
        if with_tier > base:
            label = _("%(tier)s bonus") % {"tier": tier_name}
            breakdown.append({"kind": "tier", "points": with_tier - base, "label": label})
        if points > with_tier:
            label = ", ".join(promotion.label for promotion in promotions)
            breakdown.append({"kind": "promotion", "points": points - with_tier, "label": label})
        cap = rules.max_points_per_purchase
        if cap is not None and points > cap:
            label = _("over the per-sale limit")
            breakdown.append({"kind": "cap", "points": cap - points, "label": label})
            points = cap
            flags.append("points_cap")
    bonus = rules.first_purchase_bonus if first_purchase else 0
    if bonus:
        breakdown.append({"kind": "bonus", "points": bonus, "label": _("first purchase bonus")})
    return Earning(eligible=eligible, points=points, bonus=bonus, breakdown=breakdown, flags=flags)


# --- Promotions ----------------------------------------------------------------------------------

# A promotion source (campaigns, A/B variants) answers the Promotion that applies to a sale, or
# None. It may read the database; `earn` itself never does.
PromotionSource = Callable[..., Promotion | tuple[Decimal, str] | None]
_PROMOTION_SOURCES: list[PromotionSource] = []


def register_promotion(source: PromotionSource) -> None:
    """Let `source(merchant=, member=, shop=, occurred_at=)` add a multiplier to sales."""
    if source not in _PROMOTION_SOURCES:
        _PROMOTION_SOURCES.append(source)


def unregister_promotion(source: PromotionSource) -> None:
    """Take a promotion source away again (tests, a campaign that ends)."""
    if source in _PROMOTION_SOURCES:
        _PROMOTION_SOURCES.remove(source)


def promotions_for(
    *, merchant: Merchant, member: Member | None, shop: Shop, occurred_at: datetime
) -> list[Promotion]:
    """The promotions that apply to this sale, from every registered source."""
    found = []
    for source in _PROMOTION_SOURCES:
        answer = source(merchant=merchant, member=member, shop=shop, occurred_at=occurred_at)
        if answer:
            found.append(answer if isinstance(answer, Promotion) else Promotion(*answer))
    return found
