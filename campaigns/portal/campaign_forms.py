"""The campaign form: the audience, the test (holdout, window), and one or two variants."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.automations.services import StepSpec, VariantSpec
from campaigns.messaging.templates import template_problems
from campaigns.models import (
    ActionKind,
    Campaign,
    CampaignKind,
    Channel,
    MessageTemplate,
    Purpose,
    Segment,
    Trigger,
)
from rewards.models import Reward

CHANNELS = [(Channel.EMAIL, _("Email")), (Channel.SMS, _("SMS")), (Channel.IN_APP, _("In-app"))]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CampaignKind.choices, initial=CampaignKind.BROADCAST
    )
    trigger = forms.ChoiceField(
        label=_("Starts when (automations)"),
        choices=[("", _("— a broadcast has no trigger —")), *Trigger.choices],
        required=False,
    )
    trigger_days = forms.IntegerField(
        label=_("Days (for “no purchase for N days” and reminders)"),
        min_value=1,
        max_value=730,
        required=False,
    )
    scheduled_at = forms.DateTimeField(
        label=_("Send at (broadcasts; empty: when launched)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    segment = forms.ModelChoiceField(
        label=_("Audience"),
        queryset=Segment.objects.none(),
        required=False,
        empty_label=_("Every active member"),
    )
    holdout_percent = forms.IntegerField(
        label=_("Holdout (%)"),
        min_value=0,
        max_value=50,
        initial=10,
        help_text=_("Members picked at random who get nothing, to measure what it earned."),
    )
    conversion_days = forms.IntegerField(
        label=_("Conversion window (days)"),
        min_value=1,
        max_value=90,
        initial=14,
        help_text=_("A purchase within this many days of the message counts as a conversion."),
    )
    a_channel = forms.ChoiceField(label=_("Channel"), choices=CHANNELS)
    a_subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    a_body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    a_bonus = forms.IntegerField(
        label=_("Bonus points (optional)"), min_value=1, max_value=100_000, required=False
    )
    a_reward = forms.ModelChoiceField(
        label=_("Voucher (optional)"),
        queryset=Reward.objects.none(),
        required=False,
        empty_label=_("No voucher"),
    )
    test_b = forms.BooleanField(label=_("Test a second variant (B)"), required=False)
    b_channel = forms.ChoiceField(label=_("Channel (B)"), choices=CHANNELS, required=False)
    b_subject = forms.CharField(label=_("Subject (B)"), max_length=200, required=False)
    b_body = forms.CharField(
        label=_("Message (B)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    b_bonus = forms.IntegerField(
        label=_("Bonus points (B)"), min_value=1, max_value=100_000, required=False
    )
    b_reward = forms.ModelChoiceField(
        label=_("Voucher (B)"),
        queryset=Reward.objects.none(),
        required=False,
        empty_label=_("No voucher"),
    )

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.fields["segment"].queryset = Segment.objects.for_merchant(merchant).order_by("name")
        rewards = Reward.objects.for_merchant(merchant).live().order_by("points_cost", "name")
        self.fields["a_reward"].queryset = self.fields["b_reward"].queryset = rewards

    def clean(self):
        data = super().clean()
        if data.get("kind") == CampaignKind.AUTOMATION and not data.get("trigger"):
            self.add_error("trigger", _("Choose what starts the automation."))
        if data.get("trigger") == Trigger.NO_PURCHASE and not data.get("trigger_days"):
            self.add_error("trigger_days", _("Say after how many days without a purchase."))
        for prefix in ("a", "b"):
            if prefix == "b" and not data.get("test_b"):
                continue
            if data.get(f"{prefix}_channel") == Channel.EMAIL and not data.get(f"{prefix}_subject"):
                self.add_error(f"{prefix}_subject", _("An email needs a subject."))
            if prefix == "b" and not data.get("b_body"):
                self.add_error("b_body", _("Write variant B's message, or test one variant."))
            elif data.get(f"{prefix}_body"):
                problems = template_problems(
                    data.get(f"{prefix}_subject", ""),
                    data[f"{prefix}_body"],
                    purpose=Purpose.MARKETING,
                )
                for problem in problems:
                    self.add_error(f"{prefix}_body", problem)
        name = data.get("name")
        if name and Campaign.objects.for_merchant(self.merchant).filter(name=name).exists():
            self.add_error("name", _("Another campaign has this name."))
        elif name and MessageTemplate.objects.for_merchant(self.merchant).filter(
            name__startswith=f"{name} · "
        ):
            self.add_error("name", _("A message template already uses this name."))
        return data

    def variants(self) -> list[VariantSpec]:
        data = self.cleaned_data
        specs = [
            VariantSpec(
                name="A",
                channel=data["a_channel"],
                subject=data.get("a_subject", ""),
                body=data["a_body"],
                bonus_points=data.get("a_bonus"),
                reward=data.get("a_reward"),
            )
        ]
        if data.get("test_b"):
            specs.append(
                VariantSpec(
                    name="B",
                    channel=data["b_channel"],
                    subject=data.get("b_subject", ""),
                    body=data["b_body"],
                    bonus_points=data.get("b_bonus"),
                    reward=data.get("b_reward"),
                )
            )
        return specs


class StepForm(forms.Form):
    """A step added to a draft's variant."""

    delay_days = forms.IntegerField(
        label=_("Days after entering"),
        min_value=0,
        max_value=365,
        initial=0,
        help_text=_("0 sends it at once; a welcome series might use 0, 3 and 10."),
    )
    action = forms.ChoiceField(label=_("What it does"), choices=ActionKind.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNELS, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    bonus_points = forms.IntegerField(
        label=_("Bonus points"), min_value=1, max_value=100_000, required=False
    )
    reward = forms.ModelChoiceField(
        label=_("Voucher for"), queryset=Reward.objects.none(), required=False
    )
    multiplier = forms.DecimalField(
        label=_("Points multiplier"), min_value=Decimal("1.01"), max_value=10, required=False
    )
    multiplier_days = forms.IntegerField(
        label=_("For how many days"), min_value=1, max_value=90, required=False
    )

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].queryset = (
            Reward.objects.for_merchant(merchant).live().order_by("points_cost", "name")
        )

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == ActionKind.MESSAGE:
            if not data.get("body"):
                self.add_error("body", _("Write the message."))
            elif data.get("channel") == Channel.EMAIL and not data.get("subject"):
                self.add_error("subject", _("An email needs a subject."))
            else:
                for problem in template_problems(
                    data.get("subject", ""), data["body"], purpose=Purpose.MARKETING
                ):
                    self.add_error("body", problem)
        elif action == ActionKind.BONUS_POINTS and not data.get("bonus_points"):
            self.add_error("bonus_points", _("Say how many points."))
        elif action == ActionKind.VOUCHER and not data.get("reward"):
            self.add_error("reward", _("Choose the reward the voucher is for."))
        elif action == ActionKind.MULTIPLIER:
            if not data.get("multiplier"):
                self.add_error("multiplier", _("Say by how much points are multiplied."))
            if not data.get("multiplier_days"):
                self.add_error("multiplier_days", _("Say for how many days."))
        return data

    def spec(self) -> StepSpec:
        data = self.cleaned_data
        return StepSpec(
            action=data["action"],
            delay_days=data["delay_days"],
            channel=data.get("channel") or "",
            subject=data.get("subject") or "",
            body=data.get("body") or "",
            bonus_points=data.get("bonus_points"),
            reward=data.get("reward"),
            multiplier=data.get("multiplier"),
            multiplier_days=data.get("multiplier_days"),
        )
