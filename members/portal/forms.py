"""Forms of the portal's members pages: the list filters, adding and editing a member, the
staff leaderboard period, the CSV upload and the purchase history upload."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, Shop
from loyalty.models.points import Tier
from members.models import ConsentChannel, MemberSource, MemberStatus
from members.queries import DEFAULT_SORT, LEADERBOARD_DAYS
from members.services import history_uploads
from members.services.consents import STAFF_CONSENT_LABELS
from members.services.imports import MAX_BYTES

SORTS = [
    ("-joined", _("Newest members")),
    ("joined", _("Oldest members")),
    ("-last_purchase", _("Last purchase, recent first")),
    ("last_purchase", _("Last purchase, longest ago first")),
    ("-balance", _("Balance, highest first")),
    ("balance", _("Balance, lowest first")),
    ("-spend", _("Lifetime spend, highest first")),
    ("spend", _("Lifetime spend, lowest first")),
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
]
LAST_PURCHASE = [
    ("", _("Any time, or never")),
    ("30", _("In the last 30 days")),
    ("90", _("In the last 90 days")),
    ("365", _("In the last year")),
    ("never", _("Never bought")),
]
CONSENT = [("", _("Either")), ("yes", _("Agreed")), ("no", _("Not agreed"))]
BIRTHDAY_HELP = _("YYYY-MM-DD, or --MM-DD without the year (--05-17 for 17 May).")
EMAIL_CONSENT = STAFF_CONSENT_LABELS[ConsentChannel.EMAIL]
SMS_CONSENT = STAFF_CONSENT_LABELS[ConsentChannel.SMS]


def _yes_no(value: str) -> bool:
    return value == "yes"


class MemberFilterForm(forms.Form):
    """The list's search box, filters and order; every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Card, phone, email or name")}
        ),
    )
    tier = forms.TypedChoiceField(label=_("Tier"), required=False, coerce=int, empty_value=None)
    last_purchase = forms.ChoiceField(
        label=_("Last purchase"), required=False, choices=LAST_PURCHASE
    )
    balance_min = forms.IntegerField(label=_("Balance from (points)"), required=False)
    balance_max = forms.IntegerField(label=_("Balance up to (points)"), required=False)
    joined_since = forms.DateField(
        label=_("Joined since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    joined_until = forms.DateField(
        label=_("Joined until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.ChoiceField(
        label=_("Joined through"),
        required=False,
        choices=[("", _("Anywhere")), *MemberSource.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *MemberStatus.choices]
    )
    email_marketing = forms.TypedChoiceField(
        label=_("Email offers"), required=False, choices=CONSENT, coerce=_yes_no, empty_value=None
    )
    sms_marketing = forms.TypedChoiceField(
        label=_("SMS offers"), required=False, choices=CONSENT, coerce=_yes_no, empty_value=None
    )
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SORTS)

    def __init__(self, *args, tiers: list[Tier], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", _("All tiers")), *[(t.pk, t.name) for t in tiers]]

    def filters(self) -> dict:
        """The valid filters; a filter typed wrong is left out (and shown with its error)."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}
        data.setdefault("sort", DEFAULT_SORT)
        return data


def _shop_field(merchant: Merchant) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Shop"),
        queryset=Shop.objects.for_merchant(merchant).active(),
        required=False,
        empty_label=_("No shop"),
        help_text=_("Where the customer joined; it counts on the staff leaderboard."),
    )


class MemberForm(forms.Form):
    """A new member typed in by staff. The service checks and normalizes every value."""

    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=_("Any format; a number without a country prefix is read as local."),
    )
    first_name = forms.CharField(label=_("First name"), required=False, max_length=80)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=80)
    birthday = forms.CharField(
        label=_("Birthday"), required=False, max_length=10, help_text=BIRTHDAY_HELP
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    email_marketing = forms.BooleanField(label=EMAIL_CONSENT, required=False)
    sms_marketing = forms.BooleanField(label=SMS_CONSENT, required=False)
    referral_code = forms.CharField(
        label=_("Referral code"),
        required=False,
        max_length=12,
        help_text=_("The code of the member who brought them, if any."),
    )

    def __init__(self, *args, merchant: Merchant, **kwargs):
        kwargs.setdefault("initial", {"language": merchant.default_language})
        super().__init__(*args, **kwargs)
        self.fields["shop"] = _shop_field(merchant)
        self.fields["email"].help_text = _("Give an email, a phone, or both.")


class MemberEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), required=False, max_length=80)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=80)
    birthday = forms.CharField(
        label=_("Birthday"), required=False, max_length=10, help_text=BIRTHDAY_HELP
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    email_marketing = forms.BooleanField(label=EMAIL_CONSENT, required=False)
    sms_marketing = forms.BooleanField(label=SMS_CONSENT, required=False)


class LeaderboardForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"), coerce=int, initial=30, required=False, empty_value=30
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [
            (days, _("Last %(days)s days") % {"days": days}) for days in LEADERBOARD_DAYS
        ]

    def period(self) -> int:
        return self.cleaned_data["days"] if self.is_valid() else 30


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Up to 5 MB. The first line names the columns: email, phone, first_name, last_name, "
            "birthday, email_marketing, sms_marketing, points (in any order and case; each row "
            "needs an email or a phone)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB; split it into smaller files."),
                code="file_too_large",
            )
        return upload


class ImportStartForm(forms.Form):
    pay_welcome_bonus = forms.BooleanField(
        label=_("Pay the welcome bonus to imported members"),
        required=False,
        help_text=_(
            "Off by default: they are not new customers, and their opening points carry what "
            "they had."
        ),
    )


class HistoryUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Up to 10 MB (about 200,000 purchases). The first line names the columns: "
            "customer_id, date, amount, and optionally time, shop, external_id, email, phone "
            "(in any order and case)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > history_uploads.MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is larger than 10 MB; split it into smaller files, or import it "
                    "with the import_purchases command."
                ),
                code="file_too_large",
            )
        return upload


class HistoryStartForm(forms.Form):
    award_points = forms.BooleanField(
        label=_("Award the points these purchases would have earned"),
        required=False,
        help_text=_(
            "Off by default: the purchases count for each member's spend, visits and "
            "statistics, but earn no points, since your customers' old points are not ours to "
            "know. Tick it to give every purchase the points your program gives today (slower: "
            "at most 5,000 purchases per file)."
        ),
    )


class AnonymizeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Kept in the audit log, e.g. “The customer asked by email on 3 May”."),
    )


class MergeForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number of the duplicate"),
        max_length=20,
        help_text=_("Its points, purchases and referrals move to this member; it is anonymized."),
    )
