"""Writing promotions: saving one from the portal, ending one early, and the campaigns' action
"start a points multiplier for that member for a window". Each writes an audit row."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import (
    Promotion,
    PromotionAudience,
    PromotionScope,
    PromotionStatus,
)
from campaigns.models.promotions import MAX_MULTIPLIER, MIN_MULTIPLIER
from loyalty.audit import log_action
from loyalty.errors import DomainError
from loyalty.models import Event, Merchant, User
from members.models import Member


def _audit_data(promotion: Promotion) -> dict:
    return {
        "name": promotion.name,
        "multiplier": str(promotion.multiplier),
        "starts_at": promotion.starts_at.isoformat(),
        "ends_at": promotion.ends_at.isoformat(),
        "applies_to": promotion.applies_to,
        "audience": promotion.audience,
        "points_budget": promotion.points_budget,
    }


def _check(promotion: Promotion) -> None:
    if not MIN_MULTIPLIER <= promotion.multiplier <= MAX_MULTIPLIER:
        raise DomainError(
            _("A multiplier is between %(low)s and %(high)s.")
            % {"low": MIN_MULTIPLIER, "high": MAX_MULTIPLIER},
            code="invalid_multiplier",
        )
    if promotion.ends_at <= promotion.starts_at:
        raise DomainError(_("The end must come after the start."), code="invalid_window")
    for other in (promotion.segment, promotion.member):
        if other is not None and other.merchant_id != promotion.merchant_id:
            raise DomainError(_("No such segment or member."), code="not_found")


@transaction.atomic
def save_promotion(*, promotion: Promotion, actor: User | None) -> Promotion:
    """Create or update a promotion from the portal's form (validated there; checked again).

    A budget lowered to what it already gave marks it spent; one raised above that on a spent
    promotion makes it active again. `bonus_given` and `sales` are never written here: the
    sales' charges own them (the row is locked and read afresh first).
    """
    _check(promotion)
    created = promotion.pk is None
    if not created:
        current = Promotion.objects.select_for_update().get(
            pk=promotion.pk, merchant=promotion.merchant
        )
        promotion.bonus_given, promotion.sales = current.bonus_given, current.sales
        promotion.status, promotion.ended_at = current.status, current.ended_at
    if promotion.applies_to != PromotionScope.CATEGORIES:
        promotion.categories = []
    if promotion.applies_to != PromotionScope.SKUS:
        promotion.skus = []
    if promotion.points_budget is not None and promotion.bonus_given >= promotion.points_budget:
        if promotion.bonus_given > promotion.points_budget:
            raise DomainError(
                _("This promotion already gave %(points)s bonus points; the budget cannot be less.")
                % {"points": promotion.bonus_given},
                code="budget_below_given",
            )
        if promotion.status == PromotionStatus.ACTIVE:
            promotion.status = PromotionStatus.SPENT
    elif promotion.status == PromotionStatus.SPENT:
        promotion.status = PromotionStatus.ACTIVE
    promotion.save()
    log_action(
        merchant=promotion.merchant,
        actor=actor,
        action="campaigns.promotion.created" if created else "campaigns.promotion.updated",
        target=promotion,
        data=_audit_data(promotion),
    )
    return promotion


@transaction.atomic
def end_promotion(
    *, promotion: Promotion, actor: User | None, now: datetime | None = None
) -> Promotion:
    """End a promotion now: no sale after this gives its bonus. Ending it twice changes
    nothing the second time."""
    now = now or timezone.now()
    promotion = Promotion.objects.select_for_update().get(
        pk=promotion.pk, merchant=promotion.merchant
    )
    if promotion.status != PromotionStatus.ACTIVE or promotion.ends_at <= now:
        return promotion
    promotion.status = PromotionStatus.ENDED
    promotion.ended_at = now
    promotion.save(update_fields=["status", "ended_at"])
    log_action(
        merchant=promotion.merchant,
        actor=actor,
        action="campaigns.promotion.ended",
        target=promotion,
        data={"bonus_given": promotion.bonus_given, "sales": promotion.sales},
    )
    return promotion


def start_member_multiplier(
    *,
    merchant: Merchant,
    member: Member,
    multiplier: Decimal,
    starts_at: datetime,
    ends_at: datetime,
    name: str,
    points_budget: int | None = None,
    actor: User | None = None,
) -> Promotion:
    """The campaigns' action: a points multiplier on the whole sale for one member over a
    window (an automation's step calls it with its own name, "Welcome week x2")."""
    if member.merchant_id != merchant.pk:
        raise DomainError(_("No such member."), code="not_found")
    return save_promotion(
        promotion=Promotion(
            merchant=merchant,
            name=name,
            multiplier=multiplier,
            starts_at=starts_at,
            ends_at=ends_at,
            audience=PromotionAudience.MEMBER,
            member=member,
            points_budget=points_budget,
            created_by=actor,
        ),
        actor=actor,
    )


def follow_merge(event: Event) -> None:
    """The outbox consumer of `member.merged`: the duplicate's own multipliers that have not
    ended yet (a campaign's "Welcome week x2") move to the card that survived, so the member
    keeps the offer they were told about. Idempotent: a second hand-over finds none left."""
    payload = event.payload or {}
    survivor = Member.objects.filter(
        merchant_id=event.merchant_id, pk=payload.get("member")
    ).first()
    if survivor is None or not payload.get("duplicate"):
        return
    Promotion.objects.filter(
        merchant_id=event.merchant_id,
        audience=PromotionAudience.MEMBER,
        member_id=payload["duplicate"],
        ends_at__gt=timezone.now(),
    ).update(member=survivor)
