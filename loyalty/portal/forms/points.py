"""Forms of the points pages: the purchases filter, reversing a sale, adjusting a balance."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.fields import ReasonField
from loyalty.models import Shop
from loyalty.points.ledger import MAX_ADJUSTMENT
from members.models import is_valid_card_number


class PurchaseFilterForm(forms.Form):
    shop = forms.ModelChoiceField(
        label=_("Shop"), queryset=Shop.objects.none(), required=False, empty_label=_("All shops")
    )
    receipt = forms.CharField(
        label=_("Receipt number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)
    anonymous = forms.BooleanField(label=_("Anonymous only"), required=False)
    # Days in the merchant's time zone, both included (the insights cards link here).
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops
        self.fields["shop"].label_from_instance = self._shop_label

    @staticmethod
    def _shop_label(shop: Shop) -> str:
        if shop.archived_at is not None:
            return _("%(name)s (archived)") % {"name": shop.name}
        return shop.name


class ReversePurchaseForm(forms.Form):
    reason = ReasonField(
        label=_("Why is this sale reversed?"),
        error_messages={"required": _("Say why the sale is reversed.")},
        help_text=_("Kept with the reversal in the ledger and the audit log."),
    )


class AdjustPointsForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}
        ),
    )
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text=_("A negative number takes points away, for example -50."),
    )
    reason = ReasonField(
        label=_("Reason"),
        error_messages={"required": _("Say why the points change.")},
        help_text=_("The member may ask: say what happened, for example “coffee spilled”."),
    )

    def clean_card_number(self) -> str:
        # Cards are read aloud and typed in groups: spaces and dashes are not part of it.
        number = "".join(self.cleaned_data["card_number"].replace("-", " ").split())
        if not is_valid_card_number(number):
            raise forms.ValidationError(
                _("This card number has a typo: check the digits."), code="card_typo"
            )
        return number

    def clean_points(self) -> int:
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(
                _("Enter a number of points other than zero."), code="zero_points"
            )
        return points
