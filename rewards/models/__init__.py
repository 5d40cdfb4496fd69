"""The reward catalogue and the vouchers it issues.

A `Reward` is what a member can buy with points (or what a campaign hands out). Redeeming one
issues a `Voucher`: a one-time code carrying a snapshot of what the reward gave at that moment,
so a later edit of the reward never changes a voucher already in a customer's pocket.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.dates import DATE, format_day
from loyalty.models import Merchant, Shop, TenantQuerySet
from loyalty.models.points import PointsEntry, Purchase, Tier
from loyalty.money import format_money, format_percent

# Crockford-like, without the look-alikes 0/O and 1/I/L; 8 characters of 31 symbols give
# 31**8 ≈ 8.5e11 codes: guessing one of 100,000 live codes takes ~8.5 million tries, which the
# look-up throttle (rewards.throttle) makes impractical.
VOUCHER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
VOUCHER_CODE_LENGTH = 8


class RewardKind(models.TextChoices):
    AMOUNT_OFF = "amount_off", _("Amount off")
    PERCENT_OFF = "percent_off", _("Percent off")
    FREE_ITEM = "free_item", _("Free item")
    STORE_CREDIT = "store_credit", _("Store credit")
    PERK = "perk", _("Experience or perk")


class LimitPeriod(models.TextChoices):
    DAY = "day", _("per day")
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")
    YEAR = "year", _("per year")
    EVER = "ever", _("in total")


class RewardQuerySet(TenantQuerySet):
    def live(self) -> "RewardQuerySet":
        return self.filter(active=True, archived_at__isnull=True)


class Reward(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="rewards")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    # The merchant's words in other languages, {"ro": {"name": ...}} (loyalty.content).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    # Saved by rewards.catalogue.save_reward as a WebP of at most 800 px, without its metadata,
    # under a name made of its content's hash (so a proxy may cache it for ever).
    image = models.ImageField(_("picture"), upload_to="rewards/", blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=RewardKind)
    value = models.DecimalField(
        _("value"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Money off, the percentage for a percent discount, the item's price for a free "
            "item, the credit for store credit, or the perk's worth."
        ),
    )
    max_discount = models.DecimalField(
        _("maximum discount"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("For a percent discount: the most it takes off one purchase."),
    )
    item = models.CharField(
        _("item"), max_length=120, blank=True, help_text=_("The free product's name or SKU.")
    )
    points_cost = models.PositiveIntegerField(_("points cost"), validators=[MinValueValidator(1)])
    min_tier = models.ForeignKey(
        Tier,
        verbose_name=_("lowest tier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Members below this tier see the reward but cannot redeem it."),
    )
    available_from = models.DateTimeField(_("available from"), null=True, blank=True)
    available_until = models.DateTimeField(_("available until"), null=True, blank=True)
    stock = models.PositiveIntegerField(
        _("total stock"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit. For a perk, the number of places."),
    )
    stock_left = models.PositiveIntegerField(null=True, blank=True)
    limit_per_member = models.PositiveSmallIntegerField(
        _("limit per member"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    limit_period = models.CharField(
        _("limit period"), max_length=8, choices=LimitPeriod, default=LimitPeriod.MONTH
    )
    min_purchase = models.DecimalField(
        _("minimum purchase"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The voucher can only be used on a purchase of at least this amount."),
    )
    validity_days = models.PositiveSmallIntegerField(
        _("voucher valid for (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = RewardQuerySet.as_manager()

    class Meta:
        ordering = ["position", "points_cost", "id"]
        indexes = [models.Index(fields=["merchant", "position"], name="reward_merchant_pos")]
        constraints = [
            models.CheckConstraint(condition=models.Q(points_cost__gt=0), name="reward_cost_gt_0"),
            models.CheckConstraint(
                condition=models.Q(stock__isnull=True) | models.Q(stock_left__isnull=False),
                name="reward_stock_left_set",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=RewardKind.PERCENT_OFF) | models.Q(value__lte=100),
                name="reward_percent_le_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def describe(self) -> str:
        return describe(self.kind, self.value, self.max_discount, self.item, self.merchant)

    @property
    def default_picture(self) -> str:
        """The static drawing of this reward's kind, shown when no picture was uploaded."""
        kind = self.kind if self.kind in RewardKind.values else RewardKind.PERK
        return f"img/rewards/{kind}.svg"


class VoucherStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class VoucherSource(models.TextChoices):
    REDEMPTION = "redemption", _("Points redemption")
    CAMPAIGN = "campaign", _("Campaign")
    REFERRAL = "referral", _("Referral")
    BIRTHDAY = "birthday", _("Birthday")
    SERVICE_RECOVERY = "service_recovery", _("Service recovery")
    MANUAL = "manual", _("Manual")
    STAMP_CARD = "stamp_card", _("Stamp card")
    CHALLENGE = "challenge", _("Challenge")


