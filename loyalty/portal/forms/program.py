"""Forms of the program pages: the earning rules and the tiers."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.content import TranslationsFormMixin
from loyalty.models.points import Program, Tier, TierBasis, TierWindow, default_sale_limits
from loyalty.money import format_money
from loyalty.points.program import program_problems
from loyalty.templatetags.fidela import points_with_money

EXAMPLE_POINTS = 1250
MAX_LIST_ITEM = 100


class CommaListField(forms.CharField):
    """A list of short names typed as “tobacco, lottery”; stored as a JSON list."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        items, seen = [], set()
        for part in text.replace("\n", ",").split(","):
            item = part.strip()
            if item and item.casefold() not in seen:
                seen.add(item.casefold())
                items.append(item)
        return items

    def validate(self, value) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        too_long = [item for item in value if len(item) > MAX_LIST_ITEM]
        if too_long:
            raise forms.ValidationError(
                _("“%(item)s…” is longer than %(max)s characters; separate names with commas."),
                params={"item": too_long[0][:20], "max": MAX_LIST_ITEM},
                code="item_too_long",
            )

    def has_changed(self, initial, data) -> bool:
        return list(initial or []) != self.to_python(data)


class ProgramForm(forms.ModelForm):
    excluded_categories = CommaListField(
        label=_("Categories that earn nothing"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. tobacco, lottery, gift cards")}),
        help_text=_(
            "Separate with commas, as your till names them; capital letters do not matter."
        ),
    )
    excluded_skus = CommaListField(
        label=_("Products (SKUs) that earn nothing"),
        required=False,
        help_text=_("Separate with commas."),
    )

    # Each group is a <fieldset>: legend, a sentence saying what it is about, its fields.
    FIELDSETS = [
        (
            _("Earning"),
            _("How purchases turn into points."),
            ["points_per_unit", "min_purchase_amount", "excluded_categories", "excluded_skus"],
        ),
        (
            _("Spending"),
            _("What points are worth, and when they can be spent."),
            ["point_value", "pending_days", "claim_window_days"],
        ),
        (
            _("Expiry"),
            _("Points that expire push members to come back; they also end your liability."),
            ["expiry_mode", "expiry_months", "expiry_notice_days"],
        ),
        (
            _("Bonuses"),
            _("Points given once, on top of purchases. 0 means no bonus."),
            [
                "welcome_bonus",
                "first_purchase_bonus",
                "birthday_bonus",
                "birthday_mode",
                "profile_bonus",
                "referral_bonus",
                "referral_min_purchase",
                "referral_monthly_cap",
            ],
        ),
        (
            _("Limits"),
            _("Guards against mistakes and abuse. Leave empty for no limit."),
            [
                "max_points_per_purchase",
                "max_purchases_per_day",
                "unusual_sale_amount",
                "max_sale_amount",
            ],
        ),
        (
            _("Tiers"),
            _("How members qualify for a tier. The tiers themselves are on the Tiers tab."),
            ["tier_basis", "tier_window", "tier_window_months", "tier_grace_days"],
        ),
    ]

    class Meta:
        model = Program
        fields = [
            "points_per_unit",
            "min_purchase_amount",
            "excluded_categories",
            "excluded_skus",
            "point_value",
            "pending_days",
            "claim_window_days",
            "expiry_mode",
            "expiry_months",
            "expiry_notice_days",
            "welcome_bonus",
            "first_purchase_bonus",
            "birthday_bonus",
            "birthday_mode",
            "profile_bonus",
            "referral_bonus",
            "referral_min_purchase",
            "referral_monthly_cap",
            "max_points_per_purchase",
            "max_purchases_per_day",
            "unusual_sale_amount",
            "max_sale_amount",
            "tier_basis",
            "tier_window",
            "tier_window_months",
            "tier_grace_days",
        ]
        labels = {
            "points_per_unit": _("Points per currency unit spent"),
            "min_purchase_amount": _("Minimum purchase to earn points"),
            "point_value": _("Value of one point"),
            "pending_days": _("Days before new points can be spent"),
            "claim_window_days": _("Days to claim a receipt"),
            "expiry_mode": _("Points expire"),
            "expiry_months": _("Months until points expire"),
            "expiry_notice_days": _("Warn members this many days before"),
            "welcome_bonus": _("Welcome bonus (points)"),
            "first_purchase_bonus": _("First purchase bonus (points)"),
            "birthday_bonus": _("Birthday bonus (points)"),
            "birthday_mode": _("Birthday bonus is given"),
            "profile_bonus": _("Completed profile bonus (points)"),
            "referral_bonus": _("Referral bonus (points)"),
            "referral_min_purchase": _("Minimum first purchase for the referral bonus"),
            "referral_monthly_cap": _("Most referral bonuses per member per month"),
            "max_points_per_purchase": _("Most points one purchase can earn"),
            "max_purchases_per_day": _("Most earning purchases per member per day"),
            "unusual_sale_amount": _("Ask the cashier to confirm a sale above"),
            "max_sale_amount": _("Refuse a sale above"),
            "tier_basis": _("Tiers qualify on"),
            "tier_window": _("Counted over"),
            "tier_window_months": _("Rolling window (months)"),
            "tier_grace_days": _("Grace days before a downgrade"),
        }
        help_texts = {
            "pending_days": _(
                "A returns window: points of a sale wait this long, so a refund can take them "
                "back before they are spent. 0 makes them spendable at once."
            ),
            "claim_window_days": _(
                "A customer who was not identified at the till can add the receipt to their "
                "card within this many days."
            ),
            "expiry_months": _("Used when points expire; counted from earning or last purchase."),
            "expiry_notice_days": _("Members get a reminder before their points expire."),
            "birthday_mode": _("Only used when there is a birthday bonus."),
            "referral_bonus": _(
                "When a referred friend makes a first purchase of at least the minimum, both the "
                "friend and the member who referred them get this many points. Taken back if "
                "that purchase is refunded."
            ),
            "referral_min_purchase": _("The friend's first purchase must be at least this."),
            "referral_monthly_cap": _(
                "A member who refers more friends than this in a calendar month gets no bonus "
                "for the extra ones."
            ),
            "max_points_per_purchase": _("Points above this are not credited."),
            "max_purchases_per_day": _("Further purchases that day are recorded but earn nothing."),
            "tier_window_months": _("Used with rolling months: e.g. 12 means the last year."),
            "tier_grace_days": _(
                "A member who no longer qualifies keeps the tier this long before moving down."
            ),
        }

    def __init__(self, *args, merchant, saved: Program, **kwargs):
        super().__init__(*args, **kwargs)
        symbol = merchant.currency_symbol
        self.fields["points_per_unit"].help_text = _(
            "Points for each %(one)s spent, rounded down per purchase. Tier multipliers and "
            "promotions come on top."
        ) % {"one": format_money(1, merchant, places=0)}
        self.fields["min_purchase_amount"].help_text = _(
            "Purchases below this amount (in %(symbol)s) earn nothing. 0 for no minimum."
        ) % {"symbol": symbol}
        # The example is what the saved value means; it changes when the form is saved.
        self.fields["point_value"].help_text = _(
            "What one point is worth, in %(symbol)s, when members spend points. "
            "Example: %(example)s."
        ) % {"symbol": symbol, "example": points_with_money(EXAMPLE_POINTS, saved)}
        # The sale limits: empty is the default of the merchant's currency, said in the help.
        self.merchant = merchant
        default_unusual, default_max = default_sale_limits(merchant.currency)
        self.fields["unusual_sale_amount"].help_text = _(
            "In %(symbol)s. A typo like 99999 at the till asks “Confirm?” first. Empty: "
            "%(default)s."
        ) % {"symbol": symbol, "default": format_money(default_unusual, merchant)}
        self.fields["max_sale_amount"].help_text = _(
            "In %(symbol)s. Refused at the till and in the API. Empty: %(default)s."
        ) % {"symbol": symbol, "default": format_money(default_max, merchant)}
        for name in ("unusual_sale_amount", "max_sale_amount"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "min": "0.01"})

    def fieldsets(self):
        for legend, description, names in self.FIELDSETS:
            yield {
                "legend": legend,
                "description": description,
                "fields": [self[name] for name in names],
            }

    def clean(self):
        data = super().clean()
        for field, message in program_problems(data, currency=self.merchant.currency).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data


