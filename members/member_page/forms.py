"""Forms of the public join page and the member's own pages.

The forms check only the shape of the input; the services (`enrol_member`, `update_profile`)
decide what is valid, so the join page, the POS and the API give the same answers.
"""

from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loyalty.models import Merchant
from members.models import ConsentChannel, Member
from members.services.consents import consent_wording, ticked, wording_shown

# A field no human sees (hidden with CSS and from screen readers); bots fill every field.
HONEYPOT = "website"
# A year-less birthday is checked against a leap year, so 29 February is accepted.
LEAP_YEAR = 2000


def _day_choices():
    return [("", gettext_lazy("Day"))] + [(str(day), str(day)) for day in range(1, 32)]


def _month_choices():
    return [("", gettext_lazy("Month"))] + [(str(number), name) for number, name in MONTHS.items()]


class BirthdayFields(forms.Form):
    """Day and month selects and an optional year; `birthday_text()` is what the services read.

    Errors about the birthday as a whole go on `birth_day`, which the template shows for the
    group.
    """

    birth_day = forms.TypedChoiceField(
        label=gettext_lazy("Day"),
        choices=_day_choices,
        coerce=int,
        empty_value=None,
        required=False,
    )
    birth_month = forms.TypedChoiceField(
        label=gettext_lazy("Month"),
        choices=_month_choices,
        coerce=int,
        empty_value=None,
        required=False,
    )
    birth_year = forms.IntegerField(
        label=gettext_lazy("Year (optional)"),
        required=False,
        min_value=1900,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
    )

    def clean(self):
        data = super().clean()
        day, month, year = data.get("birth_day"), data.get("birth_month"), data.get("birth_year")
        if year and year > timezone.now().year:
            self.add_error("birth_year", _("The year of birth cannot be in the future."))
        if (day is None) != (month is None):
            self.add_error("birth_day", _("Choose both the day and the month of your birthday."))
        elif day is not None:
            try:
                date(year or LEAP_YEAR, month, day)
            except ValueError:
                self.add_error(
                    "birth_day",
                    _("%(day)s %(month)s is not a date that exists.")
                    % {"day": day, "month": MONTHS[month]},
                )
        return data

    def birthday_text(self) -> str:
        """`YYYY-MM-DD`, `--MM-DD` without a year, or "" when no birthday was given."""
        day = self.cleaned_data.get("birth_day")
        month = self.cleaned_data.get("birth_month")
        if day is None or month is None:
            return ""
        year = self.cleaned_data.get("birth_year")
        if year:
            return f"{year:04d}-{month:02d}-{day:02d}"
        return f"--{month:02d}-{day:02d}"


class JoinForm(BirthdayFields):
    email = forms.CharField(
        label=gettext_lazy("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=gettext_lazy("You sign in to your card with a code we send here."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("Email or phone: one of the two is enough."),
    )
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email_marketing = forms.BooleanField(required=False)
    sms_marketing = forms.BooleanField(required=False)
    referral_code = forms.CharField(
        label=gettext_lazy("Referral code (optional)"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("From a friend who is a member already."),
    )

    field_order = ["email", "phone", "first_name"]

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.fields["email_marketing"].label = consent_wording(merchant, ConsentChannel.EMAIL)
        self.fields["sms_marketing"].label = consent_wording(merchant, ConsentChannel.SMS)

    def clean(self):
        data = super().clean()
        if not data.get("email", "").strip() and not data.get("phone", "").strip():
            self.add_error("email", _("Give your email address or your phone number."))
        return data

    def clean_referral_code(self) -> str:
        return self.cleaned_data["referral_code"].strip().upper()

    def consent_text(self) -> str:
        """The wording of each consent the person ticked, as it was shown."""
        return wording_shown(self.merchant, ticked(self.cleaned_data))


class MemberLoginForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PhoneLoginForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("The number on your card. We text you a code."),
    )


class SmsCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
        help_text=gettext_lazy("The 6 digits of the SMS we sent you."),
    )


class ProfileForm(BirthdayFields):
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)

    field_order = ["first_name", "last_name"]

    @classmethod
    def for_member(cls, member: Member, data=None) -> "ProfileForm":
        # A birthday change that waits shows as the value the member chose.
        pending = member.pending_birthday_from is not None
        initial = {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "language": member.language or member.merchant.default_language,
            "birth_day": member.pending_birth_day if pending else member.birth_day,
            "birth_month": member.pending_birth_month if pending else member.birth_month,
            "birth_year": member.pending_birth_year if pending else member.birth_year,
        }
        return cls(data, initial=initial)

    def birthday_changed(self) -> bool:
        return any(name in self.changed_data for name in ("birth_day", "birth_month", "birth_year"))


class ClaimForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code on the receipt"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=gettext_lazy(
            "Bought without your card? Type the code printed on the receipt to collect its points."
        ),
    )
