"""Digital stamp cards: "buy nine coffees, the tenth is free".

A `StampCard` is the merchant's definition: what earns a stamp, how many fill the card, the
reward a full card gives. A `MemberCard` is one member's card of it (the first, the second …);
its `stamps` is a cache of its `Stamp` rows, which are append-only like the points ledger: each
stamp earned, taken back or expired is a row, and `manage.py reconcile_stamps` checks the
cache against them.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, Shop, TenantQuerySet
from loyalty.models.points import Purchase, Refund


class StampEarnOn(models.TextChoices):
    PURCHASE = "purchase", _("Every purchase")
    AMOUNT = "amount", _("A purchase over an amount")
    ITEM = "item", _("An item of a category or product")


class StampCardQuerySet(TenantQuerySet):
    def live(self) -> "StampCardQuerySet":
        return self.filter(active=True)


class StampCard(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="stamp_cards")
    name = models.CharField(_("name"), max_length=80)
    # The merchant's words in other languages, {"ro": {"name": ...}} (loyalty.content).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    earn_on = models.CharField(
        _("what earns a stamp"), max_length=10, choices=StampEarnOn, default=StampEarnOn.PURCHASE
    )
    min_amount = models.DecimalField(
        _("at least this amount"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # Lower-cased, like the program's excluded categories and SKUs.
    categories = models.JSONField(_("categories"), default=list, blank=True)
    skus = models.JSONField(_("products (SKU)"), default=list, blank=True)
    per_item = models.BooleanField(
        _("one stamp per item"),
        default=False,
        help_text=_("Otherwise one stamp per purchase, however many items it has."),
    )
    stamps_needed = models.PositiveSmallIntegerField(
        _("stamps to fill the card"),
        default=10,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
    )
    reward = models.ForeignKey(
        "rewards.Reward",
        on_delete=models.PROTECT,
        related_name="stamp_cards",
        verbose_name=_("a full card gives"),
    )
    # What the till says: "2 more coffees for a free one".
    item_word = models.CharField(
        _("what a stamp is called at the till"),
        max_length=40,
        blank=True,
        help_text=_("For example “coffees”: the till says “2 more coffees for a free one”."),
    )
    stamp_validity_days = models.PositiveIntegerField(
        _("stamps expire after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: stamps never expire."),
    )
    restart = models.BooleanField(
        _("a new card starts at once"),
        default=True,
        help_text=_("Stamps beyond a full card go on the next card."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = StampCardQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class MemberCard(models.Model):
    """One member's card of a stamp card; `stamps` caches the sum of its Stamp rows."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey(StampCard, on_delete=models.PROTECT, related_name="member_cards")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="stamp_cards"
    )
    number = models.PositiveIntegerField(default=1)  # the member's 1st, 2nd … card of it
    stamps = models.IntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    filled_at = models.DateTimeField(null=True, blank=True)
    voucher = models.OneToOneField(
        "rewards.Voucher",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stamp_card",
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["card", "member", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "member", "number"], name="member_card_number_unique"
            ),
            # A member has at most one card of each stamp card being filled.
            models.UniqueConstraint(
                fields=["card", "member"],
                condition=models.Q(filled_at__isnull=True),
                name="member_card_one_open",
            ),
        ]
        indexes = [models.Index(fields=["member", "card"], name="member_card_member")]

    def __str__(self) -> str:
        return f"{self.card} #{self.number}"


class StampKind(models.TextChoices):
    EARN = "earn", _("Earned")
    MANUAL = "manual", _("Added by hand")
    TAKE_BACK = "take_back", _("Taken back")
    EXPIRE = "expire", _("Expired")
    # A filled card whose voucher is withdrawn (a stamp of it was taken back) moves its other
    # stamps to the card being filled: a "moved" row off the old card, a "carried" row on the new.
    MOVED = "moved", _("Moved to the next card")
    CARRIED = "carried", _("Carried from a card")


class Stamp(models.Model):
    """An append-only row: stamps earned (positive) or taken back or expired (negative)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="stamps")
    member_card = models.ForeignKey(MemberCard, on_delete=models.PROTECT, related_name="rows")
    kind = models.CharField(max_length=10, choices=StampKind)
    stamps = models.IntegerField()
    purchase = models.ForeignKey(
        Purchase, on_delete=models.PROTECT, null=True, blank=True, related_name="stamps"
    )
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="stamps"
    )
    # What a take-back or an expiry undoes.
    undoes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="undone_by"
    )
    shop = models.ForeignKey(Shop, on_delete=models.SET_NULL, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["member_card", "created_at"], name="stamp_card_time"),
            models.Index(fields=["purchase"], name="stamp_purchase"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(stamps=0), name="stamp_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.stamps:+d}"
