"""factory-boy factories: one per model a test makes rows of directly.

A factory writes a row as it is, with none of the rules of the service that normally writes
it: no welcome bonus, no ledger entry, no event, no audit row. Use one where a test needs a
row to exist and its history does not matter (a database constraint, a permission, a page
that lists rows). Where behaviour matters, build through the real services instead
(STYLE.md: "Build test data through the real services"): members through
tests/personas.py or `enrol_member`, sales through `record_purchase`, vouchers through
`issue_voucher` or `redeem_reward`. That is why there is no factory for purchases, refunds,
points entries or lots: a row of the ledger written by hand would break the reconciliation
the tests check.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone
from django_q.models import Schedule

from loyalty.models import ApiKey, Merchant, Role, Shop, StaffMember, User
from loyalty.models.points import Tier
from loyalty.models.pos import FlagKind, StaffFlag
from loyalty.models.ratelimit import RateCounter
from loyalty.models.tenancy import hash_token
from loyalty.models.webhooks import WebhookEndpoint
from members.models import Member, MemberImport, MemberSource, new_card_number
from rewards.models import (
    VOUCHER_ALPHABET,
    Reward,
    RewardKind,
    Voucher,
    VoucherSource,
    VoucherStatus,
)

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class MerchantFactory(factory.django.DjangoModelFactory):
    """A bare merchant row: no program, tiers or sample reward (`create_merchant` adds those)."""

    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n}")
    slug = factory.Sequence(lambda n: f"merchant-{n}")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Shop {n}")
    address = "1 High Street"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    merchant = factory.SubFactory(MerchantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class AuthenticatorFactory(factory.django.DjangoModelFactory):
    """An MFA authenticator row; by default recovery codes, which alone do not satisfy MFA."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.RECOVERY_CODES
    data = factory.LazyFunction(lambda: {"seed": "x"})


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Tier {n}")
    # Thresholds are unique per merchant.
    threshold = factory.Sequence(lambda n: Decimal(1000 + n * 100))
    multiplier = Decimal("1")


class MemberFactory(factory.django.DjangoModelFactory):
    """A member row with no welcome bonus, consent, tier or sign-in account."""

    class Meta:
        model = Member

    merchant = factory.SubFactory(MerchantFactory)
    card_number = factory.LazyFunction(new_card_number)
    email = factory.Sequence(lambda n: f"member{n}@example.com")
    first_name = factory.Sequence(lambda n: f"Member{n}")
    source = MemberSource.POS


class MemberImportFactory(factory.django.DjangoModelFactory):
    """An uploaded CSV, previewed and not started."""

    class Meta:
        model = MemberImport

    merchant = factory.SubFactory(MerchantFactory)
    filename = "members.csv"
    csv = "email,first_name\nioana@example.com,Ioana\n"
    total_rows = 1


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reward

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Reward {n}")
    kind = RewardKind.FREE_ITEM
    value = Decimal("3.00")
    item = "Coffee"
    points_cost = 300


def _voucher_code(n: int) -> str:
    """The n-th code of the voucher alphabet, 8 characters: unique, upper case, valid."""
    base = len(VOUCHER_ALPHABET)
    digits = []
    for _position in range(8):
        n, digit = divmod(n, base)
        digits.append(VOUCHER_ALPHABET[digit])
    return "".join(reversed(digits))


class VoucherFactory(factory.django.DjangoModelFactory):
    """A manual voucher row with no member and no points spent on it."""

    class Meta:
        model = Voucher

    merchant = factory.SubFactory(MerchantFactory)
    code = factory.Sequence(_voucher_code)
    title = "Free coffee"
    kind = RewardKind.FREE_ITEM
    value = Decimal("3.00")
    source = VoucherSource.MANUAL
    status = VoucherStatus.ISSUED
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """An API key row; `raw` (not stored) is the key a client sends."""

    class Meta:
        model = ApiKey
        exclude = ["raw"]

    raw = factory.LazyFunction(ApiKey.generate)
    shop = factory.SubFactory(ShopFactory)
    merchant = factory.SelfAttribute("shop.merchant")
    hint = factory.LazyAttribute(lambda key: key.raw[:10])
    key_hash = factory.LazyAttribute(lambda key: hash_token(key.raw))


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    """An endpoint row; it skips the address checks `create_endpoint` makes."""

    class Meta:
        model = WebhookEndpoint

    merchant = factory.SubFactory(MerchantFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    events = factory.LazyFunction(lambda: ["member.joined"])
    secret = factory.LazyFunction(WebhookEndpoint.generate_secret)


class StaffFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffFlag

    merchant = factory.SubFactory(MerchantFactory)
    kind = FlagKind.MANY_UNDOS
    key = factory.Sequence(lambda n: f"flag-{n}")


class RateCounterFactory(factory.django.DjangoModelFactory):
    """A counter of the current minute's window."""

    class Meta:
        model = RateCounter

    key = factory.Sequence(lambda n: f"limit:{n}")
    window_start = factory.LazyFunction(lambda: timezone.now().replace(second=0, microsecond=0))
    expires_at = factory.LazyAttribute(lambda counter: counter.window_start + timedelta(minutes=1))
    hits = 1


class ScheduleFactory(factory.django.DjangoModelFactory):
    """A django-q schedule row, as `sync_schedules` writes them (repeating for ever)."""

    class Meta:
        model = Schedule

    name = factory.Sequence(lambda n: f"Job {n}")
    func = factory.Sequence(lambda n: f"loyalty.tasks.job_{n}")
    repeats = -1
