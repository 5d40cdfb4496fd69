"""Tenancy, staff and access: the merchant and everything that hangs from it.

Every tenant-owned row carries `merchant`, and every unique constraint and page index starts
with it. Write paths live in `loyalty/tenancy/services.py`; nothing here runs a workflow on save.
"""

import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

CURRENCIES = [
    ("EUR", "EUR — euro"),
    ("RON", "RON — Romanian leu"),
    ("MDL", "MDL — Moldovan leu"),
    ("GBP", "GBP — pound sterling"),
    ("USD", "USD — US dollar"),
    ("CHF", "CHF — Swiss franc"),
    ("PLN", "PLN — Polish złoty"),
    ("CZK", "CZK — Czech koruna"),
    ("HUF", "HUF — Hungarian forint"),
    ("SEK", "SEK — Swedish krona"),
    ("DKK", "DKK — Danish krone"),
    ("NOK", "NOK — Norwegian krone"),
]
# The symbol Fidela shows for a currency, in every language: what people write on a price tag
# and a receipt where the currency is spent. CLDR's own symbols (Babel's) differ for the lei:
# it writes "RON" and "MDL", where shops in Romania and Moldova write "lei". loyalty/money.py
# puts the symbol into the reader's CLDR pattern ("12,50 lei", "€12.50"); a currency not
# listed shows its ISO code ("CHF 12.50").
CURRENCY_SYMBOLS = {
    "EUR": "€",
    "RON": "lei",
    "MDL": "lei",
    "GBP": "£",
    "USD": "$",
    "PLN": "zł",
    "CZK": "Kč",
    "HUF": "Ft",
    "SEK": "kr",
    "DKK": "kr",
    "NOK": "kr",
}


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(DjangoUserManager):
    """Staff users sign in with their email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("email address"), unique=True)
    # The language this person picked with the switcher, kept for their other browsers; blank
    # until they pick one (then their browser's, then the merchant's, see loyalty.languages).
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email


class TenantQuerySet(models.QuerySet):
    def for_merchant(self, merchant: "Merchant") -> "TenantQuerySet":
        return self.filter(merchant=merchant)


class Merchant(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("web address"),
        max_length=60,
        unique=True,
        help_text=_("Used in your customers' links: /m/<web address>/"),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="EUR")
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Bucharest")
    country = models.CharField(
        _("country"),
        max_length=2,
        default="RO",
        help_text=_("Two letters (RO, DE, GB…): phone numbers without a prefix are read as local."),
    )
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#0f766e",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #0f766e."))],
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    privacy_notice_url = models.URLField(
        _("privacy notice"),
        max_length=300,
        blank=True,
        help_text=_(
            "The address of your privacy notice. The join page links it beside the offers' "
            "consent boxes."
        ),
    )
    require_mfa = models.BooleanField(
        _("require two-factor authentication for all staff"), default=False
    )
    api_requests_per_second = models.PositiveSmallIntegerField(
        _("API requests per second per key"),
        default=20,
        validators=[MinValueValidator(1)],
        help_text=_("Each till's key may send this many requests a second, with short bursts."),
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def api_rate(self) -> int:
        """Requests a second each key gets: the owner's rate, within 1 and `API_RATE_MAX`
        (whatever was stored before that maximum existed)."""
        return max(1, min(self.api_requests_per_second, settings.API_RATE_MAX))

    @property
    def currency_symbol(self) -> str:
        """“lei”, “€”: the symbol alone; loyalty.money places it as the language does."""
        return CURRENCY_SYMBOLS.get(self.currency, self.currency)


class ShopQuerySet(TenantQuerySet):
    def active(self) -> "ShopQuerySet":
        return self.filter(archived_at__isnull=True)


class Shop(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="shops")
    name = models.CharField(_("name"), max_length=120)
    address = models.TextField(_("address"), blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    objects = ShopQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="shop_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    CASHIER = "cashier", _("Cashier")


ROLE_RANK = {Role.CASHIER: 1, Role.MANAGER: 2, Role.OWNER: 3}


class StaffMember(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    shop = models.ForeignKey(
        Shop,
        verbose_name=_("shop"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Cashiers bound to a shop record sales there only."),
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "user"], name="staff_unique_per_merchant"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="staff_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def is_cashier(self) -> bool:
        return self.role == Role.CASHIER


def hash_token(raw: str) -> str:
    """Tokens and keys are long random strings: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(raw.encode()).hexdigest()


class Invitation(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, null=True, blank=True
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="invitation_merchant")]

    def __str__(self) -> str:
        return f"{self.email} → {self.merchant}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > dj_timezone.now()
        )


class ApiKey(models.Model):
    PREFIX = "fdl_"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="api_keys")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=80, blank=True)
    # The first characters of the key, kept in clear so a key can be recognised in the list.
    hint = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="apikey_merchant")]

    def __str__(self) -> str:
        return f"{self.hint}… ({self.shop})"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "-created_at"], name="audit_merchant_time"),
            models.Index(
                fields=["merchant", "action", "-created_at"], name="audit_merchant_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"
