"""The form of the portal's streak page: the period, the grace, and the milestones typed as a
short list ("4:100, 8:250, 12:500": 4 in a row pays 100 points …)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.content import TranslationsFormMixin
from loyalty.models import Merchant
from rewards.models import Badge, StreakProgram
from rewards.streak_programs import TRANSLATED_FIELDS, has_member_streaks, milestones_in_use

MAX_MILESTONES = 12
_PAIR = re.compile(r"^\s*(\d+)\s*[:=]\s*(\d+)\s*$")


def format_milestones(milestones: dict[int, int]) -> str:
    return ", ".join(f"{length}:{points}" for length, points in sorted(milestones.items()))


class MilestonesField(forms.CharField):
    """Milestones as "length:points" pairs separated by commas, read into {length: points}."""

    def prepare_value(self, value):
        if isinstance(value, dict):
            return format_milestones(value)
        return value

    def to_python(self, value) -> dict[int, int]:
        if isinstance(value, dict):
            return value
        text = super().to_python(value) or ""
        milestones: dict[int, int] = {}
        for part in (p for p in text.split(",") if p.strip()):
            match = _PAIR.match(part)
            if match is None:
                raise forms.ValidationError(
                    _("“%(part)s” is not a milestone: write its length and points as 4:100."),
                    params={"part": part.strip()},
                    code="milestone_format",
                )
            length, points = int(match[1]), int(match[2])
            if length < 2:
                raise forms.ValidationError(
                    _("A milestone needs at least 2 in a row (“%(part)s”)."),
                    params={"part": part.strip()},
                    code="milestone_short",
                )
            if points < 1:
                raise forms.ValidationError(
                    _("A milestone pays at least 1 point (“%(part)s”)."),
                    params={"part": part.strip()},
                    code="milestone_points",
                )
            if length in milestones:
                raise forms.ValidationError(
                    _("%(length)s in a row is there twice."),
                    params={"length": length},
                    code="milestone_twice",
                )
            milestones[length] = points
        if not milestones:
            raise forms.ValidationError(
                _("Name at least one milestone, for example 4:100."), code="milestone_none"
            )
        if len(milestones) > MAX_MILESTONES:
            raise forms.ValidationError(
                _("At most %(max)s milestones."), params={"max": MAX_MILESTONES}, code="too_many"
            )
        return milestones


class StreakProgramForm(TranslationsFormMixin, forms.ModelForm):
    translated_fields = TRANSLATED_FIELDS
    milestones = MilestonesField(
        label=_("Milestones"),
        help_text=_(
            "In a row, then the points it pays, separated by commas: “4:100, 8:250, 12:500” "
            "pays 100 points at 4 weeks in a row, 250 at 8 and 500 at 12."
        ),
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )

    badge = forms.ModelChoiceField(
        label=_("Badge"),
        queryset=Badge.objects.none(),
        required=False,
        help_text=_(
            "Awarded with the milestone below, once per member (the badges are under Rewards)."
        ),
    )
    badge_at = forms.IntegerField(
        label=_("Badge at (in a row)"),
        required=False,
        min_value=2,
        help_text=_("One of the milestones; empty: the longest."),
    )

    class Meta:
        model = StreakProgram
        fields = ["name", "period", "grace", "active"]
        labels = {"active": _("Visits count on it")}

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.instance.merchant = merchant
        self.fields["badge"].queryset = Badge.objects.for_merchant(merchant).filter(active=True)
        if self.instance.pk:
            milestones = list(self.instance.milestones.all())
            self.fields["milestones"].initial = {m.length: m.points for m in milestones}
            with_badge = [m for m in milestones if m.badge_id]
            if with_badge:
                self.fields["badge"].initial = with_badge[0].badge_id
                self.fields["badge_at"].initial = with_badge[0].length
        else:
            self.fields["milestones"].initial = "4:100, 8:250, 12:500"
        self.add_translation_fields(merchant)

    def clean(self):
        data = super().clean()
        program = self.instance
        at, milestones = data.get("badge_at"), data.get("milestones")
        if at is not None and milestones and at not in milestones:
            self.add_error(
                "badge_at",
                _("%(at)s in a row is not one of the milestones.") % {"at": at},
            )
        if data.get("active"):
            others = StreakProgram.objects.for_merchant(self.merchant).filter(active=True)
            if program.pk:
                others = others.exclude(pk=program.pk)
            other = others.first()
            if other is not None:
                self.add_error(
                    "active",
                    _("“%(name)s” is active: switch it off first, one streak runs at a time.")
                    % {"name": other.name},
                )
        if program.pk:
            period = data.get("period")
            if period and period != program.period and has_member_streaks(program):
                self.add_error(
                    "period",
                    _(
                        "Members already have a streak on it: the period cannot change. "
                        "Switch it off and create a new one instead."
                    ),
                )
            milestones = data.get("milestones")
            if milestones is not None:
                paid = sorted(milestones_in_use(program) - set(milestones))
                if paid:
                    self.add_error(
                        "milestones",
                        _(
                            "Already paid to members, so they stay (change their points "
                            "instead): %(lengths)s."
                        )
                        % {"lengths": ", ".join(str(length) for length in paid)},
                    )
        return data

    def fields_to_save(self) -> dict:
        """The cleaned values, as `save_streak_program` takes them."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return fields | {
            "milestones": self.cleaned_data["milestones"],
            "badge": self.cleaned_data.get("badge"),
            "badge_at": self.cleaned_data.get("badge_at"),
            "translations": self.translations(),
        }
