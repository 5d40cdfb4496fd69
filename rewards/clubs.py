"""The paid club as the merchant sets it up: saving a club and its perks, removing a perk, and
who is in it (active, ending soon, lapsed).

Selling terms, the multiplier and the perks' uses happen on the sale's seams and at the till
(`rewards.engagement.club`), not here; these functions change the definitions, audit-logged
like the stamp cards'.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet

from loyalty.audit import log_action
from loyalty.content import clean_translations
from loyalty.models import Merchant, User
from members.models import Member
from rewards.models import Club, ClubMembership, ClubPerk, MembershipStatus, PerkUse

CLUB_FIELDS = ("name", "sku", "price", "term_days", "multiplier", "notice_days", "active")
PERK_FIELDS = ("name", "description", "period", "uses", "weekday")
# What the merchant may give in the other languages (loyalty.content).
CLUB_TRANSLATED_FIELDS = ("name",)
PERK_TRANSLATED_FIELDS = ("name", "description")


@transaction.atomic
def save_club(
    *,
    merchant: Merchant,
    actor: User | None,
    club: Club | None = None,
    translations: dict | None = None,
    **fields,
) -> Club:
    """Create a club of the merchant, or update `club`; the SKU is kept lower-cased.
    `translations` (the name in other languages, loyalty.content) replaces the club's when
    given."""
    unknown = set(fields) - set(CLUB_FIELDS)
    if unknown:
        raise TypeError(f"save_club() got unknown fields: {sorted(unknown)}")
    created = club is None
    if created:
        club = Club(merchant=merchant)
    elif club.merchant_id != merchant.pk:
        raise ValueError("The club belongs to another merchant.")
    for name, value in fields.items():
        setattr(club, name, value.strip().lower() if name == "sku" else value)
    if translations is not None:
        club.translations = clean_translations(translations, CLUB_TRANSLATED_FIELDS)
    club.save()
    log_action(
        merchant=merchant,
        actor=actor,
        action="rewards.club.saved",
        target=club,
        data={
            "created": created,
            "sku": club.sku,
            "price": str(club.price),
            "term_days": club.term_days,
            "multiplier": str(club.multiplier),
            "active": club.active,
        },
    )
    return club


@transaction.atomic
def save_perk(
    *,
    club: Club,
    actor: User | None,
    perk: ClubPerk | None = None,
    translations: dict | None = None,
    **fields,
) -> ClubPerk:
    """Add a perk to `club`, or update `perk` (a perk of that club); `translations` (the name
    and description in other languages, loyalty.content) replaces the perk's when given."""
    unknown = set(fields) - set(PERK_FIELDS)
    if unknown:
        raise TypeError(f"save_perk() got unknown fields: {sorted(unknown)}")
    created = perk is None
    if created:
        last = club.perks.aggregate(last=Max("position"))["last"]
        perk = ClubPerk(merchant_id=club.merchant_id, club=club, position=(last or 0) + 1)
    elif perk.club_id != club.pk:
        raise ValueError("The perk belongs to another club.")
    for name, value in fields.items():
        setattr(perk, name, value)
    if translations is not None:
        perk.translations = clean_translations(translations, PERK_TRANSLATED_FIELDS)
    perk.save()
    log_action(
        merchant=club.merchant,
        actor=actor,
        action="rewards.club_perk.saved",
        target=perk,
        data={"created": created, "club_id": club.pk, "period": perk.period, "uses": perk.uses},
    )
    return perk


@transaction.atomic
def remove_perk(*, perk: ClubPerk, actor: User | None) -> bool:
    """Take a perk off its club: deleted when never used, else ended (its uses keep it).
    Returns True when it was deleted."""
    used = PerkUse.objects.filter(perk=perk).exists()
    log_action(
        merchant=perk.club.merchant,
        actor=actor,
        action="rewards.club_perk.removed",
        target=perk,
        data={"club_id": perk.club_id, "name": perk.name, "deleted": not used},
    )
    if used:
        perk.active = False
        perk.save(update_fields=["active"])
        return False
    perk.delete()
    return True


# --- Who is in it -------------------------------------------------------------------------------

ACTIVE, ENDING, LAPSED = "active", "ending", "lapsed"


@dataclass(frozen=True)
class ClubMember:
    member: Member
    until: date


def club_members(club: Club, day: date, show: str = ACTIVE) -> list[ClubMember]:
    """The club's members on `day`: `active` (all in it), `ending` (their membership ends
    within the club's notice days) or `lapsed` (it ended, no active term since)."""
    terms: QuerySet = ClubMembership.objects.filter(club=club)
    if show == LAPSED:
        current = terms.filter(
            member=OuterRef("member"), status=MembershipStatus.ACTIVE, ends_on__gte=day
        )
        rows = (
            terms.filter(
                status__in=(MembershipStatus.LAPSED, MembershipStatus.ACTIVE), ends_on__lt=day
            )
            .exclude(Exists(current))
            .values("member")
            .annotate(until=Max("ends_on"))
        )
    else:
        rows = (
            terms.filter(status=MembershipStatus.ACTIVE, ends_on__gte=day)
            .values("member")
            .annotate(until=Max("ends_on"))
        )
        if show == ENDING:
            rows = rows.filter(until__lte=day + timedelta(days=club.notice_days))
    until = {row["member"]: row["until"] for row in rows[:500]}
    members = Member.objects.for_merchant(club.merchant_id).filter(pk__in=until)
    found = [ClubMember(member=m, until=until[m.pk]) for m in members]
    return sorted(found, key=lambda row: (row.until, row.member.pk))


def club_counts(club: Club, day: date) -> dict[str, int]:
    """How many members are active, ending soon and lapsed (for the tabs)."""
    return {show: len(club_members(club, day, show)) for show in (ACTIVE, ENDING, LAPSED)}
