"""Read paths for members: identification at the till and search in the portal."""

import unicodedata
from datetime import date, datetime, timedelta

from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat, Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from loyalty.clock import local_today, midnight
from loyalty.compiled import CompiledQuery
from loyalty.errors import ValidationFailed
from loyalty.models import AuditEvent, Merchant
from loyalty.models.points import Event, PointsEntry, PointsLot, Purchase
from members.contacts import digits_only, normalize_phone, parse_qr_payload
from members.models import (
    CARD_DIGITS,
    Member,
    MemberSource,
    MemberStatus,
    is_valid_card_number,
)


def email_condition(email: str) -> Q:
    """Members with this email, written as the unique index reads so the planner uses it."""
    return Q(Exact(Lower("email"), email.strip().lower())) & ~Q(email="")


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
        return email_condition(text)
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


def member_by_card(merchant: Merchant, card_number: str) -> Member | None:
    """The merchant's member with exactly this card number (digits only), or None.

    Another merchant's card is None like a missing one; anything but digits matches nobody.
    """
    if not (card_number.isdigit() and len(card_number) <= 32):
        return None
    return _BY_CARD.first(merchant_id=merchant.pk, card_number=card_number)


# Built once per database (loyalty.compiled); the card number is unique per merchant.
_BY_CARD = CompiledQuery(
    lambda merchant_id, card_number: (
        Member.objects.filter(merchant_id=merchant_id, card_number=card_number)
        .select_related("merchant", "tier")
        .order_by("pk")[:1]
    ),
    merchant_id=-7_919_000_000_005,
    card_number="\x00stand-in card",
)


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


# --- Names at the till ---------------------------------------------------------------------------

# Letters a name search folds to their plain form, in the database and in Python alike (the
# index of migration 0013 is on this translation; PostgreSQL's unaccent() cannot be indexed).
_ACCENTED = (
    "ÀÁÂÃÄÅĂĄàáâãäåăąÇĆČçćčĎďÈÉÊËĘĚèéêëęěÌÍÎÏìíîïŁłÑŃŇñńňÒÓÔÕÖØòóôõöø"
    "ŘřŚŞŠȘśşšșŢŤȚţťțÙÚÛÜŮùúûüůÝŸýÿŹŻŽźżž"
)
_UNDECOMPOSED = {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o"}
_PLAIN = "".join(_UNDECOMPOSED.get(ch) or unicodedata.normalize("NFKD", ch)[0] for ch in _ACCENTED)
_FOLD = str.maketrans(_ACCENTED, _PLAIN)
NAME_RESULTS = 10
MIN_NAME_LETTERS = 3


class NameKey(Func):
    """Names in lower case without accents, “first last” for two: what a name search matches.

    On PostgreSQL the very expressions of members 0013's indexes, (merchant, key); SQLite
    (`make run`) has no TRANSLATE: ASCII lower case there.
    """

    arg_joiner = " || ' ' || "
    # COLLATE "C": byte order, in which a prefix is one range of the index, read in order.
    template = f"""(LOWER(TRANSLATE((%(expressions)s), '{_ACCENTED}', '{_PLAIN}')) COLLATE "C")"""
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="LOWER(%(expressions)s)")


def name_key(text: str) -> str:
    """What was typed, folded as NameKey folds the names, one space between words."""
    return " ".join(text.translate(_FOLD).lower().split())


def looks_like_name(text: str) -> bool:
    """Letters (MIN_NAME_LETTERS at least), maybe spaces, hyphens, apostrophes: not a number,
    not an email."""
    key = name_key(text or "")
    letters = sum(ch.isalpha() for ch in key)
    return letters >= MIN_NAME_LETTERS and all(ch.isalpha() or ch in " -'\u2019." for ch in key)


def find_members_by_name(
    merchant: Merchant, text: str, *, limit: int = NAME_RESULTS
) -> list[Member]:
    """The merchant's members whose first name, last name or “first last” starts with `text`,
    whatever the case and the accents, by first then last name; at most `limit` + 1, so that
    the caller can tell that there are more (and ask to refine).

    Two queries, each a range of one index read in its order and cut at `limit` + 1 rows: as
    fast for “Popescu” at a million members as for a rare name (a trigram index had to
    recheck and sort every match).
    """
    if not looks_like_name(text):
        return []
    key = name_key(text)
    members = Member.objects.for_merchant(merchant).exclude(status=MemberStatus.ANONYMIZED)
    found: dict[int, Member] = {}
    for columns in (("first_name", "last_name"), ("last_name",)):
        matches = (
            members.alias(name_key=NameKey(*columns))
            .filter(name_key__startswith=key)
            .order_by("name_key")  # the index's order: no sort, the LIMIT stops the read
        )
        found.update((member.pk, member) for member in matches[: limit + 1])
    ordered = sorted(
        found.values(),
        key=lambda m: (name_key(m.first_name), name_key(m.last_name), m.pk),
    )
    return ordered[: limit + 1]


# --- Portal list ---------------------------------------------------------------------------------

LAST_PURCHASE_DAYS = (30, 90, 365)
MEMBER_SORTS = {
    "joined": ("joined_at",),
    "-joined": ("-joined_at",),
    "last_purchase": (F("last_purchase_at").asc(nulls_first=True),),
    "-last_purchase": (F("last_purchase_at").desc(nulls_last=True),),
    "balance": ("points_balance",),
    "-balance": ("-points_balance",),
    "spend": ("lifetime_spend",),
    "-spend": ("-lifetime_spend",),
    "name": (Lower("last_name"), Lower("first_name")),
    "-name": (Lower("last_name").desc(), Lower("first_name").desc()),
}
DEFAULT_SORT = "-joined"


