"""Write paths of tenancy, staff and access. Each is one transaction and leaves an audit row."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.compiled import CompiledQuery
from loyalty.errors import Conflict, NotAllowed, ValidationFailed
from loyalty.languages import reader_language
from loyalty.models import (
    ApiKey,
    Invitation,
    Merchant,
    Role,
    Shop,
    StaffMember,
    User,
    hash_token,
)

INVITATION_DAYS = 7


# --- Merchants and shops -------------------------------------------------------------------------


@transaction.atomic
def create_merchant(
    *,
    owner: User,
    name: str,
    slug: str,
    currency: str = "EUR",
    timezone_name: str = "Europe/Bucharest",
    shop_name: str = "Main",
    shop_address: str = "",
    default_language: str = settings.LANGUAGE_CODE,
) -> Merchant:
    """A new merchant with its first shop and its owner: the whole onboarding in one step. The
    sample tiers and rewards it starts with are written in `default_language`, and in the
    other languages as their translations."""
    # Web addresses are lower case, so no two merchants differ only by case.
    slug = slug.strip().lower()
    if Merchant.objects.filter(slug__iexact=slug).exists():
        raise Conflict(
            _("The web address “%(slug)s” is taken.") % {"slug": slug}, code="slug_taken"
        )
    merchant = Merchant.objects.create(
        name=name,
        slug=slug,
        currency=currency,
        timezone=timezone_name,
        default_language=default_language,
    )
    shop = Shop.objects.create(merchant=merchant, name=shop_name, address=shop_address)
    StaffMember.objects.create(merchant=merchant, user=owner, role=Role.OWNER)
    log_action(merchant=merchant, actor=owner, action="loyalty.merchant.created", target=merchant)
    log_action(merchant=merchant, actor=owner, action="loyalty.shop.created", target=shop)
    for hook in MERCHANT_CREATED_HOOKS:
        hook(merchant)
    return merchant


# Later parts of the domain (the default program, sample rewards) register here what a new
# merchant starts with, so onboarding, the command and the demo all get the same defaults.
MERCHANT_CREATED_HOOKS: list = []


def on_merchant_created(hook) -> None:
    """Run `hook(merchant)` in the transaction that creates every new merchant, after the hooks
    registered before it (apps register theirs in `ready()`: the program before the rewards)."""
    if hook not in MERCHANT_CREATED_HOOKS:
        MERCHANT_CREATED_HOOKS.append(hook)


@transaction.atomic
def update_merchant(*, merchant: Merchant, actor: User, changes: dict) -> Merchant:
    changed = {}
    for field, value in changes.items():
        if getattr(merchant, field) != value:
            setattr(merchant, field, value)
            changed[field] = str(value)
    if changed:
        merchant.save(update_fields=list(changed))
        log_action(
            merchant=merchant,
            actor=actor,
            action="loyalty.merchant.updated",
            target=merchant,
            data={"changed": sorted(changed)},
        )
    return merchant


@transaction.atomic
def create_shop(*, merchant: Merchant, actor: User | None, name: str, address: str = "") -> Shop:
    if Shop.objects.for_merchant(merchant).filter(name__iexact=name).exists():
        raise Conflict(_("A shop named “%(name)s” exists already.") % {"name": name})
    shop = Shop.objects.create(merchant=merchant, name=name, address=address)
    log_action(merchant=merchant, actor=actor, action="loyalty.shop.created", target=shop)
    return shop


@transaction.atomic
def update_shop(*, shop: Shop, actor: User, name: str, address: str) -> Shop:
    if (
        Shop.objects.for_merchant(shop.merchant)
        .filter(name__iexact=name)
        .exclude(pk=shop.pk)
        .exists()
    ):
        raise Conflict(_("A shop named “%(name)s” exists already.") % {"name": name})
    shop.name, shop.address = name, address
    shop.save(update_fields=["name", "address"])
    log_action(merchant=shop.merchant, actor=actor, action="loyalty.shop.updated", target=shop)
    return shop


@transaction.atomic
def archive_shop(*, shop: Shop, actor: User) -> Shop:
    active = Shop.objects.for_merchant(shop.merchant).active()
    if shop.archived_at is None and active.count() <= 1:
        raise NotAllowed(_("A merchant needs at least one open shop."), code="last_shop")
    if StaffMember.objects.filter(shop=shop).exists():
        raise NotAllowed(
            _("Cashiers are still bound to this shop. Move them to another shop first."),
            code="shop_has_staff",
        )
    shop.archived_at = timezone.now()
    shop.save(update_fields=["archived_at"])
    ApiKey.objects.filter(shop=shop, revoked_at__isnull=True).update(revoked_at=timezone.now())
    Invitation.objects.filter(shop=shop, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    log_action(merchant=shop.merchant, actor=actor, action="loyalty.shop.archived", target=shop)
    return shop


@transaction.atomic
def restore_shop(*, shop: Shop, actor: User) -> Shop:
    shop.archived_at = None
    shop.save(update_fields=["archived_at"])
    log_action(merchant=shop.merchant, actor=actor, action="loyalty.shop.restored", target=shop)
    return shop


# --- Staff ---------------------------------------------------------------------------------------


def _check_shop(merchant: Merchant, role: str, shop: Shop | None) -> Shop | None:
    if shop is not None and shop.merchant_id != merchant.pk:
        raise ValidationFailed(_("That shop does not belong to this merchant."))
    if shop is not None and shop.is_archived:
        raise ValidationFailed(_("That shop is archived."))
    return shop if role == Role.CASHIER else None


@transaction.atomic
def invite_staff(
    *, merchant: Merchant, actor: User, email: str, role: str, shop: Shop | None = None
) -> tuple[Invitation, str]:
    """Invite someone by email. Returns the invitation and the raw token (sent, never stored)."""
    email = email.strip().lower()
    if StaffMember.objects.for_merchant(merchant).filter(user__email__iexact=email).exists():
        raise Conflict(_("%(email)s is already on your staff.") % {"email": email})
    shop = _check_shop(merchant, role, shop)
    # A new invitation replaces any open one for the same address.
    Invitation.objects.for_merchant(merchant).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        merchant=merchant,
        email=email,
        role=role,
        shop=shop,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    log_action(
        merchant=merchant,
        actor=actor,
        action="loyalty.staff.invited",
        target=invitation,
        data={"email": email, "role": role},
    )
    link = settings.SITE_URL + reverse("accept_invitation", args=[token])
    context = {"invitation": invitation, "link": link, "actor": actor, "days": INVITATION_DAYS}
    # In the language the invitee chose if they have an account, else the business's.
    known = User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
    with translation.override(reader_language(known, merchant)):
        subject = _("You are invited to join %(merchant)s on Fidela") % {"merchant": merchant.name}
        body = render_to_string("email/invitation.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)
    )
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("merchant", "shop")
        .filter(token_hash=hash_token(token))
        .first()
    )


def email_verified(user: User, email: str = "") -> bool:
    """Whether `email` (the account's own by default) was proved: allauth marked it verified.

    Member accounts are made from an address someone typed (a join page, the till), so an
    account alone proves nothing; a code or link that reached the address does.
    """
    email = email or user.email
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def accept_invitation_with_new_account(*, invitation: Invitation, password: str) -> StaffMember:
    """Someone without an account accepts: the account and the staff role come together, or
    neither does (an invitation revoked a moment ago leaves no account behind). The invitation
    link reached the address, which proves it."""
    user = User.objects.create_user(email=invitation.email, password=password)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return accept_invitation(invitation=invitation, user=user)


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> StaffMember:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise NotAllowed(
            _("This invitation has expired or was already used. Ask for a new one."),
            code="invitation_closed",
        )
    if invitation.shop is not None and invitation.shop.is_archived:
        raise NotAllowed(
            _("The shop of this invitation has closed since. Ask for a new invitation."),
            code="invitation_closed",
        )
    if user.email.lower() != invitation.email.lower():
        raise NotAllowed(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email},
            code="invitation_other_email",
        )
    if not email_verified(user, invitation.email):
        raise NotAllowed(
            _("Confirm your email address first: we send you a code."),
            code="email_unverified",
        )
    staff, created = StaffMember.objects.get_or_create(
        merchant=invitation.merchant,
        user=user,
        defaults={"role": invitation.role, "shop": invitation.shop},
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if created:
        log_action(
            merchant=invitation.merchant,
            actor=user,
            action="loyalty.staff.joined",
            target=staff,
            data={"role": staff.role},
        )
    return staff


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor: User) -> Invitation:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        log_action(
            merchant=invitation.merchant,
            actor=actor,
            action="loyalty.staff.invitation_revoked",
            target=invitation,
        )
    return invitation


def _lock_owners(merchant: Merchant) -> int:
    return len(
        StaffMember.objects.select_for_update()
        .for_merchant(merchant)
        .filter(role=Role.OWNER)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def change_role(
    *, staff: StaffMember, actor: User, role: str, shop: Shop | None = None
) -> StaffMember:
    merchant = staff.merchant
    if staff.role == Role.OWNER and role != Role.OWNER and _lock_owners(merchant) <= 1:
        raise NotAllowed(
            _("A merchant needs at least one owner. Make someone else owner first."),
            code="last_owner",
        )
    shop = _check_shop(merchant, role, shop)
    before = {"role": staff.role, "shop": staff.shop_id}
    staff.role, staff.shop = role, shop
    staff.save(update_fields=["role", "shop"])
    log_action(
        merchant=merchant,
        actor=actor,
        action="loyalty.staff.role_changed",
        target=staff,
        data={"before": before, "after": {"role": role, "shop": staff.shop_id}},
    )
    return staff


@transaction.atomic
def remove_staff(*, staff: StaffMember, actor: User) -> None:
    merchant = staff.merchant
    if staff.role == Role.OWNER and _lock_owners(merchant) <= 1:
        raise NotAllowed(
            _("A merchant needs at least one owner. Make someone else owner first."),
            code="last_owner",
        )
    log_action(
        merchant=merchant,
        actor=actor,
        action="loyalty.staff.removed",
        target=staff,
        data={"email": staff.user.email, "role": staff.role},
    )
    staff.delete()


# --- API keys ------------------------------------------------------------------------------------


@transaction.atomic
def create_api_key(
    *, merchant: Merchant, shop: Shop, actor: User | None, name: str = ""
) -> tuple[ApiKey, str]:
    """A new key for one shop. The raw key is returned once and only its hash is stored."""
    if shop.merchant_id != merchant.pk:
        raise ValidationFailed(_("That shop does not belong to this merchant."))
    if shop.is_archived:
        raise ValidationFailed(_("That shop is archived."))
    raw = ApiKey.generate()
    try:
        key = ApiKey.objects.create(
            merchant=merchant,
            shop=shop,
            name=name,
            hint=raw[:10],
            key_hash=hash_token(raw),
            created_by=actor,
        )
    except IntegrityError:  # pragma: no cover - 256 bits of randomness do not collide
        raise Conflict(_("Please try again.")) from None
    log_action(
        merchant=merchant,
        actor=actor,
        action="loyalty.api_key.created",
        target=key,
        data={"shop": shop.name},
    )
    return key, raw


@transaction.atomic
def revoke_api_key(*, key: ApiKey, actor: User) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        log_action(merchant=key.merchant, actor=actor, action="loyalty.api_key.revoked", target=key)
    return key


# Built once per database (loyalty.compiled): every API request runs it.
_KEY = CompiledQuery(
    lambda key_hash: (
        ApiKey.objects.select_related("merchant", "shop")
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .order_by("pk")[:1]
    ),
    key_hash="\x00stand-in key",
)


def authenticate_api_key(raw: str) -> ApiKey | None:
    """The active key for a raw key, with its merchant and shop; marks it used."""
    key = _KEY.first(key_hash=hash_token(raw))
    if key is not None:
        # One merchant object for the key and its shop: `shop.merchant` would load it again.
        key.shop.merchant = key.merchant
        now = timezone.now()
        # Written at most once a minute so a busy till does not update the row on every call.
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key
