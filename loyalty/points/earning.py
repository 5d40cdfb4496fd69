"""The earning rules as a pure function: what a sale earns, from plain values, without a query.

`purchases.record_purchase` gathers the inputs (the program's rules, the member's tier, today's
count of sales, whether the first-purchase bonus was paid, the promotions that apply) and writes
what `earn` answers. Campaigns' multipliers and A/B variants plug in here, through the
promotions (`register_promotion`), and change nothing else.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

from django.db import transaction
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
    """A points multiplier that applies to a sale, with the words the receipt shows.

    With `categories` or `skus` (lower-cased) it multiplies only the share of the eligible
    amount that those lines make (by their price, so a discount line lowers every share
    alike); with neither, the whole sale. `budget_left` is the most bonus points it may still
    give (None: no limit): the sale that reaches it gets what is left. `charge`, if given, is
    called by `record_purchase` in the sale's transaction with the bonus points the promotion
    gave; it answers False when it can no longer give them (a concurrent sale spent the
    budget, or it ended meanwhile), and the sale is earned again with what the sources answer
    then.
    """

    multiplier: Decimal
    label: str
    categories: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()
    budget_left: int | None = None
    reference: str = ""  # kept with its part of the breakdown ("promotion:12")
    charge: Callable[[int], bool] | None = field(default=None, compare=False)

    @property
    def scoped(self) -> bool:
        return bool(self.categories or self.skus)

    def covers(self, item: dict) -> bool:
        return (
            item.get("category", "").lower() in self.categories
            or item.get("sku", "").lower() in self.skus
        )


@dataclass(frozen=True)
class Earning:
    """What a sale earns: the sale's points, the first-purchase bonus and how they add up."""

    eligible: Decimal
    points: int = 0
    bonus: int = 0
    breakdown: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    # Each promotion with the bonus points it gave, after the per-sale cap (what its budget
    # is charged).
    promotions: list[tuple[Promotion, int]] = field(default_factory=list)

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
    given: list[tuple[Promotion, int]] = []
    over_daily_limit = (
        rules.max_purchases_per_day is not None and purchases_today >= rules.max_purchases_per_day
    )
    if over_daily_limit:
        flags.append("daily_purchase_limit")
    elif eligible >= rules.min_purchase_amount and eligible > 0:
        base = _floor(eligible * rules.points_per_unit)
        with_tier = _floor(base * tier_multiplier)
        points = with_tier
        if promotions and base:
            points, given = _promoted(
                Fraction(base) * Fraction(tier_multiplier), rules, items, promotions
            )
        if base:
            breakdown.append({"kind": "base", "points": base, "label": _("base")})
        if with_tier > base:
            label = _("%(tier)s bonus") % {"tier": tier_name}
            breakdown.append({"kind": "tier", "points": with_tier - base, "label": label})
        for promotion, gave in given:
            if gave:
                part = {"kind": "promotion", "points": gave, "label": promotion.label}
                if promotion.reference:
                    part["reference"] = promotion.reference
                breakdown.append(part)
        cap = rules.max_points_per_purchase
        if cap is not None and points > cap:
            label = _("over the per-sale limit")
            breakdown.append({"kind": "cap", "points": cap - points, "label": label})
            given = _after_cap(given, points - cap)
            points = cap
            flags.append("points_cap")
    bonus = rules.first_purchase_bonus if first_purchase else 0
    if bonus:
        breakdown.append({"kind": "bonus", "points": bonus, "label": _("first purchase bonus")})
    return Earning(
        eligible=eligible,
        points=points,
        bonus=bonus,
        breakdown=breakdown,
        flags=flags,
        promotions=[(promotion, gave) for promotion, gave in given if gave],
    )


