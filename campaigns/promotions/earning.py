"""The campaigns' promotion source for the earning seam (`loyalty.points.earning`).

`promotions_for_sale` is registered in `campaigns.apps`: for a member's sale it reads the
merchant's promotions live at the sale's time in one query (plus one for segment membership
when a segment promotion is among them) and answers them as `earning.Promotion`s, each with a
`charge` that adds what it gave to its counters in the sale's transaction.

The budget's guarantee: `bonus_given` never exceeds `points_budget`. The charge is one
conditional `UPDATE … SET bonus_given = bonus_given + n WHERE status = 'active' AND
bonus_given <= points_budget - n`; PostgreSQL re-checks the condition on the row a concurrent
sale just committed, so of two sales that both read "50 left" and both want 50, one is charged
and the other is refused and earned again with what is left (nothing: the promotion is spent).
The sale that reaches the budget gets exactly what was left (its bonus is cut to it) and turns
the promotion to "budget spent" in the same statement. The check constraint
`promotion_within_budget` holds the same line in the database. Refunds claw back the points
as for any sale; they do not give budget back (the budget counts bonus points given).
"""

from datetime import datetime

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from campaigns.models import Promotion, PromotionAudience, PromotionScope, PromotionStatus
from campaigns.segments.rules import InvalidRules, segment_members
from loyalty.models import Merchant, Shop
from loyalty.points import earning
from loyalty.points.hooks import probed_none
from members.models import Member


def live_promotions(merchant: Merchant, member: Member, moment: datetime) -> list[Promotion]:
    """The promotions of the merchant that apply to this member's sale at `moment`: active,
    in their window, and for everyone, this member, or a segment the member is in."""
    rows = list(
        Promotion.objects.for_merchant(merchant)
        .filter(status=PromotionStatus.ACTIVE, starts_at__lte=moment, ends_at__gt=moment)
        .filter(Q(member__isnull=True) | Q(member=member))
        .select_related("segment")
        .order_by("starts_at", "pk")
    )
    in_segments = _segments_holding(merchant, member, [r for r in rows if r.segment_id])
    return [
        row
        for row in rows
        if row.audience != PromotionAudience.SEGMENT or row.segment_id in in_segments
    ]


def _segments_holding(merchant: Merchant, member: Member, rows: list[Promotion]) -> set[int]:
    """The segments (of these promotions) that hold the member now, in one query."""
    segments = {row.segment_id: row.segment for row in rows}
    if not segments:
        return set()
    checks = {}
    for pk, segment in segments.items():
        try:
            checks[f"in_{pk}"] = Exists(segment_members(segment).filter(pk=OuterRef("pk")))
        except InvalidRules:
            # A saved tree that no longer holds (a field removed since) must not stop the
            # till: the promotion applies to nobody until the segment is fixed.
            continue
    if not checks:
        return set()
    found = (
        Member.objects.for_merchant(merchant)
        .filter(pk=member.pk)
        .annotate(**checks)
        .values(*checks)
        .first()
    )
    return {int(name[3:]) for name, inside in (found or {}).items() if inside}


def label(promotion: Promotion) -> str:
    """“Double points weekend x2” (with a multiplication sign): the words of its part of the
    purchase breakdown."""
    return _("%(name)s ×%(multiplier)s") % {  # noqa: RUF001
        "name": promotion.name,
        "multiplier": multiplier_text(promotion),
    }


def multiplier_text(promotion: Promotion) -> str:
    """2.00 → “2”, 1.50 → “1.5”."""
    return format(promotion.multiplier.normalize(), "f")


def as_earning(promotion: Promotion) -> earning.Promotion:
    """The promotion as the earning seam takes it, with its scope, budget and charge."""
    return earning.Promotion(
        multiplier=promotion.multiplier,
        label=label(promotion),
        categories=frozenset(c.lower() for c in promotion.categories)
        if promotion.applies_to == PromotionScope.CATEGORIES
        else frozenset(),
        skus=frozenset(s.lower() for s in promotion.skus)
        if promotion.applies_to == PromotionScope.SKUS
        else frozenset(),
        budget_left=promotion.budget_left,
        reference=f"promotion:{promotion.pk}",
        charge=_charger(promotion.pk, budgeted=promotion.points_budget is not None),
    )


def _charger(promotion_id: int, *, budgeted: bool):
    def charge(points: int) -> bool:
        return charge_promotion(promotion_id, points, budgeted=budgeted)

    return charge


def charge_promotion(promotion_id: int, points: int, *, budgeted: bool) -> bool:
    """Add `points` to what the promotion gave, in the caller's transaction: one UPDATE that
    matches only while it is active and, with a budget, while the points still fit in it."""
    rows: QuerySet[Promotion] = Promotion.objects.filter(
        pk=promotion_id, status=PromotionStatus.ACTIVE
    )
    updates: dict = {"bonus_given": F("bonus_given") + points, "sales": F("sales") + 1}
    if budgeted:
        rows = rows.filter(bonus_given__lte=F("points_budget") - points)
        updates["status"] = Case(
            When(bonus_given__gte=F("points_budget") - points, then=Value(PromotionStatus.SPENT)),
            default=F("status"),
        )
    return rows.update(**updates) == 1


def promotions_probe() -> Exists:
    """The sale probe (`loyalty.points.hooks`): has the sale's merchant an active promotion
    (in its window or not: a superset, the source reads the window)?"""
    return Exists(
        Promotion.objects.filter(merchant_id=OuterRef("merchant_id"), status=PromotionStatus.ACTIVE)
    )


def promotions_for_sale(
    *, merchant: Merchant, member: Member | None, shop: Shop, occurred_at: datetime
) -> list[earning.Promotion]:
    """The earning seam's source: anonymous sales get no promotion."""
    if member is None or probed_none(member, "promotions"):
        return []
    return [as_earning(row) for row in live_promotions(merchant, member, occurred_at)]
