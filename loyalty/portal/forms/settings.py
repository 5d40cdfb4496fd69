from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.validators import MaxValueValidator
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from loyalty.models import CURRENCIES, Merchant, Role, Shop, User, timezone_choices
from loyalty.portal.audit_labels import action_label

RESERVED_SLUGS = {"admin", "api", "portal", "pos", "static", "media", "accounts", "join"}


class OnboardingForm(forms.Form):
    name = forms.CharField(label=_("Business name"), max_length=120)
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=60,
        required=False,
        help_text=_("Your customers' page will be /m/<web address>/. Leave empty to derive it."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="EUR")
    timezone = forms.ChoiceField(
        label=_("Time zone"), choices=timezone_choices, initial="Europe/Bucharest"
    )
    shop_name = forms.CharField(label=_("First shop"), max_length=120, initial=_("Main"))
    shop_address = forms.CharField(
        label=_("Shop address"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_slug(self) -> str:
        # Lower case: customers' links that differ only by case would be look-alikes.
        slug = (self.cleaned_data.get("slug") or slugify(self.data.get("name", ""))[:60]).lower()
        if not slug:
            raise forms.ValidationError(_("Choose a web address made of letters and digits."))
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This web address is reserved. Choose another."))
        if Merchant.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("The web address “%(slug)s” is taken. Choose another."), params={"slug": slug}
            )
        return slug


class MerchantProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    privacy_notice_url = forms.URLField(
        label=_("Privacy notice"),
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text=Merchant._meta.get_field("privacy_notice_url").help_text,
    )

    class Meta:
        model = Merchant
        fields = [
            "name",
            "currency",
            "timezone",
            "default_language",
            "brand_color",
            "logo",
            "privacy_notice_url",
            "require_mfa",
            "api_requests_per_second",
        ]
        widgets = {"brand_color": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the rate stays what it is: most owners never touch it.
        rate = self.fields["api_requests_per_second"]
        rate.required = False
        # The platform's ceiling (API_RATE_MAX): one key must not be able to take the server.
        maximum = settings.API_RATE_MAX
        rate.max_value = maximum
        rate.widget.attrs["max"] = maximum
        rate.validators.append(
            MaxValueValidator(
                maximum,
                message=_(
                    "At most %(limit_value)s requests a second per key: that is this "
                    "platform's maximum."
                ),
            )
        )
        rate.help_text = _(
            "Each till's key may send this many requests a second, with short bursts "
            "(at most %(maximum)s)."
        ) % {"maximum": maximum}

    def clean_api_requests_per_second(self) -> int:
        rate = self.cleaned_data.get("api_requests_per_second")
        return rate if rate is not None else self.instance.api_requests_per_second


class ShopForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    address = forms.CharField(
        label=_("Address"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class _ShopChoiceMixin:
    def _limit_shops(self, merchant: Merchant) -> None:
        self.fields["shop"].queryset = Shop.objects.for_merchant(merchant).active()

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.CASHIER and not data.get("shop"):
            self.add_error("shop", _("Choose the shop where this cashier works."))
        return data


class InviteForm(_ShopChoiceMixin, forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CASHIER)
    shop = forms.ModelChoiceField(
        label=_("Shop (cashiers)"), queryset=Shop.objects.none(), required=False
    )

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_shops(merchant)


class RoleForm(_ShopChoiceMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    shop = forms.ModelChoiceField(
        label=_("Shop (cashiers)"), queryset=Shop.objects.none(), required=False
    )

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_shops(merchant)


class ApiKeyForm(forms.Form):
    shop = forms.ModelChoiceField(label=_("Shop"), queryset=Shop.objects.none())
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        required=False,
        help_text=_("Where the key is used, e.g. “Till 1” or “Web shop”."),
    )

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = Shop.objects.for_merchant(merchant).active()


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.ChoiceField(label=_("Who"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions: list[str], actors: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        labelled = sorted(((a, action_label(a)) for a in actions), key=lambda choice: choice[1])
        self.fields["action"].choices = [("", _("All actions")), *labelled]
        self.fields["actor"].choices = [("", _("Everyone"))] + [(str(i), e) for i, e in actors]


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                validate_password(p1, user=User(email=self.email))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
