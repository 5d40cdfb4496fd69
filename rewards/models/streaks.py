"""Visit streaks: "a visit every week keeps your streak; 4, 8 and 12 weeks pay points".

A `StreakProgram` is the merchant's definition (a period of a week or a day, one forgiven
missed period if the merchant switches the grace on) with its `StreakMilestone`s. A
`MemberStreak` is one member's standing on it, a cache of the append-only `StreakVisit` rows
(one row per period counted, each with the sale that counted it, and one row per step back
when that sale is reversed). A `StreakReward` is a milestone paid: once per run of a streak,
which the database holds even against two tills at once.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, TenantQuerySet
from loyalty.models.points import PointsEntry, Purchase


class StreakPeriod(models.TextChoices):
    WEEK = "week", _("A visit every week")
    DAY = "day", _("A visit every day")


class StreakProgramQuerySet(TenantQuerySet):
    def live(self) -> "StreakProgramQuerySet":
        return self.filter(active=True)


class StreakProgram(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="streak_programs")
    name = models.CharField(_("name"), max_length=80)
    # The merchant's words in other languages, {"ro": {"name": ...}} (loyalty.content).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    period = models.CharField(
        _("what keeps the streak"), max_length=4, choices=StreakPeriod, default=StreakPeriod.WEEK
    )
    grace = models.BooleanField(
        _("forgive one missed period"),
        default=False,
        help_text=_("One missed week (or day) per streak does not break it."),
    )
    active = models.BooleanField(_("active"), default=True)
    # Sales before this moment do not count (a program switched on today starts today).
    started_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    objects = StreakProgramQuerySet.as_manager()

    class Meta:
        ordering = ["-active", "name", "id"]
        constraints = [
            # One streak at a time: the till and the member page speak of "the" streak.
            models.UniqueConstraint(
                fields=["merchant"],
                condition=models.Q(active=True),
                name="streak_program_one_active",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StreakMilestone(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(StreakProgram, on_delete=models.CASCADE, related_name="milestones")
    length = models.PositiveSmallIntegerField(
        _("periods in a row"), validators=[MinValueValidator(2), MaxValueValidator(1000)]
    )
    points = models.PositiveIntegerField(_("points paid"), validators=[MinValueValidator(1)])
    # A badge the milestone also awards (rewards.engagement.challenges.award_badge), once.
    badge = models.ForeignKey(
        "rewards.Badge", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["program", "length"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "length"], name="streak_milestone_length_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(length__gte=2), name="streak_milestone_length_ge_2"
            ),
            models.CheckConstraint(
                condition=models.Q(points__gt=0), name="streak_milestone_points_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.length}: {self.points}"


class MemberStreak(models.Model):
    """A member's streak on a program: a cache of its visits (the displayed length is computed
    from `last_period` and today, so a lapsed streak needs no nightly job)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        StreakProgram, on_delete=models.PROTECT, related_name="member_streaks"
    )
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="streaks")
    run = models.PositiveIntegerField(default=0)  # the member's 1st, 2nd … streak of it
    length = models.PositiveIntegerField(default=0)  # periods in a row at `last_period`
    # The Monday of the week, or the day, last counted, in the merchant's time zone.
    last_period = models.DateField(null=True, blank=True)
    grace_used = models.BooleanField(default=False)
    best = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["program", "member"]
        constraints = [
            models.UniqueConstraint(fields=["program", "member"], name="member_streak_unique"),
        ]
        indexes = [
            models.Index(fields=["merchant", "program", "last_period"], name="member_streak_live")
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.member_id}: {self.length}"


class StreakVisitKind(models.TextChoices):
    COUNT = "count", _("Counted")
    UNDO = "undo", _("Stepped back")


class StreakVisit(models.Model):
    """An append-only row: a period counted (with its sale and the streak after it), or a
    counted period stepped back because its sale was reversed."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    # The member's own record: it goes with the member (as their stamps do).
    member_streak = models.ForeignKey(MemberStreak, on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(max_length=5, choices=StreakVisitKind, default=StreakVisitKind.COUNT)
    period = models.DateField()
    run = models.PositiveIntegerField()
    # The streak after this row: its length and whether its grace is spent.
    length = models.PositiveIntegerField()
    grace_used = models.BooleanField(default=False)
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="streak_visits")
    undoes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="undone_by"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["member_streak", "run", "period"], name="streak_visit_run"),
            models.Index(fields=["purchase"], name="streak_visit_purchase"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period}"


class StreakReward(models.Model):
    """A milestone paid to a member: once per run of the streak, whatever happens after."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member_streak = models.ForeignKey(
        MemberStreak, on_delete=models.CASCADE, related_name="rewards"
    )
    milestone = models.ForeignKey(StreakMilestone, on_delete=models.PROTECT, related_name="rewards")
    run = models.PositiveIntegerField()
    points = models.PositiveIntegerField()
    entry = models.OneToOneField(
        PointsEntry, on_delete=models.PROTECT, related_name="streak_reward"
    )
    visit = models.ForeignKey(StreakVisit, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_streak", "milestone", "run"], name="streak_reward_once_per_run"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "created_at"], name="streak_reward_time")]

    def __str__(self) -> str:
        return f"{self.milestone} #{self.run}"
