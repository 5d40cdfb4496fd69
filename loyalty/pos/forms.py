"""Forms of the POS page. Every form that changes something carries a one-time token."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.fields import ReasonField
from loyalty.models.points import Program
from loyalty.points.ledger import MAX_ADJUSTMENT, AmountTooLarge
from loyalty.points.sale_checks import check_sale_amount
from loyalty.pos.services import new_form_token

MAX_AMOUNT = Decimal("99999999.99")
PLAIN_AMOUNT = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
# What a cashier may type around the number: the currency, as the till's languages write it.
CURRENCY_WORDS = re.compile(r"€|\blei\b|\bleu\b|\bron\b|\bmdl\b|\beur\b", re.IGNORECASE)
# Digit groups of three, with a point, a comma or a space between them: "1.250,50", "1,250.50".
GROUPED = re.compile(r"^\d{1,3}([.,])\d{3}(\1\d{3})*([.,]\d{1,2})?$")


def plain_amount(text: str) -> str:
    """ "1.250,50 lei", "€1,250.50", "1 250,50" as "1250.50"; anything else as typed, with a
    decimal comma as a point. A lone "1.250" stays 1.250 (three decimals: refused), never
    1,250: a wrong guess would ring a sale a thousand times too large."""
    cleaned = CURRENCY_WORDS.sub("", text)
    cleaned = cleaned.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    grouped = GROUPED.match(cleaned)
    if grouped and grouped.group(3) and grouped.group(3)[0] != grouped.group(1):
        return cleaned.replace(grouped.group(1), "").replace(",", ".")
    if grouped and cleaned.count(grouped.group(1)) > 1:
        return cleaned.replace(grouped.group(1), "")
    return cleaned.replace(",", ".")


class TokenForm(forms.Form):
    """A form sent once: the token comes with the form and is spent by its first send."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", new_form_token())


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Card, QR code, phone or email"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
                "autofocus": True,
            }
        ),
    )


class AmountField(forms.Field):
    """Money as typed at the till: "23.50", "23,50", "€ 23.50", "1.250,50 lei"; two decimals
    at most."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 20:
            raise forms.ValidationError(_("This amount is too large."))
        cleaned = plain_amount(text)
        if cleaned.startswith("-") and PLAIN_AMOUNT.match(cleaned[1:]):
            raise forms.ValidationError(_("Enter an amount more than zero."))
        # Digits and a point only: Decimal() would take "1e5" as 100,000, and "inf" or "nan".
        if not PLAIN_AMOUNT.match(cleaned):
            raise forms.ValidationError(_("Enter an amount like 23.50."))
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise forms.ValidationError(_("Enter an amount like 23.50.")) from None
        if not amount.is_finite() or amount <= 0:
            raise forms.ValidationError(_("Enter an amount more than zero."))
        if amount > MAX_AMOUNT:
            raise forms.ValidationError(_("This amount is too large."))
        # "1.250" is 1250 in Romanian and Russian and 1.25 in English: three decimals are
        # refused however they end, rather than guessed.
        if amount != amount.quantize(Decimal("0.01")) or len(cleaned.partition(".")[2]) > 2:
            raise forms.ValidationError(_("Use at most two decimals."))
        return amount.quantize(Decimal("0.01"))


class PurchaseForm(TokenForm):
    """A sale at the till. With the program, an amount above its maximum is refused, and one
    above its unusual amount waits for the cashier's confirmation (`needs_confirmation`): the
    same form comes back with `confirmed` and the same, still unspent, token.
    """

    amount = AmountField(
        label=_("Amount"),
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "enterkeyhint": "done"}
        ),
    )
    receipt = forms.CharField(
        label=_("Receipt number (optional)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    voucher = forms.CharField(
        label=_("Voucher code (optional)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, program: Program | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.needs_confirmation = False

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if self.program is not None and amount is not None:
            try:
                check_sale_amount(self.program, amount)
            except AmountTooLarge as exc:
                raise forms.ValidationError(exc.message) from None
        return amount

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        self.needs_confirmation = (
            self.program is not None
            and amount is not None
            and not data.get("confirmed")
            and amount > self.program.unusual_sale_limit
        )
        return data


class EnrolForm(TokenForm):
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(
        label=_("First name (optional)"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email_marketing = forms.BooleanField(
        label=_("Agrees to receive offers by email"), required=False
    )
    sms_marketing = forms.BooleanField(label=_("Agrees to receive offers by SMS"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email"):
            raise forms.ValidationError(_("Give a phone number or an email address."))
        return data


class UndoForm(TokenForm):
    purchase = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)


class ReverseForm(TokenForm):
    reason = ReasonField(
        label=_("Why is this sale reversed?"),
        error_messages={"required": _("Say why the sale is reversed.")},
    )


class AdjustForm(TokenForm):
    points = forms.IntegerField(
        label=_("Points to add (or take, with a minus)"),
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reason = ReasonField(label=_("Reason"))

    def clean_points(self):
        value = self.cleaned_data["points"]
        if value == 0:
            raise forms.ValidationError(_("Enter a number of points other than zero."))
        return value


class RedeemForm(TokenForm):
    reward = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)


class VoucherLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Voucher code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class UseVoucherForm(TokenForm):
    # By id: the till has seen the voucher (its code typed, or its member found); the code
    # itself stays off the page.
    voucher = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    amount = AmountField(
        label=_("Amount of the sale (optional)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class StampForm(TokenForm):
    """The till's "+1 stamp" on one of the member's stamp cards."""

    card = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
