"""Challenges and badges (issue 16): goals with a window and a reward, counted at the till.

A `Challenge` is the merchant's definition: what the member must do (its kind and goal), in
which window of dates, what completing it pays (points or a reward's voucher), how often one
member can complete it, and how many points it may pay in all. Progress is not stored: it is
read from the member's own sales (and referrals and survey answers) since their last
completion, so a reversed sale takes its progress back by itself. A `ChallengeCompletion` is an
append-only row of one completion paid; `(challenge, member, n)` is unique so a completion can
never be paid twice, even from two tills at once.

A `Badge` is a mark a challenge (or a streak milestone) gives; a `MemberBadge` is one member
holding it, once.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, TenantQuerySet
from loyalty.models.points import AppendOnlyError, Purchase


class BadgeIcon(models.TextChoices):
    STAR = "⭐", _("Star")
    TROPHY = "🏆", _("Trophy")
    MEDAL = "🏅", _("Medal")
    COFFEE = "☕", _("Coffee")
    CROISSANT = "🥐", _("Croissant")
    HEART = "❤️", _("Heart")
    FIRE = "🔥", _("Fire")
    GIFT = "🎁", _("Gift")


class Badge(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="badges")
    name = models.CharField(_("name"), max_length=60)
    icon = models.CharField(_("icon"), max_length=8, choices=BadgeIcon, default=BadgeIcon.STAR)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The merchant's words in other languages, {"ro": {"name": ...}} (loyalty.content).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.icon} {self.name}"


class BadgeSource(models.TextChoices):
    CHALLENGE = "challenge", _("Challenge")
    STREAK = "streak", _("Streak milestone")
    MANUAL = "manual", _("By hand")


class MemberBadge(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="badges")
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="holders")
    awarded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=BadgeSource)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["awarded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "badge"], name="member_badge_unique"),
        ]
        indexes = [models.Index(fields=["badge", "member"], name="member_badge_badge")]

    def __str__(self) -> str:
        return str(self.badge)


class ChallengeKind(models.TextChoices):
    VISITS = "visits", _("Visit N times within M days")
    SPEND = "spend", _("Spend an amount within a calendar month")
    NEW_CATEGORY = "new_category", _("Buy from a category never bought before")
    TIME_WINDOW = "time_window", _("Visit on a weekday or between two hours")
    REFERRAL = "referral", _("Bring friends (referrals that pay)")
    SURVEY = "survey", _("Answer surveys")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ChallengeQuerySet(TenantQuerySet):
    def live(self) -> "ChallengeQuerySet":
        return self.filter(active=True)


class Challenge(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="challenges")
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # The merchant's words in other languages, {"ro": {"name": ...}} (loyalty.content).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ChallengeKind)
    # The goal: visits, friends or answers for the counting kinds; an amount for spend.
    goal_count = models.PositiveSmallIntegerField(
        _("how many"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Visits, friends or survey answers needed."),
    )
    window_days = models.PositiveSmallIntegerField(
        _("within (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("For visits: the rolling number of days the visits must fall in."),
    )
    goal_amount = models.DecimalField(
        _("amount to spend"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    # Lower-cased; for a new category: the categories that count (empty: any category).
    categories = models.JSONField(_("categories"), default=list, blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday, null=True, blank=True)
    hour_from = models.PositiveSmallIntegerField(
        _("from hour"), null=True, blank=True, validators=[MaxValueValidator(23)]
    )
    hour_to = models.PositiveSmallIntegerField(
        _("until hour"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("A visit from the first hour up to (not including) this one, local time."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    reward_points = models.PositiveIntegerField(_("points paid"), default=0)
    reward = models.ForeignKey(
        "rewards.Reward",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenges",
        verbose_name=_("or a reward's voucher"),
    )
    badge = models.ForeignKey(
        Badge,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenges",
        verbose_name=_("badge awarded"),
    )
    limit_per_member = models.PositiveSmallIntegerField(
        _("times a member can complete it"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    hidden = models.BooleanField(
        _("hidden"), default=False, help_text=_("Members see it only once they complete it.")
    )
    points_budget = models.PositiveIntegerField(
        _("points budget"),
        null=True,
        blank=True,
        help_text=_(
            "The most it pays in all (a voucher counts as its reward's points cost); "
            "empty: no limit."
        ),
    )
    # What it has paid so far, charged with a conditional UPDATE against the budget.
    points_paid = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ChallengeQuerySet.as_manager()

    class Meta:
        ordering = ["-active", "name", "id"]
        indexes = [models.Index(fields=["merchant", "active"], name="challenge_merchant_active")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(reward_points__gt=0) & models.Q(reward__isnull=True))
                | (models.Q(reward_points=0) & models.Q(reward__isnull=False)),
                name="challenge_pays_points_or_voucher",
                violation_error_message=_("Pay points or a reward's voucher, not both."),
            ),
            models.CheckConstraint(
                condition=models.Q(points_budget__isnull=True)
                | models.Q(points_paid__lte=models.F("points_budget")),
                name="challenge_within_budget",
                violation_error_message=_(
                    "The points budget cannot be less than the points it has already paid."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def cost(self) -> int:
        """What one completion costs in points: its points, or its reward's points cost."""
        if self.reward_id is not None:
            return self.reward.points_cost
        return self.reward_points

    @property
    def budget_left(self) -> int | None:
        if self.points_budget is None:
            return None
        return max(self.points_budget - self.points_paid, 0)


class CompletionQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Challenge completions are append-only.")

    def delete(self):
        raise AppendOnlyError("Challenge completions are append-only.")


class ChallengeCompletion(models.Model):
    """One completion paid: append-only, the member's n-th of the challenge."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="completions")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="challenge_completions"
    )
    n = models.PositiveSmallIntegerField()
    purchase = models.ForeignKey(
        Purchase, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points = models.PositiveIntegerField(default=0)
    voucher = models.OneToOneField(
        "rewards.Voucher",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenge_completion",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CompletionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "member", "n"], name="challenge_completion_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "challenge"], name="completion_member"),
        ]

    def __str__(self) -> str:
        return f"{self.challenge} #{self.n}"
