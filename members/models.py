"""The member: a customer of one merchant, with the caches the points engine keeps.

The caches (`points_balance`, `pending_points`, lifetime figures, tier) are written only by
the points engine (`loyalty.points`), in the same transaction as the ledger entry that changes them;
`manage.py reconcile_points` proves them against the ledger.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, Shop, TenantQuerySet

CARD_DIGITS = 10  # nine random digits and a Luhn check digit


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid_card_number(number: str) -> bool:
    return (
        number.isdigit()
        and len(number) == CARD_DIGITS
        and luhn_check_digit(number[:-1]) == number[-1]
    )


def new_card_number() -> str:
    body = "".join(secrets.choice("0123456789") for _ in range(CARD_DIGITS - 1))
    if body[0] == "0":  # no leading zero: spreadsheets and tills drop it
        body = str(secrets.choice(range(1, 10))) + body[1:]
    return body + luhn_check_digit(body)


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    BLOCKED = "blocked", _("Blocked")
    ANONYMIZED = "anonymized", _("Anonymized")


class MemberSource(models.TextChoices):
    POS = "pos", _("POS")
    JOIN_PAGE = "join", _("Join page")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    PORTAL = "portal", _("Portal")


class Member(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="members")
    card_number = models.CharField(_("card number"), max_length=CARD_DIGITS)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    first_name = models.CharField(_("first name"), max_length=80, blank=True)
    last_name = models.CharField(_("last name"), max_length=80, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=12, choices=MemberStatus, default=MemberStatus.ACTIVE)
    source = models.CharField(max_length=10, choices=MemberSource, default=MemberSource.POS)
    joined_at = models.DateTimeField(default=timezone.now)
    enrolled_at_shop = models.ForeignKey(
        Shop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The person's sign-in account for the member page (login by emailed code). One account
    # may hold cards at several merchants; each merchant's page shows only its own card.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member_cards",
    )
    referral_code = models.CharField(_("referral code"), max_length=12, blank=True)
    # The customer's id in the merchant's previous system (the purchase history import
    # matches on it); unique per merchant when set. A member imported with only this
    # reference has no email or phone yet.
    external_ref = models.CharField(
        _("reference in the previous system"), max_length=64, blank=True
    )
    referred_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    # Keyed hash of the browser that joined on the join page (members/devices.py): a friend
    # joining with a referral code from the referrer's browser is the referrer again.
    device_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Current consent state; the history with wording and source is in Consent.
    email_marketing = models.BooleanField(_("email offers"), default=False)
    sms_marketing = models.BooleanField(_("SMS offers"), default=False)
    # Birthday gaming: a changed birthday waits until after the next birthday bonus period.
    pending_birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    pending_birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    pending_birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    pending_birthday_from = models.DateField(null=True, blank=True)
    # A duplicate merged into another card. Its ledger stays its own (append-only), so the
    # survivor's lifetime points and points-basis tier count the entries of members merged
    # into it as well (see earned_entries_of).
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_members"
    )

    # --- caches of the ledger (loyalty.points writes them) ---
    points_balance = models.IntegerField(default=0)  # available now; negative after clawbacks
    pending_points = models.IntegerField(default=0)
    lifetime_points = models.IntegerField(default=0)
    lifetime_spend = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    purchase_count = models.PositiveIntegerField(default=0)
    first_purchase_at = models.DateTimeField(null=True, blank=True)
    last_purchase_at = models.DateTimeField(null=True, blank=True)
    tier = models.ForeignKey(
        "loyalty.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tier_since = models.DateTimeField(null=True, blank=True)
    # Set by the nightly re-evaluation when the member no longer qualifies; a downgrade
    # happens once the merchant's grace period has passed since then.
    tier_below_since = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "card_number"], name="member_card_unique"),
            models.UniqueConstraint(
                "merchant",
                Lower("email"),
                condition=~models.Q(email=""),
                name="member_email_unique",
            ),
            models.UniqueConstraint(
                fields=["merchant", "phone"],
                condition=~models.Q(phone=""),
                name="member_phone_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(email="", phone="", external_ref="")
                | models.Q(status="anonymized"),
                name="member_has_contact",
            ),
            models.UniqueConstraint(
                fields=["merchant", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="member_external_ref_unique",
            ),
            models.CheckConstraint(condition=models.Q(pending_points__gte=0), name="pending_ge_0"),
            models.UniqueConstraint(
                fields=["merchant", "referral_code"],
                condition=~models.Q(referral_code=""),
                name="member_referral_code_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_month__isnull=True)
                | models.Q(
                    birth_month__gte=1, birth_month__lte=12, birth_day__gte=1, birth_day__lte=31
                ),
                name="member_birthday_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "last_purchase_at"], name="member_last_purchase"),
            # The daily statistics count a day's enrolments.
            models.Index(fields=["merchant", "joined_at"], name="member_joined"),
            # Members by tier (the insights' cohorts page): an index-only count.
            models.Index(
                fields=["merchant", "tier"],
                condition=models.Q(status="active", merged_into__isnull=True),
                name="member_active_tier",
            ),
            models.Index(fields=["merchant", "birth_month", "birth_day"], name="member_birthday"),
            models.Index(
                fields=["merchant", "device_hash"],
                condition=~models.Q(device_hash=""),
                name="member_device",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in [self.first_name, self.last_name] if part)
        return name or self.email or self.phone or self.card_number

    @property
    def masked_email(self) -> str:
        if not self.email:
            return ""
        name, _at, domain = self.email.partition("@")
        return f"{name[:1]}{'•' * max(1, len(name) - 1)}@{domain}"

    @property
    def masked_phone(self) -> str:
        if not self.phone:
            return ""
        return f"{self.phone[:3]}{'•' * max(1, len(self.phone) - 6)}{self.phone[-3:]}"

    @property
    def birthday_display(self) -> str:
        if not self.birth_month:
            return ""
        if self.birth_year:
            return f"{self.birth_year:04d}-{self.birth_month:02d}-{self.birth_day:02d}"
        return f"--{self.birth_month:02d}-{self.birth_day:02d}"


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("Email offers")
    SMS = "sms", _("SMS offers")


class Consent(models.Model):
    """One change of a marketing consent: what was shown, where, and when. Never edited."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=8, choices=ConsentChannel)
    granted = models.BooleanField()
    source = models.CharField(max_length=20)  # pos, join, member_page, import, api, unsubscribe
    wording = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "-created_at"], name="consent_member_time")]

    def __str__(self) -> str:
        return f"{self.channel} {'on' if self.granted else 'off'}"


