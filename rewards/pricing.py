"""Is a reward priced sensibly? Its cost in points, at the program's point value, against what
it gives.

A reward whose points are worth more than the reward makes members feel cheated; one whose points
are worth far less than the reward costs the merchant more than the program promised. The portal
shows a warning for either; it never refuses the price (a merchant may mean it).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from loyalty.models.points import Program
from loyalty.money import format_money, format_points
from loyalty.points.ledger import points_money
from rewards.models import RewardKind

# Points worth less than this share of the reward's value are "much less".
MUCH_LESS = Decimal("0.5")

OVERPRICED = "overpriced"
UNDERPRICED = "underpriced"


@dataclass(frozen=True)
class ValueWarning:
    verdict: str  # OVERPRICED or UNDERPRICED
    points_cost: int
    points_money: Decimal
    worth: Decimal
    message: str


def reward_worth(
    *, kind: str, value: Decimal | None, max_discount: Decimal | None
) -> Decimal | None:
    """What the reward gives in money, when that can be said without knowing the purchase.

    A percent discount is worth its maximum discount at most; without a maximum its worth
    depends on the basket, so there is nothing to compare.
    """
    worth = max_discount if kind == RewardKind.PERCENT_OFF else value
    if worth is None or worth <= 0:
        return None
    return Decimal(worth)


def _what(kind: str, worth: str, item: str) -> str:
    if kind == RewardKind.AMOUNT_OFF:
        return _("%(value)s off") % {"value": worth}
    if kind == RewardKind.PERCENT_OFF:
        return _("a discount of at most %(value)s") % {"value": worth}
    if kind == RewardKind.FREE_ITEM:
        return _("a %(value)s %(item)s") % {"value": worth, "item": item or _("item")}
    if kind == RewardKind.STORE_CREDIT:
        return _("%(value)s of store credit") % {"value": worth}
    return _("a perk worth %(value)s") % {"value": worth}


def value_warning(
    *,
    program: Program,
    kind: str,
    points_cost: int | None,
    value: Decimal | None,
    max_discount: Decimal | None = None,
    item: str = "",
) -> ValueWarning | None:
    """A warning when the points cost more than the reward is worth, or under half of it."""
    worth = reward_worth(kind=kind, value=value, max_discount=max_discount)
    if worth is None or not points_cost or points_cost <= 0 or not program.point_value:
        return None
    money = points_money(points_cost, program)
    if money > worth:
        verdict = OVERPRICED
        advice = _("Members pay more in points than the reward is worth.")
    elif money < worth * MUCH_LESS:
        verdict = UNDERPRICED
        advice = _(
            "The reward is worth more than twice its points: it costs you more than the "
            "program's point value."
        )
    else:
        return None
    merchant = program.merchant
    message = _("%(points)s = %(money)s of points for %(what)s.") % {
        "points": format_points(points_cost),
        "money": format_money(money, merchant),
        "what": _what(kind, format_money(worth, merchant), item),
    }
    return ValueWarning(
        verdict=verdict,
        points_cost=points_cost,
        points_money=money,
        worth=worth,
        message=f"{message} {advice}",
    )


def reward_value_warning(reward, program: Program) -> ValueWarning | None:
    return value_warning(
        program=program,
        kind=reward.kind,
        points_cost=reward.points_cost,
        value=reward.value,
        max_discount=reward.max_discount,
        item=reward.item,
    )
