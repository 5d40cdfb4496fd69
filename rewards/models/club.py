"""A paid VIP club: a membership the till sells like any item, with a multiplier and perks.

A `Club` is the merchant's definition: the product (SKU) the till sells, its term, the points
multiplier its members earn and the perks they may use. Fidela takes no payment: the price is
what the portal shows; the till sells the product and reports the sale with its line items.

A `ClubMembership` is one term a member bought (a sale of quantity 2 is two rows). The terms of
a member chain: a renewal bought before the end starts on the old end date, so the member's
membership runs "until" the last active term's `ends_on` (both dates the merchant's, inclusive).
A reversed or refunded sale cancels its terms; the nightly job marks an ended chain lapsed.

A `ClubPerk` is metered: so many uses per day, week or month (optionally on one weekday only).
Each use is a `PerkUse` row, append-only, numbered 1..uses within its period; the database's
unique (perk, member, period_start, n) refuses a second use from another till at the same
moment.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, Shop, TenantQuerySet
from loyalty.models.points import Purchase
from rewards.models.challenges import Weekday  # the same days as a challenge's


class Club(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="clubs")
    name = models.CharField(_("name"), max_length=80)
    # The merchant's words in other languages, {"ro": {"name": ...}} (loyalty.content).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    # Lower-cased, matched against a sale's line items like the stamp cards' SKUs.
    sku = models.CharField(
        _("product (SKU)"),
        max_length=64,
        help_text=_("The till sells the membership as this product; each one sold is a term."),
    )
    price = models.DecimalField(
        _("price"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("What the till charges for a term; Fidela takes no payment."),
    )
    term_days = models.PositiveSmallIntegerField(
        _("term (days)"), default=365, validators=[MinValueValidator(1), MaxValueValidator(3660)]
    )
    multiplier = models.DecimalField(
        _("points multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
        help_text=_("Members earn this many times the points on every sale."),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("renewal reminder (days before the end)"),
        default=14,
        validators=[MaxValueValidator(365)],
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # One active club per product: a sale's line can only start one membership.
            models.UniqueConstraint(
                fields=["merchant", "sku"],
                condition=models.Q(active=True),
                name="club_active_sku_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(sku=models.functions.Lower("sku")), name="club_sku_lower"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LAPSED = "lapsed", _("Lapsed")
    CANCELLED = "cancelled", _("Cancelled")


class ClubMembership(models.Model):
    """One term of a member's club membership (see the module's docstring)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="memberships")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="club_memberships"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    purchase = models.ForeignKey(
        Purchase, on_delete=models.PROTECT, null=True, blank=True, related_name="club_terms"
    )
    status = models.CharField(
        max_length=10, choices=MembershipStatus, default=MembershipStatus.ACTIVE
    )
    renewal_notified = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["club", "member", "starts_on", "id"]
        indexes = [
            models.Index(fields=["member", "status", "ends_on"], name="club_term_member"),
            models.Index(fields=["club", "status", "ends_on"], name="club_term_club"),
            models.Index(fields=["purchase"], name="club_term_purchase"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="club_term_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.club} {self.starts_on} to {self.ends_on}"


class PerkPeriod(models.TextChoices):
    DAY = "day", _("per day")
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


class ClubPerk(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="perks")
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The merchant's words in other languages, {"ro": {"name": ...}} (loyalty.content).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    period = models.CharField(_("period"), max_length=8, choices=PerkPeriod, default=PerkPeriod.DAY)
    uses = models.PositiveSmallIntegerField(
        _("uses per period"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    weekday = models.PositiveSmallIntegerField(
        _("only on"),
        choices=Weekday,
        null=True,
        blank=True,
        help_text=_("Empty: any day."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    # A perk already used is never deleted (its uses keep it): removing it ends it.
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(uses__gte=1), name="club_perk_uses_ge_1"),
        ]

    def __str__(self) -> str:
        return self.name


class PerkUse(models.Model):
    """An append-only row: the n-th use of a perk by a member in the period starting then."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    perk = models.ForeignKey(ClubPerk, on_delete=models.PROTECT, related_name="used")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="perk_uses")
    period_start = models.DateField()
    n = models.PositiveSmallIntegerField()
    shop = models.ForeignKey(Shop, on_delete=models.SET_NULL, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["perk", "member", "period_start", "n"], name="perk_use_once"
            ),
            models.CheckConstraint(condition=models.Q(n__gte=1), name="perk_use_n_ge_1"),
        ]

    def __str__(self) -> str:
        return f"{self.perk} #{self.n} {self.period_start}"
