"""The portal's promotion form: times in the merchant's time zone, lists of categories or SKUs
typed with commas, and the audience among the merchant's own segments."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Promotion, PromotionAudience, PromotionScope, Segment
from campaigns.models.promotions import MAX_MULTIPLIER, MIN_MULTIPLIER
from loyalty.models import Merchant

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
MAX_PRODUCTS = 50


class _LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


class ListField(forms.CharField):
    """“coffee beans, Tea” → ["coffee beans", "tea"]: lower-cased as the earning rules compare,
    without blanks or repeats."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        found: list[str] = []
        for part in text.replace("\n", ",").split(","):
            name = " ".join(part.split()).lower()
            if name and name not in found:
                found.append(name)
        return found

    def validate(self, value):
        if len(value) > MAX_PRODUCTS:
            raise forms.ValidationError(
                _("At most %(count)s, please."), params={"count": MAX_PRODUCTS}, code="too_many"
            )
        if any(len(name) > 100 for name in value):
            raise forms.ValidationError(_("A name is at most 100 characters."), code="too_long")


class PromotionForm(forms.ModelForm):
    categories = ListField(
        label=_("Categories"),
        required=False,
        help_text=_("As your till names them, separated by commas: coffee beans, tea."),
    )
    skus = ListField(
        label=_("SKUs"),
        required=False,
        help_text=_("The products' codes as your till sends them, separated by commas."),
    )

    class Meta:
        model = Promotion
        fields = [
            "name",
            "multiplier",
            "starts_at",
            "ends_at",
            "applies_to",
            "categories",
            "skus",
            "audience",
            "segment",
            "points_budget",
        ]
        help_texts = {
            "name": _("Members and staff see it on receipts: “Double points weekend”."),
            "points_budget": _(
                "Optional: the most bonus points it gives in all. When they are given, it "
                "stops; the sale that reaches the budget gets what is left."
            ),
        }
        widgets = {
            "multiplier": forms.NumberInput(
                attrs={"step": "0.01", "min": str(MIN_MULTIPLIER), "max": str(MAX_MULTIPLIER)}
            ),
            "starts_at": _LocalDateTimeInput(),
            "ends_at": _LocalDateTimeInput(),
        }

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.instance.merchant = merchant
        segments = self.fields["segment"]
        segments.queryset = Segment.objects.for_merchant(merchant).order_by("name")
        segments.required = False
        segments.empty_label = _("Choose a segment")
        audience = self.fields["audience"]
        if self.instance.audience == PromotionAudience.MEMBER:
            # Started by a campaign for one member: who it is for stays as it is.
            audience.disabled = True
            segments.disabled = True
        else:
            audience.choices = [
                (value, label)
                for value, label in PromotionAudience.choices
                if value != PromotionAudience.MEMBER
            ]
        self.fields["multiplier"].help_text = _(
            "Points on what it covers are multiplied by this: 2 doubles them. From %(low)s "
            "to %(high)s."
        ) % {"low": MIN_MULTIPLIER, "high": MAX_MULTIPLIER}
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = _("In %(zone)s.") % {"zone": merchant.timezone}

    def clean_multiplier(self):
        value = self.cleaned_data["multiplier"]
        if value is not None and not MIN_MULTIPLIER <= value <= MAX_MULTIPLIER:
            raise forms.ValidationError(
                _("A multiplier is between %(low)s and %(high)s."),
                params={"low": MIN_MULTIPLIER, "high": MAX_MULTIPLIER},
                code="multiplier_range",
            )
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must come after the start."))
        scope = data.get("applies_to")
        if scope == PromotionScope.CATEGORIES and not data.get("categories"):
            self.add_error("categories", _("Name at least one category."))
        if scope == PromotionScope.SKUS and not data.get("skus"):
            self.add_error("skus", _("Name at least one SKU."))
        audience = data.get("audience")
        if audience == PromotionAudience.SEGMENT and not data.get("segment"):
            self.add_error("segment", _("Choose the segment it is for."))
        if audience == PromotionAudience.EVERYONE:
            data["segment"] = None
        budget = data.get("points_budget")
        if budget is not None and budget < self.instance.bonus_given:
            self.add_error(
                "points_budget",
                _("It already gave %(points)s bonus points; the budget cannot be less.")
                % {"points": self.instance.bonus_given},
            )
        return data
