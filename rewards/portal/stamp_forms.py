"""The form of the portal's stamp card pages: what earns a stamp, how many fill the card, the
reward a full card gives."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.content import TranslationsFormMixin
from loyalty.models import Merchant
from rewards.models import Reward, StampCard, StampEarnOn
from rewards.stamp_cards import FIELDS, TRANSLATED_FIELDS


def split_words(text: str) -> list[str]:
    """Comma-separated text as a list of lower-cased words, without blanks or repeats."""
    words: list[str] = []
    for part in (text or "").split(","):
        word = part.strip().lower()
        if word and word not in words:
            words.append(word)
    return words


class WordListField(forms.CharField):
    """A list of words typed as comma-separated text ("coffee, tea")."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list):
            return value
        return split_words(super().to_python(value))


class StampCardForm(TranslationsFormMixin, forms.ModelForm):
    translated_fields = TRANSLATED_FIELDS
    categories = WordListField(
        label=_("Categories"),
        required=False,
        help_text=_("Comma-separated, as the till sends them, for example “coffee, tea”."),
    )
    skus = WordListField(
        label=_("Products (SKU)"),
        required=False,
        help_text=_("Comma-separated SKUs, for example “esp-01, lat-02”."),
    )

    class Meta:
        model = StampCard
        fields = list(FIELDS)  # what rewards.stamp_cards.save_stamp_card accepts
        labels = {"active": _("Members collect stamps on it")}
        widgets = {
            "min_amount": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.instance.merchant = merchant
        rewards = self.fields["reward"]
        rewards.queryset = Reward.objects.for_merchant(merchant).live().order_by("position", "id")
        rewards.help_text = _("One of your rewards on offer; the member gets its voucher.")
        symbol = merchant.currency_symbol
        self.fields["min_amount"].label = f"{self.fields['min_amount'].label} ({symbol})"
        self.fields["min_amount"].help_text = _("Only when a purchase over an amount earns it.")
        self.add_translation_fields(merchant)

    def clean(self):
        data = super().clean()
        earn_on = data.get("earn_on")
        if earn_on == StampEarnOn.AMOUNT:
            amount = data.get("min_amount")
            if amount is None or amount <= 0:
                self.add_error(
                    "min_amount", _("Enter the amount a purchase must reach to earn a stamp.")
                )
        elif earn_on == StampEarnOn.ITEM and not data.get("categories") and not data.get("skus"):
            self.add_error(
                "categories", _("Name at least one category or product (SKU) that earns it.")
            )
        # Terms that do not apply to what earns a stamp are dropped, not kept out of sight.
        if earn_on and earn_on != StampEarnOn.AMOUNT:
            data["min_amount"] = None
        if earn_on and earn_on != StampEarnOn.ITEM:
            data["categories"], data["skus"] = [], []
            data["per_item"] = False
        return data

    def fields_to_save(self) -> dict:
        """The cleaned values, as `save_stamp_card` takes them."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return fields | {"translations": self.translations()}