def _promoted(
    with_tier: Fraction, rules: Rules, items: Sequence[dict], promotions: Sequence[Promotion]
) -> tuple[int, list[tuple[Promotion, int]]]:
    """The sale's points after the promotions, and the points each added, in their order.

    The points after the tier are shared among the lines that earn (positive, not excluded)
    by their price; each promotion multiplies the shares of the lines it covers (all of them
    without categories or SKUs), so two promotions on one line multiply each other, as two
    multipliers on the whole sale always did. Exact fractions, one rounding down at the end:
    what each promotion shows is the points it moved the rounded total by, so the parts add
    up, and a budget cuts its promotion's share to exactly what is left.
    """
    lines = [
        item
        for item in items
        if Decimal(item["quantity"]) * Decimal(item["unit_price"]) > 0
        and item["category"].lower() not in rules.excluded_categories
        and item["sku"].lower() not in rules.excluded_skus
    ]
    weights = [Fraction(Decimal(i["quantity"]) * Decimal(i["unit_price"])) for i in lines]
    total = sum(weights)
    shares = [with_tier * weight / total for weight in weights] if total else [with_tier]
    lines = lines if total else [{}]
    given = []
    for promotion in promotions:
        covered = [
            j for j, line in enumerate(lines) if not promotion.scoped or promotion.covers(line)
        ]
        before = sum(shares)
        extra = sum(shares[j] for j in covered) * (Fraction(promotion.multiplier) - 1)
        gave = math.floor(before + extra) - math.floor(before)
        ratio = Fraction(1)
        if promotion.budget_left is not None and gave > max(0, promotion.budget_left):
            gave = max(0, promotion.budget_left)
            ratio = max(Fraction(0), (math.floor(before) + gave - before) / extra)
        for j in covered:
            shares[j] += shares[j] * (Fraction(promotion.multiplier) - 1) * ratio
        given.append((promotion, gave))
    return math.floor(sum(shares)), given


def _after_cap(given: list[tuple[Promotion, int]], excess: int) -> list[tuple[Promotion, int]]:
    """What the promotions gave once the per-sale cap took `excess` off the top, the last
    promotion first (the cap cuts what was added last)."""
    kept = []
    for promotion, gave in reversed(given):
        cut = min(gave, excess)
        excess -= cut
        kept.append((promotion, gave - cut))
    return list(reversed(kept))


# --- Promotions ----------------------------------------------------------------------------------

# A promotion source (campaigns, A/B variants) answers the Promotion that applies to a sale, a
# list of them, or None. It may read the database (record_purchase calls it in the sale's
# transaction, after the member's row is locked); `earn` itself never does.
PromotionSource = Callable[..., Promotion | list[Promotion] | tuple[Decimal, str] | None]
_PROMOTION_SOURCES: list[PromotionSource] = []


def register_promotion(source: PromotionSource) -> None:
    """Let `source(merchant=, member=, shop=, occurred_at=)` add multipliers to sales."""
    if source not in _PROMOTION_SOURCES:
        _PROMOTION_SOURCES.append(source)


def unregister_promotion(source: PromotionSource) -> None:
    """Take a promotion source away again (tests, a campaign that ends)."""
    if source in _PROMOTION_SOURCES:
        _PROMOTION_SOURCES.remove(source)


def promotions_for(
    *, merchant: Merchant, member: Member | None, shop: Shop, occurred_at: datetime
) -> list[Promotion]:
    """The promotions that apply to this sale, from every registered source, in their order."""
    found: list[Promotion] = []
    for source in _PROMOTION_SOURCES:
        answer = source(merchant=merchant, member=member, shop=shop, occurred_at=occurred_at)
        if isinstance(answer, list):
            found.extend(answer)
        elif answer:
            found.append(answer if isinstance(answer, Promotion) else Promotion(*answer))
    return found


class _ChargeRefused(Exception):
    """A promotion refused its charge: roll back the charges made before it."""


def charge_promotions(earning: Earning) -> bool:
    """Tell each promotion of the sale the bonus points it gave (`Promotion.charge`), in the
    caller's transaction. False when one refuses: then no charge of this sale stands (with two
    or more, a savepoint undoes the earlier ones) and the caller earns the sale again.
    """
    charged = [(p, points) for p, points in earning.promotions if p.charge is not None]
    if len(charged) < 2:
        return all(promotion.charge(points) for promotion, points in charged)
    try:
        with transaction.atomic():
            for promotion, points in charged:
                if not promotion.charge(points):
                    raise _ChargeRefused
    except _ChargeRefused:
        return False
    return True
