"""Enrolment: the one write path the POS, the join page, the API and the CSV import share."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import Conflict, ValidationFailed
from loyalty.events import emit
from loyalty.models import Merchant, Shop, User
from loyalty.models.points import Tier
from loyalty.points.ledger import award_bonus
from loyalty.points.referrals import same_person
from members.contacts import normalize_email, normalize_phone, parse_birthday
from members.devices import device_hash
from members.models import Member, MemberSource, new_card_number
from members.queries import email_condition
from members.services.consents import record_consent
from members.services.profile import reward_complete_profile

CARD_ATTEMPTS = 5
REFERRAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))


class DuplicateMember(Conflict):
    """The contact belongs to a member already. `member` is for staff eyes only."""

    code = "duplicate_member"

    def __init__(self, message: str, *, member: Member, field: str):
        super().__init__(message, code=f"duplicate_{field}")
        self.member = member
        self.field = field


def find_duplicate(
    merchant: Merchant, *, email: str, phone: str, external_ref: str = ""
) -> DuplicateMember | None:
    members = Member.objects.for_merchant(merchant)
    if external_ref:
        existing = members.filter(external_ref=external_ref).first()
        if existing is not None:
            return DuplicateMember(
                _("The reference %(ref)s is already a member's.") % {"ref": external_ref},
                member=existing,
                field="external_ref",
            )
    if email:
        # The condition the (merchant, LOWER(email)) unique index answers (members/queries.py);
        # iexact's UPPER() would scan the merchant's members on every enrolment.
        existing = next(iter(members.filter(email_condition(email))), None)
        if existing is not None:
            return DuplicateMember(
                _("%(email)s is already a member.") % {"email": email},
                member=existing,
                field="email",
            )
    if phone:
        existing = members.filter(phone=phone).first()
        if existing is not None:
            return DuplicateMember(
                _("%(phone)s is already a member.") % {"phone": phone},
                member=existing,
                field="phone",
            )
    return None


def account_for_email(email: str) -> User:
    """The sign-in account of a person, for the member page (login by emailed code).

    Made or found from an address someone typed, so it proves nothing: no session is ever
    signed in to it here, and its address becomes verified only when the code mailed to it
    comes back (allauth's login by code). Until then it opens no card and no staff role.
    """
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None)
    return user


def _referrer(merchant: Merchant, referral_code: str) -> Member | None:
    """The member whose referral code was typed, or None; an unknown code is refused."""
    if not referral_code:
        return None
    referrer = (
        Member.objects.for_merchant(merchant)
        .filter(referral_code=referral_code.strip().upper())
        .first()
    )
    if referrer is None:
        raise ValidationFailed(
            _("The referral code %(code)s is unknown.") % {"code": referral_code},
            code="unknown_referral",
        )
    return referrer


def _record_joined(
    member: Member,
    *,
    referrer: Member | None,
    source: str,
    consents: dict[str, bool],
    wording: str,
    actor: User | None,
    now: datetime,
) -> None:
    """The consents given at the join, and the outbox's word of it (and of a refused referral)."""
    for channel, granted in consents.items():
        if granted:
            record_consent(
                member=member,
                channel=channel,
                granted=True,
                source=source,
                wording=wording,
                actor=actor,
                now=now,
            )
    joined = {
        "member": member.pk,
        "source": source,
        "referred_by": referrer.pk if referrer else None,
    }
    events = [("member.joined", joined)]
    if referrer is not None and same_person(member, referrer):
        # Said now, so the portal shows the referral refused from the start; the
        # first purchase pays no referral bonus either (same check there).
        refused = {
            "friend": member.pk,
            "referrer": referrer.pk,
            "purchase": None,
            "reason": "self_referral",
        }
        events.append(("referral.refused", refused))
    emit(member.merchant_id, events, now)


def enrol_member(
    *,
    merchant: Merchant,
    email: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    birthday: date | str | None = None,
    language: str = "",
    source: str = MemberSource.POS,
    shop: Shop | None = None,
    actor: User | None = None,
    email_marketing: bool = False,
    sms_marketing: bool = False,
    consent_wording: str = "",
    referral_code: str = "",
    device_id: str = "",
    welcome_bonus: bool = True,
    joined_at: datetime | None = None,
    external_ref: str = "",
    now: datetime | None = None,
) -> Member:
    """A new member with a card number, the entry tier, consents as given and the welcome bonus.

    Raises ValidationFailed for malformed input and DuplicateMember when the email or the phone
    is a member already (also when another till enrolled the same person a moment ago).
    `device_id` is the browser's id on the join page (members/devices.py), kept hashed: a
    referral from the referrer's own browser is refused as self-referral. `welcome_bonus`
    False skips the program's welcome bonus (an import, unless the merchant chooses it).
    `external_ref` is the customer's id in the merchant's previous system (the purchase
    history import): it stands in for the contact, so an imported customer the old system
    knew by number only becomes a member without email or phone; a reference held by a
    member already is a DuplicateMember.
    """
    external_ref = external_ref.strip()
    email = normalize_email(email)
    phone = normalize_phone(phone, merchant.country)
    birthday = parse_birthday(birthday)
    if not email and not phone and not external_ref:
        raise ValidationFailed(
            _("Give an email address or a phone number."), code="contact_required"
        )
    duplicate = find_duplicate(merchant, email=email, phone=phone, external_ref=external_ref)
    if duplicate is not None:
        raise duplicate
    referrer = _referrer(merchant, referral_code)
    now = now or timezone.now()
    joined_at = joined_at or now
    entry_tier = Tier.objects.for_merchant(merchant).filter(threshold=0).first()
    for attempt in range(CARD_ATTEMPTS):
        try:
            with transaction.atomic():
                member = Member.objects.create(
                    merchant=merchant,
                    card_number=new_card_number(),
                    referral_code=new_referral_code(),
                    referred_by=referrer,
                    email=email,
                    phone=phone,
                    external_ref=external_ref,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    birth_day=birthday.day if birthday else None,
                    birth_month=birthday.month if birthday else None,
                    birth_year=birthday.year if birthday and birthday.year > 1900 else None,
                    language=language or merchant.default_language,
                    source=source,
                    joined_at=joined_at,
                    enrolled_at_shop=shop,
                    enrolled_by=actor,
                    user=account_for_email(email) if email else None,
                    device_hash=device_hash(device_id),
                    tier=entry_tier,
                    tier_since=joined_at if entry_tier else None,
                )
                _record_joined(
                    member,
                    referrer=referrer,
                    source=source,
                    consents={"email": email_marketing, "sms": sms_marketing},
                    wording=consent_wording,
                    actor=actor,
                    now=now,
                )
                if welcome_bonus:
                    award_bonus(member=member, bonus="welcome", actor=actor, now=now)
                reward_complete_profile(member, actor=actor, now=now)
                return member
        except IntegrityError:
            # Another till enrolled the same person a moment ago, or (one in a billion) a card
            # or referral code clashed: the duplicate check tells which.
            duplicate = find_duplicate(
                merchant, email=email, phone=phone, external_ref=external_ref
            )
            if duplicate is not None:
                raise duplicate from None
            if attempt == CARD_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class NewMember:
    """One customer for `enrol_in_bulk`: contacts already normalized (or none) and the
    reference of the previous system."""

    external_ref: str
    email: str = ""
    phone: str = ""
    joined_at: datetime | None = None
    shop: Shop | None = None


def _unused(merchant: Merchant, field: str, make, count: int) -> list[str]:
    """`count` new values of `field` (card number, referral code) no member of the merchant
    holds and none twice; one query per round, and a clash is a one-in-a-billion event."""
    values: set[str] = set()
    while len(values) < count:
        wanted = {make() for _ in range(count - len(values))} - values
        held = set(
            Member.objects.for_merchant(merchant)
            .filter(**{f"{field}__in": list(wanted)})
            .values_list(field, flat=True)
        )
        values |= wanted - held
    return list(values)


def _accounts_for_emails(emails: list[str]) -> dict[str, User]:
    """`account_for_email` for many addresses (lower case) in two queries."""
    found = {
        user.email.lower(): user
        for user in User.objects.annotate(key=Lower("email")).filter(key__in=emails)
    }
    new = []
    for email in sorted(set(emails) - set(found)):
        user = User(email=email)
        user.set_unusable_password()
        new.append(user)
    for user in User.objects.bulk_create(new):
        found[user.email] = user
    return found


def enrol_in_bulk(
    *,
    merchant: Merchant,
    people: Sequence[NewMember],
    source: str = MemberSource.IMPORT,
    actor: User | None = None,
    now: datetime | None = None,
) -> list[Member]:
    """Many members at once, for the purchase history import: what `enrol_member` writes for
    a customer with no name, birthday, consent or referral and no welcome bonus (a card
    number, a referral code, the entry tier, the sign-in account of an email, the
    `member.joined` event), in a few queries instead of several per member.

    The caller has normalized the contacts and found no member holding them or the
    references; a member enrolled meanwhile with one of them makes the unique constraints
    refuse the whole batch (IntegrityError), so nothing of it is half written. Runs in the
    caller's transaction; returns the members in the order of `people`.
    """
    if not people:
        return []
    now = now or timezone.now()
    entry_tier = Tier.objects.for_merchant(merchant).filter(threshold=0).first()
    accounts = _accounts_for_emails([p.email for p in people if p.email])
    cards = _unused(merchant, "card_number", new_card_number, len(people))
    codes = _unused(merchant, "referral_code", new_referral_code, len(people))
    members = []
    for person, card, code in zip(people, cards, codes, strict=True):
        joined_at = person.joined_at or now
        members.append(
            Member(
                merchant=merchant,
                card_number=card,
                referral_code=code,
                email=person.email,
                phone=person.phone,
                external_ref=person.external_ref,
                language=merchant.default_language,
                source=source,
                joined_at=joined_at,
                enrolled_at_shop=person.shop,
                enrolled_by=actor,
                user=accounts.get(person.email),
                tier=entry_tier,
                tier_since=joined_at if entry_tier else None,
            )
        )
    with transaction.atomic():
        members = Member.objects.bulk_create(members)
        joined = {"source": source, "referred_by": None}
        emit(merchant.pk, [("member.joined", {"member": m.pk, **joined}) for m in members], now)
    return members
