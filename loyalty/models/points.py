"""The points engine: program rules, tiers, purchases, refunds, the ledger, lots and events.

The ledger (`PointsEntry`) is append-only. Earned points form lots (`PointsLot`) whose
`remaining` is the allocation bookkeeping that redemptions, clawbacks and expiry consume,
oldest first. Invariants, checked by `reconcile_points` and the property-based tests:

- points_balance + pending_points == sum of the member's ledger entries
- pending_points == sum of `remaining` of the member's lots not yet released
- when points_balance >= 0, it equals the sum of `remaining` of released lots; when it is
  negative (a clawback took more than was left), every released lot is empty.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.compiled import insert
from loyalty.models.tenancy import Merchant, Shop, TenantQuerySet


class ExpiryMode(models.TextChoices):
    NONE = "none", _("Points never expire")
    AFTER_EARNING = "after_earning", _("N months after they were earned")
    INACTIVITY = "inactivity", _("After N months without a purchase")


class BirthdayMode(models.TextChoices):
    MONTH = "month", _("During the birthday month")
    DAY = "day", _("On the birthday")


class TierBasis(models.TextChoices):
    SPEND = "spend", _("Money spent")
    POINTS = "points", _("Points earned")


class TierWindow(models.TextChoices):
    ROLLING = "rolling", _("Rolling months")
    CALENDAR_YEAR = "calendar_year", _("Calendar year")


# The largest amount one sale can be anywhere in Fidela (the API's ceiling too): ledger sums
# stay far from overflowing.
SALE_AMOUNT_CEILING = Decimal("999999.99")

# Sale amounts a till should question, by currency: (unusual, maximum). The unusual amount asks
# the cashier to confirm; the maximum is refused. About 500 / 10,000 euros in each currency,
# rounded; a program sets its own to override them (empty = these). Unknown currency: EUR's.
SALE_LIMITS_BY_CURRENCY: dict[str, tuple[Decimal, Decimal]] = {
    "EUR": (Decimal("500"), Decimal("10000")),
    "RON": (Decimal("2500"), Decimal("50000")),
    "GBP": (Decimal("500"), Decimal("10000")),
    "USD": (Decimal("500"), Decimal("10000")),
    "CHF": (Decimal("500"), Decimal("10000")),
    "PLN": (Decimal("2000"), Decimal("40000")),
    "CZK": (Decimal("12500"), Decimal("250000")),
    "HUF": (Decimal("200000"), SALE_AMOUNT_CEILING),
    "SEK": (Decimal("5000"), Decimal("100000")),
    "DKK": (Decimal("4000"), Decimal("75000")),
    "NOK": (Decimal("5000"), Decimal("100000")),
}


def default_sale_limits(currency: str) -> tuple[Decimal, Decimal]:
    """(unusual, maximum) sale amounts for a merchant of this currency."""
    return SALE_LIMITS_BY_CURRENCY.get((currency or "").upper(), SALE_LIMITS_BY_CURRENCY["EUR"])


class Program(models.Model):
    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="program")
    points_per_unit = models.DecimalField(
        _("points per currency unit"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Points earned for each unit of money spent, rounded down."),
    )
    min_purchase_amount = models.DecimalField(
        _("minimum purchase to earn"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    excluded_categories = models.JSONField(
        _("categories that earn nothing"), default=list, blank=True
    )
    excluded_skus = models.JSONField(_("SKUs that earn nothing"), default=list, blank=True)
    point_value = models.DecimalField(
        _("value of one point"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0.01"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    pending_days = models.PositiveSmallIntegerField(
        _("pending days"),
        default=0,
        help_text=_("Points can be spent this many days after the purchase (returns window)."),
    )
    expiry_mode = models.CharField(
        _("expiry"), max_length=16, choices=ExpiryMode, default=ExpiryMode.NONE
    )
    expiry_months = models.PositiveSmallIntegerField(_("expiry months"), default=12)
    expiry_notice_days = models.PositiveSmallIntegerField(
        _("warn this many days before points expire"), default=14
    )
    welcome_bonus = models.PositiveIntegerField(_("welcome bonus"), default=0)
    first_purchase_bonus = models.PositiveIntegerField(_("first purchase bonus"), default=0)
    birthday_bonus = models.PositiveIntegerField(_("birthday bonus"), default=0)
    birthday_mode = models.CharField(
        _("birthday bonus is given"), max_length=8, choices=BirthdayMode, default=BirthdayMode.MONTH
    )
    profile_bonus = models.PositiveIntegerField(_("profile completed bonus"), default=0)
    referral_bonus = models.PositiveIntegerField(
        _("referral bonus"),
        default=0,
        help_text=_("Points for both the friend and the member who referred them. 0: off."),
    )
    referral_min_purchase = models.DecimalField(
        _("minimum first purchase for the referral bonus"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    referral_monthly_cap = models.PositiveSmallIntegerField(
        _("referral bonuses per member per month"), default=5
    )
    max_points_per_purchase = models.PositiveIntegerField(
        _("maximum points from one purchase"), null=True, blank=True
    )
    max_purchases_per_day = models.PositiveSmallIntegerField(
        _("maximum earning purchases per member per day"), null=True, blank=True
    )
    claim_window_days = models.PositiveSmallIntegerField(
        _("days to claim an anonymous receipt"), default=14
    )
    unusual_sale_amount = models.DecimalField(
        _("unusual sale amount"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The POS asks the cashier to confirm a sale above this. Empty: the default."),
    )
    max_sale_amount = models.DecimalField(
        _("maximum sale amount"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("A sale above this is refused everywhere. Empty: the default."),
    )
    tier_basis = models.CharField(
        _("tiers qualify on"), max_length=8, choices=TierBasis, default=TierBasis.SPEND
    )
    tier_window = models.CharField(
        _("over"), max_length=16, choices=TierWindow, default=TierWindow.ROLLING
    )
    tier_window_months = models.PositiveSmallIntegerField(
        _("rolling window in months"), default=12, validators=[MinValueValidator(1)]
    )
    tier_grace_days = models.PositiveSmallIntegerField(
        _("days before a downgrade"),
        default=30,
        help_text=_("A member who no longer qualifies keeps the tier this long."),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points_per_unit__gte=0), name="program_rate_ge_0"
            ),
            models.CheckConstraint(condition=models.Q(point_value__gte=0), name="program_pv_ge_0"),
            models.CheckConstraint(
                condition=models.Q(unusual_sale_amount__isnull=True)
                | models.Q(unusual_sale_amount__gt=0),
                name="program_unusual_sale_gt_0",
            ),
            models.CheckConstraint(
                condition=models.Q(max_sale_amount__isnull=True)
                | models.Q(max_sale_amount__gt=0, max_sale_amount__lte=SALE_AMOUNT_CEILING),
                name="program_max_sale_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(unusual_sale_amount__isnull=True)
                | models.Q(max_sale_amount__isnull=True)
                | models.Q(unusual_sale_amount__lte=models.F("max_sale_amount")),
                name="program_unusual_le_max_sale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} program"

    @property
    def unusual_sale_limit(self) -> Decimal:
        """Above this, the POS asks the cashier to confirm the amount."""
        if self.unusual_sale_amount is not None:
            return self.unusual_sale_amount
        return min(default_sale_limits(self.merchant.currency)[0], self.max_sale_limit)

    @property
    def max_sale_limit(self) -> Decimal:
        """Above this, a sale is refused (record_purchase), whichever way it comes."""
        if self.max_sale_amount is not None:
            return self.max_sale_amount
        return default_sale_limits(self.merchant.currency)[1]


class Tier(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("name"), max_length=40)
    # The merchant's words in other languages, {"ro": {"name": ...}} (loyalty.content).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Money spent or points earned in the window to reach this tier."),
    )
    multiplier = models.DecimalField(
        _("earn multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    benefits = models.TextField(_("benefits"), blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["threshold"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="tier_name_unique"),
            models.UniqueConstraint(fields=["merchant", "threshold"], name="tier_threshold_unique"),
            models.CheckConstraint(condition=models.Q(multiplier__gte=1), name="tier_mult_ge_1"),
        ]

    def __str__(self) -> str:
        return self.name


class Purchase(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="purchases")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="purchases")
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchases",
    )
    external_id = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    items = models.JSONField(default=list, blank=True)
    eligible_amount = models.DecimalField(max_digits=12, decimal_places=2)
    points_earned = models.IntegerField(default=0)
    breakdown = models.JSONField(default=list, blank=True)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # The amount the points were earned on: the sale's amount, or for a receipt claimed later,
    # what was left of it at the claim. Refund clawbacks are shares of it; empty while unclaimed.
    points_basis_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    points_clawed_back = models.IntegerField(default=0)
    claim_code = models.CharField(max_length=12, null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="purchase_external_id"),
            models.UniqueConstraint(
                fields=["merchant", "claim_code"],
                condition=models.Q(claim_code__isnull=False),
                name="purchase_claim_code",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="purchase_amount_gt_0"),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__gte=0)
                & models.Q(refunded_amount__lte=models.F("amount")),
                name="purchase_refund_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "occurred_at"], name="purchase_merchant_time"),
            models.Index(fields=["member", "occurred_at"], name="purchase_member_time"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.amount} {self.currency})"

    @property
    def refundable_amount(self) -> Decimal:
        return self.amount - self.refunded_amount


class Refund(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="refunds")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="refunds")
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="refunds")
    external_id = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    points_clawed_back = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="refund_external_id"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.amount})"


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    BONUS = "bonus", _("Bonus")
    REDEEM = "redeem", _("Redeemed")
    CLAWBACK = "clawback", _("Refund clawback")
    EXPIRE = "expire", _("Expired")
    ADJUST = "adjust", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")


class AppendOnlyError(Exception):
    """Raised by any attempt to change or remove a ledger entry."""


class LedgerQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The points ledger is append-only: write a reversing entry.")

    def delete(self):
        raise AppendOnlyError("The points ledger is append-only: write a reversing entry.")

    # bulk_update goes through update(); the two are refused alike.


class PointsEntry(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=10, choices=EntryKind)
    points = models.IntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    purchase = models.ForeignKey(
        Purchase, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    # What else caused it: "bonus:welcome", "birthday:2026", "voucher:42", "campaign:7".
    # Unique per member when set, which makes bonuses and jobs safe to run twice.
    reference = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "points entries"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "reference"],
                condition=~models.Q(reference=""),
                name="entry_reference_unique",
            ),
            models.CheckConstraint(condition=~models.Q(points=0), name="entry_points_nonzero"),
        ]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="entry_member_time"),
            models.Index(fields=["merchant", "kind", "created_at"], name="entry_merchant_kind"),
            # The daily statistics read one day of a merchant's ledger, every kind.
            models.Index(fields=["merchant", "created_at"], name="entry_merchant_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The points ledger is append-only: write a reversing entry.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The points ledger is append-only: write a reversing entry.")


class PointsLot(models.Model):
    """Points credited by one entry, consumed oldest first and expiring on their own date."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="lots")
    entry = models.OneToOneField(PointsEntry, on_delete=models.PROTECT, related_name="lot")
    points = models.PositiveIntegerField()
    remaining = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField()
    released = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    expiry_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["available_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining__gte=0) & models.Q(remaining__lte=models.F("points")),
                name="lot_remaining_within_points",
            ),
        ]
        indexes = [
            models.Index(
                fields=["member", "available_at"],
                condition=models.Q(remaining__gt=0),
                name="lot_member_open",
            ),
            models.Index(
                fields=["available_at"],
                condition=models.Q(released=False),
                name="lot_pending",
            ),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(remaining__gt=0),
                name="lot_expiring",
            ),
            # The liability page's "expiring in 30/60/90 days" for one merchant; `remaining` is
            # a key column so that the sum is an index-only scan.
            models.Index(
                fields=["merchant", "expires_at", "remaining"],
                condition=models.Q(remaining__gt=0),
                name="lot_merchant_expiring",
            ),
        ]

    def __str__(self) -> str:
        return f"lot {self.remaining}/{self.points}"


class OutboxManager(models.Manager):
    # Up to this many events go in one statement built once per count (a sale writes one to
    # three); a larger batch is Django's, which splits it within the database's limits.
    FAST_BATCH = 16

    def bulk_create(self, objs, batch_size=None, ignore_conflicts=False, **options):
        """Every sale writes its events here: a plain insert of a few runs as one statement
        built once (`loyalty.compiled.insert`; the ORM's bulk_create spent more CPU building
        it than PostgreSQL running it, issue 19). Anything else is Django's bulk_create."""
        objs = list(objs)
        plain = batch_size is None and not ignore_conflicts and not options
        if plain and len(objs) <= self.FAST_BATCH:
            insert(objs, using=self._db or router.db_for_write(self.model))
            return objs
        return super().bulk_create(objs, batch_size, ignore_conflicts, **options)


class Event(models.Model):
    """The outbox: written in the transaction of the change, drained by a django-q2 task."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxManager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(processed_at=None), name="event_todo"),
            models.Index(fields=["merchant", "type", "created_at"], name="event_merchant_type"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"