def member_list(
    merchant: Merchant,
    *,
    q: str = "",
    tier: int | None = None,
    last_purchase: str = "",
    balance_min: int | None = None,
    balance_max: int | None = None,
    joined_since: date | None = None,
    joined_until: date | None = None,
    source: str = "",
    status: str = "",
    email_marketing: bool | None = None,
    sms_marketing: bool | None = None,
    sort: str = DEFAULT_SORT,
    now: datetime | None = None,
) -> QuerySet[Member]:
    """The portal's list of members: search, filters and an order; one query with the tier.

    `last_purchase` is "30", "90" or "365" (bought within that many days) or "never";
    `joined_since` and `joined_until` are days in the merchant's time zone, both included.
    """
    members = search_members(merchant, q).select_related("tier")
    if tier:
        members = members.filter(tier_id=tier)
    if last_purchase == "never":
        members = members.filter(last_purchase_at__isnull=True)
    elif last_purchase.isdigit() and int(last_purchase) in LAST_PURCHASE_DAYS:
        since = (now or timezone.now()) - timedelta(days=int(last_purchase))
        members = members.filter(last_purchase_at__gte=since)
    if balance_min is not None:
        members = members.filter(points_balance__gte=balance_min)
    if balance_max is not None:
        members = members.filter(points_balance__lte=balance_max)
    if joined_since is not None:
        members = members.filter(joined_at__gte=midnight(joined_since, merchant.tzinfo))
    if joined_until is not None:
        next_day = joined_until + timedelta(days=1)
        members = members.filter(joined_at__lt=midnight(next_day, merchant.tzinfo))
    if source:
        members = members.filter(source=source)
    if status:
        members = members.filter(status=status)
    if email_marketing is not None:
        members = members.filter(email_marketing=email_marketing)
    if sms_marketing is not None:
        members = members.filter(sms_marketing=sms_marketing)
    return members.order_by(*MEMBER_SORTS.get(sort, MEMBER_SORTS[DEFAULT_SORT]), "-pk")


# --- Member detail -------------------------------------------------------------------------------


def member_ledger(member: Member) -> QuerySet[PointsEntry]:
    """The member's ledger, newest first, with who did it and the sale it belongs to."""
    return member.ledger.select_related("actor", "purchase").order_by("-created_at", "-pk")


def member_purchases(member: Member) -> QuerySet[Purchase]:
    return member.purchases.select_related("shop").order_by("-occurred_at", "-pk")


def member_audit(member: Member) -> QuerySet[AuditEvent]:
    """What staff did to the member, as the audit log has it (the index on the merchant)."""
    return AuditEvent.objects.filter(
        merchant_id=member.merchant_id,
        target_type=Member._meta.model_name,
        target_id=str(member.pk),
    ).select_related("actor")


def next_release(member: Member) -> datetime | None:
    """When the member's next pending points become spendable."""
    return (
        PointsLot.objects.filter(member=member, released=False, remaining__gt=0)
        .order_by("available_at")
        .values_list("available_at", flat=True)
        .first()
    )


# --- Staff leaderboard ---------------------------------------------------------------------------

LEADERBOARD_DAYS = (7, 30, 90)


def _with_share(rows: list[dict]) -> list[dict]:
    best = max((row["count"] for row in rows), default=0)
    for row in rows:
        row["share"] = row["count"] * 100 // best if best else 0
    return rows


def enrolment_leaderboard(merchant: Merchant, *, days: int = 30, now: datetime | None = None):
    """Members enrolled per staff member and per shop over the last `days` local days, today
    included: one grouped query each. Imported members are not anybody's enrolment."""
    today = local_today(merchant, now)
    first_day = today - timedelta(days=days - 1)
    joined = (
        Member.objects.for_merchant(merchant)
        .filter(joined_at__gte=midnight(first_day, merchant.tzinfo))
        .exclude(source=MemberSource.IMPORT)
        .order_by()
    )
    by_staff = list(
        joined.values("enrolled_by", "enrolled_by__email")
        .annotate(count=Count("pk"))
        .order_by("-count", "enrolled_by__email")
    )
    by_shop = list(
        joined.values("enrolled_at_shop", "enrolled_at_shop__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "enrolled_at_shop__name")
    )
    return {
        "first_day": first_day,
        "today": today,
        "days": days,
        "by_staff": _with_share(by_staff),
        "by_shop": _with_share(by_shop),
        "total": sum(row["count"] for row in by_staff),
    }


def referrals_with_state(member: Member, limit: int | None = None) -> list[Member]:
    """The friends a member referred, each with `referral_state`: pending (no qualifying
    purchase yet), rewarded, refused (a fraud check said no) or taken_back (refunded)."""

    reference = Concat(
        Value("referral:referrer:"), Cast(OuterRef("pk"), CharField()), output_field=CharField()
    )
    own = PointsEntry.objects.filter(member=member)
    friends = member.referrals.order_by("-joined_at", "-pk").annotate(
        x_rewarded=Exists(own.filter(reference=reference)),
        x_taken_back=Exists(
            own.filter(reference=Concat(Value("reversed:"), reference, output_field=CharField()))
        ),
        x_refused=Exists(
            Event.objects.filter(merchant_id=member.merchant_id, type="referral.refused")
            .annotate(friend_id=Cast(KeyTextTransform("friend", "payload"), BigIntegerField()))
            .filter(friend_id=OuterRef("pk"))
        ),
    )
    if limit:
        friends = friends[:limit]
    result = list(friends)
    for friend in result:
        if friend.x_taken_back:
            friend.referral_state = "taken_back"
        elif friend.x_rewarded:
            friend.referral_state = "rewarded"
        elif friend.x_refused:
            friend.referral_state = "refused"
        else:
            friend.referral_state = "pending"
    return result
