"""Write paths for members. Enrolment here is the core the POS, the join page, the API and
the CSV import share; the members work adds identification, consents and GDPR around it."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import Conflict, ValidationFailed
from loyalty.models import Merchant, Shop, User
from loyalty.models.points import Event, Tier
from loyalty.services.points import award_bonus
from members.models import Member, MemberSource, new_card_number

CARD_ATTEMPTS = 5


def enrol_member(
    *,
    merchant: Merchant,
    email: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    birthday: date | None = None,
    source: str = MemberSource.POS,
    shop: Shop | None = None,
    actor: User | None = None,
    joined_at=None,
    now=None,
) -> Member:
    """A new member with a fresh card number, the entry tier and the welcome bonus."""
    email = email.strip().lower()
    phone = phone.strip()
    if not email and not phone:
        raise ValidationFailed(
            _("Give an email address or a phone number."), code="contact_required"
        )
    members = Member.objects.for_merchant(merchant)
    if email and members.filter(email__iexact=email).exists():
        raise Conflict(
            _("%(email)s is already a member.") % {"email": email}, code="duplicate_email"
        )
    if phone and members.filter(phone=phone).exists():
        raise Conflict(
            _("%(phone)s is already a member.") % {"phone": phone}, code="duplicate_phone"
        )
    entry_tier = Tier.objects.for_merchant(merchant).filter(threshold=0).first()
    joined_at = joined_at or timezone.now()
    for attempt in range(CARD_ATTEMPTS):
        try:
            with transaction.atomic():
                member = Member.objects.create(
                    merchant=merchant,
                    card_number=new_card_number(),
                    email=email,
                    phone=phone,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    birth_day=birthday.day if birthday else None,
                    birth_month=birthday.month if birthday else None,
                    birth_year=birthday.year if birthday and birthday.year > 1900 else None,
                    source=source,
                    joined_at=joined_at,
                    enrolled_at_shop=shop,
                    enrolled_by=actor,
                    tier=entry_tier,
                    tier_since=joined_at if entry_tier else None,
                )
                Event.objects.create(
                    merchant=merchant,
                    type="member.joined",
                    payload={"member": member.pk, "source": source},
                    created_at=now or timezone.now(),
                )
                award_bonus(member=member, bonus="welcome", actor=actor, now=now)
                return member
        except IntegrityError:
            # A card number clash (one in a billion) or a concurrent enrolment of the same
            # contact: the check above tells which on the next pass.
            if attempt == CARD_ATTEMPTS - 1:
                raise
            if email and members.filter(email__iexact=email).exists():
                raise Conflict(_("%(email)s is already a member.") % {"email": email}) from None
            if phone and members.filter(phone=phone).exists():
                raise Conflict(_("%(phone)s is already a member.") % {"phone": phone}) from None
    raise AssertionError("unreachable")