class Voucher(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="vouchers")
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vouchers",
    )
    reward = models.ForeignKey(
        Reward, on_delete=models.SET_NULL, null=True, blank=True, related_name="vouchers"
    )
    code = models.CharField(max_length=16)
    # What the reward gave when the voucher was issued.
    title = models.CharField(max_length=80)
    # The reward's name in other languages when it was issued, {"ro": {"title": ...}}.
    translations = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=16, choices=RewardKind)
    value = models.DecimalField(max_digits=10, decimal_places=2)
    max_discount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    item = models.CharField(max_length=120, blank=True)
    min_purchase = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    points_cost = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=16, choices=VoucherSource)
    status = models.CharField(max_length=10, choices=VoucherStatus, default=VoucherStatus.ISSUED)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at_shop = models.ForeignKey(
        Shop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    redeem_entry = models.OneToOneField(
        PointsEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="voucher"
    )
    used_at = models.DateTimeField(null=True, blank=True)
    used_shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, null=True, blank=True, related_name="vouchers_used"
    )
    used_purchase = models.ForeignKey(
        Purchase, on_delete=models.PROTECT, null=True, blank=True, related_name="vouchers_used"
    )
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expiry_notified_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=200, blank=True)
    # The one-time token of the member page's confirmation form that issued this voucher: a
    # double tap or a resent form finds this voucher instead of issuing a second one.
    confirmation = models.CharField(max_length=64, blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            # Codes are stored normalized (upper case, no separators); the database refuses a
            # second voucher with the same code at one merchant whatever the generator does.
            models.UniqueConstraint(fields=["merchant", "code"], name="voucher_code_unique"),
            models.CheckConstraint(
                condition=models.Q(code=models.functions.Upper("code")),
                name="voucher_code_upper",
            ),
            models.UniqueConstraint(
                fields=["merchant", "member", "confirmation"],
                condition=~models.Q(confirmation=""),
                name="voucher_confirmation_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "member", "status"], name="voucher_member_status"),
            models.Index(fields=["status", "expires_at"], name="voucher_status_expiry"),
            models.Index(fields=["reward", "member", "issued_at"], name="voucher_reward_member"),
        ]

    def __str__(self) -> str:
        # Masked: str() ends up in audit rows and logs, and the code is a bearer secret.
        return f"{self.title} {self.masked_code}".strip()

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}" if len(self.code) == 8 else self.code

    @property
    def masked_code(self) -> str:
        """“••••-K7QX”: enough to tell two vouchers apart at the till, too little to use one."""
        return f"••••-{self.code[-4:]}" if len(self.code) > 4 else "••••"

    def describe(self) -> str:
        return describe(self.kind, self.value, self.max_discount, self.item, self.merchant)

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == VoucherStatus.ISSUED and self.expires_at > now

    def conditions(self) -> dict:
        return {
            "min_purchase": None if self.min_purchase is None else f"{self.min_purchase:.2f}",
            "max_discount": None if self.max_discount is None else f"{self.max_discount:.2f}",
            "item": self.item or None,
            "expires_at": self.expires_at.isoformat(),
        }

    def conditions_text(self) -> str:
        parts = []
        if self.min_purchase:
            parts.append(
                _("on a purchase of at least %(amount)s")
                % {"amount": format_money(self.min_purchase, self.merchant)}
            )
        parts.append(
            _("valid until %(date)s")
            % {"date": format_day(timezone.localtime(self.expires_at), DATE)}
        )
        return ", ".join(str(p) for p in parts)


def describe(kind: str, value: Decimal, max_discount, item: str, merchant: Merchant) -> str:
    """What a reward or voucher gives, in one line for the member, the cashier and the API."""
    if kind == RewardKind.AMOUNT_OFF:
        return str(_("%(amount)s off") % {"amount": format_money(value, merchant)})
    if kind == RewardKind.PERCENT_OFF:
        places = max(0, -int(value.normalize().as_tuple().exponent))
        text = _("%(percent)s off") % {"percent": format_percent(value, places)}
        if max_discount:
            text = _("%(text)s (at most %(amount)s)") % {
                "text": text,
                "amount": format_money(max_discount, merchant),
            }
        return str(text)
    if kind == RewardKind.FREE_ITEM:
        return str(_("A free %(item)s") % {"item": item or _("item")})
    if kind == RewardKind.STORE_CREDIT:
        return str(_("%(amount)s store credit") % {"amount": format_money(value, merchant)})
    return str(_("A perk worth %(amount)s") % {"amount": format_money(value, merchant)})


# The stamp cards (issue 16) live in their own module, imported here so that
# `from rewards.models import StampCard` works like every other model of the app.
from rewards.models.challenges import (  # noqa: E402
    Badge,
    BadgeIcon,
    BadgeSource,
    Challenge,
    ChallengeCompletion,
    ChallengeKind,
    MemberBadge,
    Weekday,
)
from rewards.models.club import (  # noqa: E402
    Club,
    ClubMembership,
    ClubPerk,
    MembershipStatus,
    PerkPeriod,
    PerkUse,
)
from rewards.models.stamps import (  # noqa: E402
    MemberCard,
    Stamp,
    StampCard,
    StampEarnOn,
    StampKind,
)
from rewards.models.streaks import (  # noqa: E402
    MemberStreak,
    StreakMilestone,
    StreakPeriod,
    StreakProgram,
    StreakReward,
    StreakVisit,
    StreakVisitKind,
)

__all__ = [
    "Badge",
    "BadgeIcon",
    "BadgeSource",
    "Challenge",
    "ChallengeCompletion",
    "ChallengeKind",
    "Club",
    "ClubMembership",
    "ClubPerk",
    "LimitPeriod",
    "MemberBadge",
    "MemberCard",
    "MemberStreak",
    "MembershipStatus",
    "PerkPeriod",
    "PerkUse",
    "Reward",
    "RewardKind",
    "Stamp",
    "StampCard",
    "StampEarnOn",
    "StampKind",
    "StreakMilestone",
    "StreakPeriod",
    "StreakProgram",
    "StreakReward",
    "StreakVisit",
    "StreakVisitKind",
    "Voucher",
    "VoucherSource",
    "VoucherStatus",
    "Weekday",
    "describe",
]