class SmsSignInCode(models.Model):
    """A code texted for the member page's sign-in (members/services/sms_signin.py).

    Only a keyed hash is kept; it is single use, valid a few minutes and allows a few tries,
    counted with a conditional UPDATE so that parallel guesses cannot go past the limit. A
    phone that is no member's gets a row too, with no member and a hash no code matches, so a
    wrong code gets the same answers, in the same order, for a member's phone and a stranger's.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)  # E.164
    code_hash = models.CharField(max_length=64)
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "phone"], name="sms_code_merchant_phone")
        ]
        indexes = [models.Index(fields=["merchant", "expires_at"], name="sms_code_expiry")]

    def __str__(self) -> str:
        return f"SMS code for {self.phone}"


# --- CSV imports -------------------------------------------------------------------------------
# The file is kept as text in the row, not on disk, so that any web process and any worker can
# read it (nothing lives on local disk between requests). The work is in
# `members.services.imports`; the worker entry point is `members.tasks.run_import`.


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    DRY_RUN = "dry_run", _("Dry run done")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MemberImport(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200)
    csv = models.TextField()
    status = models.CharField(max_length=10, choices=ImportStatus, default=ImportStatus.PREVIEWED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    # Chosen when the import starts. Off by default: imported customers are not new to the shop,
    # and their opening balance already carries what they had.
    pay_welcome_bonus = models.BooleanField(_("pay the welcome bonus"), default=False)
    # {"preview": {...}} after the upload, {"dry_run": {...}} after a dry run, and
    # {"skipped": [...], "error": "..."} while and after the import runs.
    report = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="member_import_time")]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class PurchaseHistoryImport(models.Model):
    """A purchase history file uploaded in the portal: its preview, then the import in
    django-q2 (`members.services.history_uploads`). The command imports without one."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200)
    csv = models.TextField()
    status = models.CharField(max_length=10, choices=ImportStatus, default=ImportStatus.PREVIEWED)
    # Chosen when the import starts: historic sales earn nothing unless the merchant says so.
    award_points = models.BooleanField(_("award points"), default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # {"preview": {counts, "errors": [{line, message}]}} after the upload; "result" (the same
    # shape) once imported, "error" if the import failed.
    report = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="history_import_time")]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


# --- Customer lifetime value (loyalty.analytics.scores writes these nightly) --------------------


class ClvFit(models.Model):
    """One nightly fit of the CLV models for a merchant: the parameters and what they saw."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    customers = models.PositiveIntegerField()
    repeaters = models.PositiveIntegerField()
    # {"bgnbd": {"r":…, "alpha":…, "a":…, "b":…}, "gamma_gamma": {"p":…, "q":…, "gamma":…}};
    # empty when there was too little history, and `problem` says what was missing.
    params = models.JSONField(default=dict, blank=True)
    problem = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="clv_fit_latest")]

    def __str__(self) -> str:
        return f"CLV fit as of {self.as_of}"


class MemberScore(models.Model):
    """What the CLV models expect of a member, as of the merchant's latest fit."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="score")
    as_of = models.DateField()
    p_alive = models.FloatField()
    expected_purchases_90d = models.FloatField()
    predicted_value_90d = models.DecimalField(max_digits=14, decimal_places=2)
    predicted_value_12m = models.DecimalField(max_digits=14, decimal_places=2)
    # Valuable (top share of the scored active members by what they spent) and probably gone,
    # as of the fit (loyalty.analytics.scores): the at-risk list reads this flag, not a sort of
    # every member.
    at_risk = models.BooleanField(default=False)
    # What the member had spent when scored: the at-risk list's order, read from this table's
    # partial index instead of sorting the members.
    lifetime_spend = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "p_alive"], name="member_score_alive"),
            models.Index(
                fields=["merchant"], condition=models.Q(at_risk=True), name="member_score_at_risk"
            ),
            models.Index(
                "merchant",
                models.F("lifetime_spend").desc(),
                condition=models.Q(at_risk=True),
                name="member_score_at_risk_spend",
            ),
        ]

    def __str__(self) -> str:
        return f"score of member {self.member_id}"
