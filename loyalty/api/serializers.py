"""What goes in and out of the shop API. Inputs validate shape; the services decide the rest."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from loyalty.api.fields import (
    MAX_AMOUNT,
    AwareDateTimeField,
    MoneyField,
    PlainDecimalField,
    TextField,
)

ID_MAX = 2**31 - 1


# --- Inputs --------------------------------------------------------------------------------------


class EnrolmentInput(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254, default="")
    phone = TextField(required=False, allow_blank=True, max_length=32, default="")
    first_name = TextField(required=False, allow_blank=True, max_length=80, default="")
    last_name = TextField(required=False, allow_blank=True, max_length=80, default="")
    birthday = TextField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=10,
        default=None,
        help_text=_("YYYY-MM-DD, or --MM-DD without the year."),
    )
    email_marketing = serializers.BooleanField(required=False, default=False)
    sms_marketing = serializers.BooleanField(required=False, default=False)
    referral_code = TextField(required=False, allow_blank=True, max_length=12, default="")

    def validate(self, attrs):
        if not attrs.get("email") and not attrs.get("phone"):
            raise serializers.ValidationError(
                {"email": [_("Give an email address or a phone number.")]}
            )
        return attrs


class ItemInput(serializers.Serializer):
    sku = TextField(required=False, allow_blank=True, max_length=64, default="")
    name = TextField(required=False, allow_blank=True, max_length=200, default="")
    category = TextField(required=False, allow_blank=True, max_length=64, default="")
    quantity = PlainDecimalField(
        max_digits=9,
        decimal_places=3,
        required=False,
        default=Decimal("1"),
        min_value=Decimal("0.001"),
        max_value=Decimal("99999"),
    )
    unit_price = MoneyField(
        min_value=-MAX_AMOUNT,
        max_value=MAX_AMOUNT,
        help_text=_(
            "Negative for a discount line. A discount lowers what earns points, even on an "
            "excluded product; no line makes a sale earn on more than its amount."
        ),
    )


class PurchaseInput(serializers.Serializer):
    external_id = TextField(max_length=100, help_text=_("The receipt number, unique per shop."))
    member = TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=64,
        default=None,
        help_text=_("The member's card number, or null for an anonymous sale."),
    )
    amount = MoneyField(min_value=Decimal("0.01"), max_value=MAX_AMOUNT)
    currency = TextField(required=False, allow_blank=True, max_length=3, default="")
    occurred_at = AwareDateTimeField(required=False, default=None, allow_null=True)
    items = ItemInput(many=True, required=False, max_length=200, default=list)
    vouchers = serializers.ListField(
        child=TextField(max_length=32),
        required=False,
        max_length=10,
        default=list,
        help_text=_("Codes of vouchers used on this purchase."),
    )

    def validate_external_id(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("A receipt number is required."))
        return value


class RefundInput(serializers.Serializer):
    external_id = TextField(max_length=100, help_text=_("The refund's receipt number."))
    amount = MoneyField(min_value=Decimal("0.01"), max_value=MAX_AMOUNT)

    def validate_external_id(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("A refund number is required."))
        return value


class RedemptionInput(serializers.Serializer):
    reward = serializers.IntegerField(min_value=1, max_value=ID_MAX)


class VoucherUseInput(serializers.Serializer):
    purchase = TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=100,
        default=None,
        help_text=_("The external_id of this shop's purchase the voucher is used on."),
    )


# --- Outputs -------------------------------------------------------------------------------------


class TierOutput(serializers.Serializer):
    name = serializers.CharField()
    threshold = MoneyField()
    multiplier = MoneyField()


class ProgramOutput(serializers.Serializer):
    currency = serializers.CharField()
    points_per_unit = MoneyField()
    point_value = serializers.DecimalField(max_digits=10, decimal_places=4, coerce_to_string=True)
    tier_basis = serializers.CharField()
    tiers = TierOutput(many=True)


class NextTierOutput(serializers.Serializer):
    name = serializers.CharField()
    remaining = serializers.CharField(
        help_text=_('Money ("120.00") on the spend basis, points ("350") on the points basis.')
    )
    basis = serializers.ChoiceField(choices=["spend", "points"])


class TierNameOutput(serializers.Serializer):
    name = serializers.CharField()


class MemberOutput(serializers.Serializer):
    card_number = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    status = serializers.CharField()
    points_balance = serializers.IntegerField()
    pending_points = serializers.IntegerField()
    tier = TierNameOutput(allow_null=True)
    next_tier = NextTierOutput(allow_null=True)
    joined_at = AwareDateTimeField()


class StampCardOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    stamps = serializers.IntegerField(help_text="Stamps on the card being filled.")
    stamps_needed = serializers.IntegerField()
    stamps_left = serializers.IntegerField()
    cards_filled = serializers.IntegerField()
    reward = serializers.CharField(help_text="What a full card gives (a voucher of it).")


class ClubPerkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    period = serializers.CharField(help_text="day, week or month.")
    left = serializers.IntegerField(help_text="Uses left in the period today.")
    usable_today = serializers.BooleanField()


class ClubOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    until = serializers.DateField(help_text="The last day of the membership (the merchant's).")
    multiplier = serializers.DecimalField(max_digits=4, decimal_places=2)
    perks = ClubPerkOutput(many=True)


class StreakMilestoneOutput(serializers.Serializer):
    length = serializers.IntegerField(help_text="Periods in a row.")
    points = serializers.IntegerField()


class StreakOutput(serializers.Serializer):
    name = serializers.CharField()
    period = serializers.ChoiceField(choices=["week", "day"])
    length = serializers.IntegerField(help_text="Periods in a row now; 0 when it lapsed.")
    best = serializers.IntegerField()
    alive = serializers.BooleanField()
    at_risk = serializers.BooleanField(help_text="Alive, but no visit yet in this period.")
    grace_left = serializers.BooleanField(help_text="One missed period would still be forgiven.")
    next_milestone = StreakMilestoneOutput(allow_null=True)
    periods_to_next = serializers.IntegerField(allow_null=True)


class ChallengeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    progress = serializers.CharField(help_text="Towards the goal: a count, or an amount.")
    goal = serializers.CharField()
    label = serializers.CharField(help_text="“2 of 5 visits”, or “Completed”.")
    completed = serializers.IntegerField(help_text="Times this member completed it.")
    ends_on = serializers.DateField(allow_null=True)


class BadgeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    icon = serializers.CharField()
    awarded_at = serializers.DateTimeField()


class MemberDetailOutput(MemberOutput):
    """One member, with their stamp cards, streak, challenges and badges (the list and the
    sale's answer leave them out). Hidden challenges appear once the member completed them."""

    stamp_cards = StampCardOutput(many=True)
    streak = StreakOutput(allow_null=True, help_text="Null when the merchant runs no streak.")
    challenges = ChallengeOutput(many=True)
    badges = BadgeOutput(many=True)
    club = ClubOutput(allow_null=True, help_text="The paid club the member is in; null if none.")


class MemberListOutput(serializers.Serializer):
    results = MemberOutput(many=True)


class BreakdownOutput(serializers.Serializer):
    kind = serializers.CharField()
    points = serializers.IntegerField()
    label = serializers.CharField()


class ItemOutput(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    quantity = serializers.CharField()
    unit_price = serializers.CharField()


class ConditionsOutput(serializers.Serializer):
    min_purchase = serializers.CharField(allow_null=True)
    max_discount = serializers.CharField(allow_null=True)
    item = serializers.CharField(allow_null=True)
    expires_at = serializers.CharField()


class VoucherOutput(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    value = MoneyField()
    conditions = ConditionsOutput()
    issued_at = AwareDateTimeField()
    expires_at = AwareDateTimeField()
    used_at = AwareDateTimeField(allow_null=True)
    member = serializers.CharField(allow_null=True, help_text=_("The member's card number."))


class PurchaseOutput(serializers.Serializer):
    external_id = serializers.CharField()
    shop = serializers.CharField()
    amount = MoneyField()
    currency = serializers.CharField()
    refunded_amount = MoneyField()
    occurred_at = AwareDateTimeField()
    items = ItemOutput(many=True)
    points_earned = serializers.IntegerField()
    points_breakdown = BreakdownOutput(many=True)
    reversed = serializers.BooleanField()
    member = MemberOutput(allow_null=True)
    vouchers_used = VoucherOutput(many=True)
    claim_code = serializers.CharField(allow_null=True)


class RefundOutput(serializers.Serializer):
    external_id = serializers.CharField()
    purchase = serializers.CharField()
    amount = MoneyField()
    points_clawed_back = serializers.IntegerField()
    created_at = AwareDateTimeField()
    member = MemberOutput(allow_null=True)


class RewardOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    value = MoneyField()
    points_cost = serializers.IntegerField()
    min_tier = serializers.CharField(allow_null=True)
    stock_left = serializers.IntegerField(allow_null=True)
    available_from = AwareDateTimeField(allow_null=True)
    available_until = AwareDateTimeField(allow_null=True)


class RewardListOutput(serializers.Serializer):
    results = RewardOutput(many=True)


class ProblemOutput(serializers.Serializer):
    """An error, as RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    voucher = serializers.CharField(required=False)
