"""The forms of the portal's club pages: the club (its product, price, term, multiplier) and
its perks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.content import TranslationsFormMixin
from loyalty.models import Merchant
from rewards.clubs import CLUB_TRANSLATED_FIELDS, PERK_TRANSLATED_FIELDS
from rewards.models import Club, ClubPerk


class ClubForm(TranslationsFormMixin, forms.ModelForm):
    translated_fields = CLUB_TRANSLATED_FIELDS

    class Meta:
        model = Club
        fields = ["name", "sku", "price", "term_days", "multiplier", "notice_days", "active"]
        labels = {"active": _("The till sells it and members get its perks")}
        widgets = {
            "price": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "multiplier": forms.NumberInput(attrs={"step": "0.05", "min": "1"}),
        }

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.instance.merchant = merchant
        symbol = merchant.currency_symbol
        self.fields["price"].label = f"{self.fields['price'].label} ({symbol})"
        self.add_translation_fields(merchant)

    def clean_sku(self) -> str:
        sku = (self.cleaned_data.get("sku") or "").strip().lower()
        if not sku:
            raise forms.ValidationError(_("Enter the product code the till sells it as."))
        return sku

    def clean(self):
        data = super().clean()
        sku, active = data.get("sku"), data.get("active")
        if sku and active:
            others = Club.objects.for_merchant(self.merchant).filter(sku=sku, active=True)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("sku", _("Another active club is sold as this product."))
        return data

    def fields_to_save(self) -> dict:
        """The cleaned values, as `save_club` takes them."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return fields | {"translations": self.translations()}


class ClubPerkForm(TranslationsFormMixin, forms.ModelForm):
    translated_fields = PERK_TRANSLATED_FIELDS

    class Meta:
        model = ClubPerk
        fields = ["name", "description", "period", "uses", "weekday"]
        help_texts = {
            # xgettext:no-python-format
            "name": _("For example “One free coffee a day” or “10 % off every Tuesday”."),
            "description": _("What the cashier gives, in a few words."),
        }

    def __init__(self, *args, club: Club, **kwargs):
        super().__init__(*args, **kwargs)
        self.club = club
        # The perk's languages are its club's merchant's.
        self.add_translation_fields(club.merchant)

    def fields_to_save(self) -> dict:
        """The cleaned values, as `save_perk` takes them."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return fields | {"translations": self.translations()}
