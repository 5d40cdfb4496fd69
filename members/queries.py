"""Read paths for members: identification at the till and search in the portal."""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from loyalty.errors import ValidationFailed
from loyalty.models import Merchant
from members.contacts import digits_only, normalize_phone, parse_qr_payload
from members.models import CARD_DIGITS, Member, is_valid_card_number


def identification_filter(merchant: Merchant, text: str) -> Q | None:
    """What a scan or a typed value can mean: a QR payload, a card number, a phone, an email.

    Every branch hits a unique index that starts with the merchant, so the OR of them is one
    indexed query (a bitmap OR on PostgreSQL).
    """
    text = (text or "").strip()
    if not text:
        return None
    payload = parse_qr_payload(text)
    if payload is not None:
        slug, card = payload
        return Q(card_number=card) if slug == merchant.slug else None
    if "@" in text:
        # Written as the unique index reads, (merchant, LOWER(email)) WHERE email <> '', so
        # the planner can use it; iexact's UPPER(email) = UPPER(…) cannot (bench/lookup.py).
        # Emails are stored lower case (contacts.normalize_email): the same members match.
        return Q(Exact(Lower("email"), text.lower())) & ~Q(email="")
    options = Q()
    digits = digits_only(text)
    if (
        len(digits) == CARD_DIGITS
        and is_valid_card_number(digits)
        and digits == text.replace(" ", "")
    ):
        options |= Q(card_number=digits)
    try:
        phone = normalize_phone(text, merchant.country)
    except ValidationFailed:
        phone = ""
    if phone:
        options |= Q(phone=phone)
    return options or None


def find_member(merchant: Merchant, text: str) -> Member | None:
    """The merchant's member a scan, card number, phone or email points to, in one query."""
    condition = identification_filter(merchant, text)
    if condition is None:
        return None
    # No ORDER BY … LIMIT: the planner cannot estimate LOWER(email) from a partial index, so
    # it guessed hundreds of matches and walked the primary key in order until the first one
    # (a scan of the merchant's members). The unique indexes bound the answer to two rows (a
    # card of one member, the phone of another); the older member wins, as before.
    matches = Member.objects.for_merchant(merchant).filter(condition).select_related("tier")
    return min(matches.order_by(), key=lambda member: member.pk, default=None)


def search_members(merchant: Merchant, text: str) -> QuerySet[Member]:
    """Portal search: identification, or else a match on names."""
    members = Member.objects.for_merchant(merchant)
    text = (text or "").strip()
    if not text:
        return members
    condition = identification_filter(merchant, text)
    names = Q()
    for word in text.split():
        names &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    if condition is not None:
        return members.filter(condition | names)
    return members.filter(names)
