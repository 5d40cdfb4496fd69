"""The campaign form: the audience, the test (holdout, window), and one or two variants."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.automations.services import VariantSpec
from campaigns.messaging.templates import template_problems
from campaigns.models import (
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