class TierForm(TranslationsFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    threshold = forms.DecimalField(
        label=_("Threshold"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    multiplier = forms.DecimalField(
        label=_("Earn multiplier"),
        min_value=Decimal("1"),
        max_digits=4,
        decimal_places=2,
        initial=Decimal("1.00"),
        help_text=_(
            "Members of the tier earn base points × this: 1.25 gives 25% more. "  # noqa: RUF001
            "A higher tier never earns less than a lower one."
        ),
    )
    benefits = forms.CharField(
        label=_("Benefits"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What members of the tier get, in your words; shown on their page."),
    )

    def __init__(self, *args, program: Program, tier: Tier | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        threshold = self.fields["threshold"]
        if program.tier_basis == TierBasis.POINTS:
            threshold.label = _("Points earned to reach it")
            threshold.widget.attrs["step"] = "1"
        else:
            threshold.label = _("Money spent to reach it (%(symbol)s)") % {
                "symbol": program.merchant.currency_symbol
            }
        if program.tier_window == TierWindow.CALENDAR_YEAR:
            window = _("in the calendar year")
        else:
            window = _("in the last %(months)s months") % {"months": program.tier_window_months}
        threshold.help_text = _(
            "Counted %(window)s. The lowest tier starts at 0: every member is in it. Members "
            "move when they next buy, or in the nightly re-evaluation."
        ) % {"window": window}
        self.add_translation_fields(program.merchant, instance=tier)

    def own_fields(self) -> list[forms.BoundField]:
        """The tier's fields in the merchant's language; the other languages' come after, in
        their <details> (portal/_translations.html)."""
        return [self[name] for name in ("name", "threshold", "multiplier", "benefits")]
