"""The forms of the portal's challenge and badge pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.clock import local_today
from loyalty.content import TranslationsFormMixin
from loyalty.models import Merchant
from rewards.challenges import BADGE_FIELDS, BADGE_TRANSLATED_FIELDS, FIELDS, TRANSLATED_FIELDS
from rewards.models import Badge, Challenge, ChallengeKind, Reward
from rewards.portal.stamp_forms import WordListField

# What each kind uses; the other goal fields are emptied on save, not kept out of sight.
USES = {
    ChallengeKind.VISITS: {"goal_count", "window_days"},
    ChallengeKind.SPEND: {"goal_amount"},
    ChallengeKind.NEW_CATEGORY: {"categories"},
    ChallengeKind.TIME_WINDOW: {"goal_count", "weekday", "hour_from", "hour_to"},
    ChallengeKind.REFERRAL: {"goal_count"},
    ChallengeKind.SURVEY: {"goal_count"},
}
EMPTY = {
    "goal_count": 1,
    "window_days": None,
    "goal_amount": None,
    "categories": [],
    "weekday": None,
    "hour_from": None,
    "hour_to": None,
}


class ChallengeForm(TranslationsFormMixin, forms.ModelForm):
    translated_fields = TRANSLATED_FIELDS
    categories = WordListField(
        label=_("Categories"),
        required=False,
        help_text=_("For a new category: the ones that count, comma-separated; empty: any."),
    )

    class Meta:
        model = Challenge
        fields = list(FIELDS)  # what rewards.challenges.save_challenge accepts
        labels = {"active": _("Members can complete it")}
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "goal_amount": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.instance.merchant = merchant
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("starts_on", local_today(merchant))
        rewards = self.fields["reward"]
        rewards.queryset = Reward.objects.for_merchant(merchant).live().order_by("position", "id")
        rewards.help_text = _("Instead of points: one of your rewards, given as a voucher.")
        self.fields["badge"].queryset = Badge.objects.for_merchant(merchant).filter(active=True)
        self.fields["reward_points"].required = False
        symbol = merchant.currency_symbol
        self.fields["goal_amount"].label = f"{self.fields['goal_amount'].label} ({symbol})"
        self.add_translation_fields(merchant)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        uses = USES.get(kind, set())
        if kind == ChallengeKind.VISITS and not data.get("window_days"):
            self.add_error("window_days", _("Enter the number of days the visits must fall in."))
        if kind == ChallengeKind.SPEND and not data.get("goal_amount"):
            self.add_error("goal_amount", _("Enter the amount to spend within a month."))
        if kind == ChallengeKind.TIME_WINDOW:
            if (
                data.get("weekday") is None
                and data.get("hour_from") is None
                and (data.get("hour_to") is None)
            ):
                self.add_error("weekday", _("Choose a weekday, hours, or both."))
            start, end = data.get("hour_from"), data.get("hour_to")
            if start is not None and end is not None and start >= end:
                self.add_error("hour_to", _("The last hour must come after the first."))
        if "goal_count" in uses and not data.get("goal_count"):
            self.add_error("goal_count", _("Enter how many are needed."))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end date must not come before the start."))
        budget = data.get("points_budget")
        if budget is not None and self.instance.pk and budget < self.instance.points_paid:
            self.add_error(
                "points_budget",
                _("The points budget cannot be less than the %(paid)s points already paid.")
                % {"paid": self.instance.points_paid},
            )
        points, reward = data.get("reward_points") or 0, data.get("reward")
        if points and reward:
            self.add_error("reward", _("Pay points or a reward's voucher, not both."))
        elif not points and not reward:
            self.add_error("reward_points", _("Enter the points it pays, or choose a reward."))
        data["reward_points"] = points
        for name, empty in EMPTY.items():
            if kind and name not in uses:
                data[name] = empty
        return data

    def fields_to_save(self) -> dict:
        """The cleaned values, as `save_challenge` takes them."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return fields | {"translations": self.translations()}


class BadgeForm(TranslationsFormMixin, forms.ModelForm):
    translated_fields = BADGE_TRANSLATED_FIELDS

    class Meta:
        model = Badge
        fields = list(BADGE_FIELDS)  # what rewards.challenges.save_badge accepts
        labels = {"active": _("Challenges and milestones can award it")}

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.merchant = merchant
        self.add_translation_fields(merchant)

    def fields_to_save(self) -> dict:
        """The cleaned values, as `save_badge` takes them."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return fields | {"translations": self.translations()}
