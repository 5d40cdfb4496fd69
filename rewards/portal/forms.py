"""Forms of the portal's reward pages: the catalogue entry, the report's period, the voucher
search and a voucher's cancellation."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.clock import day_span, local_today
from loyalty.content import TranslationsFormMixin
from loyalty.models import Merchant
from loyalty.models.points import Tier
from rewards.models import Reward, RewardKind

MAX_IMAGE_BYTES = 2 * 1024 * 1024
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

# What "value" means for each kind, shown beside the field for the kind chosen.
KIND_HINTS = {
    RewardKind.AMOUNT_OFF: _("Value: the money taken off the purchase."),
    RewardKind.PERCENT_OFF: _(
        "Value: the percentage, at most 100. A maximum discount caps what one purchase gets."
    ),
    RewardKind.FREE_ITEM: _("Value: the item's usual price. Name the product or its SKU."),
    RewardKind.STORE_CREDIT: _("Value: the credit, like a gift card's amount."),
    RewardKind.PERK: _(
        "Value: what the perk is worth to you (0 if you would rather not say). The total stock "
        "is its number of places."
    ),
}


class _LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


class RewardForm(TranslationsFormMixin, forms.ModelForm):
    translated_fields = ("name", "description")
    FIELDSETS = [
        (
            _("What members see"),
            _("The name and picture on the member page."),
            ["name", "description", "image", "active"],
        ),
        (
            _("What it gives"),
            _("The voucher a member gets carries these terms; later edits do not change it."),
            ["kind", "value", "max_discount", "item", "min_purchase", "validity_days"],
        ),
        (
            _("Price and who may redeem it"),
            _("Points are spent when a member redeems the reward."),
            ["points_cost", "min_tier", "limit_per_member", "limit_period", "stock"],
        ),
        (
            _("When"),
            _("Times are in your business's time zone. Leave empty for always."),
            ["available_from", "available_until"],
        ),
    ]

    class Meta:
        model = Reward
        fields = [
            "name",
            "description",
            "image",
            "active",
            "kind",
            "value",
            "max_discount",
            "item",
            "min_purchase",
            "validity_days",
            "points_cost",
            "min_tier",
            "limit_per_member",
            "limit_period",
            "stock",
            "available_from",
            "available_until",
        ]
        labels = {
            "active": _("Offered to members"),
            "min_tier": _("Lowest tier that may redeem it"),
            "limit_per_member": _("Times one member may redeem it"),
        }
        help_texts = {
            "active": _("Untick to hide it from members for now without archiving it."),
            "max_discount": _("Percent off only: the most it takes off one purchase."),
            "item": _("Free item only: the product's name or SKU, as the till knows it."),
            "limit_per_member": _("Leave empty for no limit."),
            "limit_period": _("The period the limit above counts in."),
            "image": _(
                "Optional. JPEG, PNG, WebP or GIF, at most 2 MB. It is saved at most 800 px "
                "wide, without its location or camera details. Without one, members see a "
                "drawing of the reward's kind."
            ),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "value": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "max_discount": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "min_purchase": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "available_from": _LocalDateTimeInput(),
            "available_until": _LocalDateTimeInput(),
        }

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.instance.merchant = merchant
        tiers = self.fields["min_tier"]
        tiers.queryset = Tier.objects.for_merchant(merchant).order_by("threshold")
        tiers.empty_label = _("Every member")
        symbol = merchant.currency_symbol
        for name in ("max_discount", "min_purchase"):
            self.fields[name].label = f"{self.fields[name].label} ({symbol})"
        self.fields["value"].help_text = _(
            "A percentage for percent off; otherwise an amount in %(symbol)s."
        ) % {"symbol": symbol}
        for name in ("available_from", "available_until"):
            self.fields[name].help_text = _("In %(zone)s.") % {"zone": merchant.timezone}
        self.fields["image"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"
        self.add_translation_fields(merchant)

    def save(self, commit: bool = True) -> Reward:
        self.instance.translations = self.translations()
        return super().save(commit=commit)

    def fieldsets(self):
        for legend, description, names in self.FIELDSETS:
            yield {
                "legend": legend,
                "description": description,
                "fields": [self[name] for name in names],
            }

    def kind_hints(self):
        return [{"kind": kind.value, "text": text} for kind, text in KIND_HINTS.items()]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        # A new upload has been opened by Pillow (forms.ImageField); a kept one has not.
        pillow = getattr(image, "image", None)
        if pillow is None:
            return image
        if image.size > MAX_IMAGE_BYTES:
            raise forms.ValidationError(
                _("The image is %(size)s MB; at most 2 MB, please."),
                params={"size": f"{image.size / 1024 / 1024:.1f}"},
                code="image_too_large",
            )
        if pillow.format not in IMAGE_FORMATS:
            raise forms.ValidationError(
                _("Use a JPEG, PNG, WebP or GIF image."), code="image_format"
            )
        return image

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        value = data.get("value")
        if kind == RewardKind.PERCENT_OFF:
            if value is not None and not Decimal("0") < value <= Decimal("100"):
                self.add_error("value", _("A percent discount is between 1 and 100."))
        elif kind in (RewardKind.AMOUNT_OFF, RewardKind.STORE_CREDIT) and (
            value is not None and value <= 0
        ):
            self.add_error("value", _("Enter the amount this reward gives."))
        if kind == RewardKind.FREE_ITEM and not data.get("item", "").strip():
            self.add_error("item", _("Name the free item, or its SKU."))
        # Terms that do not apply to the kind are dropped rather than kept out of sight.
        if kind and kind != RewardKind.PERCENT_OFF:
            data["max_discount"] = None
        if kind and kind != RewardKind.FREE_ITEM:
            data["item"] = ""
        start, end = data.get("available_from"), data.get("available_until")
        if start and end and end <= start:
            self.add_error("available_until", _("The end must come after the start."))
        return data


# --- The report's period ------------------------------------------------------------------------


PERIODS = [
    ("month", _("This month")),
    ("30d", _("Last 30 days")),
    ("year", _("This year")),
    ("custom", _("Custom")),
]


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial="month")
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (included)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Choose the first day."))
            if not end:
                self.add_error("end", _("Choose the last day."))
            if start and end and end < start:
                self.add_error("end", _("The last day cannot come before the first."))
        return data


def period_bounds(
    period: str, merchant: Merchant, *, start: date | None = None, end: date | None = None
) -> tuple[datetime, datetime]:
    """[start, end) of a report period, as aware times at the merchant's midnights."""
    tz = merchant.tzinfo
    today = local_today(merchant)
    if period == "30d":
        return day_span(today - timedelta(days=29), today, tz)
    if period == "year":
        return day_span(today.replace(month=1, day=1), today, tz)
    if period == "custom" and start and end:
        return day_span(start, end, tz)
    return day_span(today.replace(day=1), today, tz)


# --- Vouchers -----------------------------------------------------------------------------------


class VoucherSearchForm(forms.Form):
    code = forms.CharField(
        label=_("Voucher code"),
        max_length=40,
        help_text=_("As printed or shown on the phone; capitals, spaces and dashes do not matter."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class VoucherCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Kept in the voucher's history and the audit log."),
    )
