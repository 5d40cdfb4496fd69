"""Promotions: time-limited points multipliers ("double points this weekend", "x3 on coffee
beans in March") for everyone, a segment or one member, on the whole sale, some categories or
some SKUs, with an optional budget of bonus points.

The earning seam (`loyalty.points.earning`) applies them; `campaigns.promotions.earning` is the
source that reads them for a sale and charges what they gave to `bonus_given` in the sale's
transaction. A promotion's `status` says whether it may still give points: active, ended early
by hand, or its budget spent; the window (`starts_at`, `ends_at`) says when.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, TenantQuerySet

MIN_MULTIPLIER = Decimal("1.01")
MAX_MULTIPLIER = Decimal("10")


class PromotionScope(models.TextChoices):
    SALE = "sale", _("The whole sale")
    CATEGORIES = "categories", _("Some categories")
    SKUS = "skus", _("Some products (SKUs)")


class PromotionAudience(models.TextChoices):
    EVERYONE = "everyone", _("Every member")
    SEGMENT = "segment", _("A segment")
    MEMBER = "member", _("One member")


class PromotionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended early")
    SPENT = "spent", _("Budget spent")


class Promotion(models.Model):
    """A points multiplier over a window. `categories` and `skus` are lower-cased lists, as the
    earning rules compare them; `bonus_given` counts the bonus points it gave (never more than
    `points_budget`, which a check constraint holds), `sales` the sales it gave them on."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    multiplier = models.DecimalField(_("multiplier"), max_digits=4, decimal_places=2)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    applies_to = models.CharField(
        _("applies to"), max_length=12, choices=PromotionScope, default=PromotionScope.SALE
    )
    categories = models.JSONField(_("categories"), default=list, blank=True)
    skus = models.JSONField(_("SKUs"), default=list, blank=True)
    audience = models.CharField(
        _("for"), max_length=10, choices=PromotionAudience, default=PromotionAudience.EVERYONE
    )
    # A segment in use cannot be deleted: the promotion would silently reach everyone.
    segment = models.ForeignKey(
        "campaigns.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promotions",
        verbose_name=_("segment"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="promotions",
        verbose_name=_("member"),
    )
    points_budget = models.PositiveIntegerField(_("budget of bonus points"), null=True, blank=True)
    bonus_given = models.PositiveIntegerField(default=0)
    sales = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=PromotionStatus, default=PromotionStatus.ACTIVE)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["merchant", "status", "ends_at"], name="promotion_merchant_live")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__gte=MIN_MULTIPLIER, multiplier__lte=MAX_MULTIPLIER),
                name="promotion_multiplier_range",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="promotion_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(points_budget__isnull=True) | Q(bonus_given__lte=F("points_budget")),
                name="promotion_within_budget",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        audience=PromotionAudience.EVERYONE,
                        segment__isnull=True,
                        member__isnull=True,
                    )
                    | Q(
                        audience=PromotionAudience.SEGMENT,
                        segment__isnull=False,
                        member__isnull=True,
                    )
                    | Q(
                        audience=PromotionAudience.MEMBER,
                        segment__isnull=True,
                        member__isnull=False,
                    )
                ),
                name="promotion_audience",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def budget_left(self) -> int | None:
        if self.points_budget is None:
            return None
        return max(0, self.points_budget - self.bonus_given)

    def state(self, now=None) -> str:
        """scheduled, running, ended (its window closed), ended_early or spent."""
        now = now or timezone.now()
        if self.status == PromotionStatus.SPENT:
            return "spent"
        if self.status == PromotionStatus.ENDED:
            return "ended_early"
        if now < self.starts_at:
            return "scheduled"
        if now >= self.ends_at:
            return "ended"
        return "running"

    def applies_now(self, now=None) -> bool:
        return self.state(now) == "running"
