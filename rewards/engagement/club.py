"""The paid VIP club: memberships sold at the till, their multiplier, their perks and dates.

- `count_club_sale`: the sale hook (`loyalty.points.hooks`): a line with the club's SKU starts
  or extends the member's membership, one term per unit (quantity 2 = two terms). It runs
  under the sale's member lock.
- `cancel_club_sale`: the undo hook: a reversal cancels the sale's terms; a refund cancels as
  many as the refunded total covers at the line's price (all of them when the whole sale is
  refunded). The member's later terms move up to close the gap.
- `club_promotion`: the earning seam's source (`loyalty.points.earning.register_promotion`):
  a member of a club earns its multiplier on every sale, as a promotion on the receipt.
- `perks_today` / `use_perk`: metered perks; the unique (perk, member, period, n) of PerkUse
  makes a second use from another till at the same moment fail instead of counting twice.
- `run_club_dates`: the nightly job: `membership.renewal_due` some days before the end,
  `membership.lapsed` once the end has passed; each once per membership.

Why a status beside the tier and not a tier: a member's tier is re-evaluated from spend every
night (`reevaluate_tiers`) and one tier is one multiplier; a bought club tier would have to
override that engine and be given back on lapse. So the club is shown as the member's club
status beside their tier, and its multiplier applies on top of the tier's through the
promotions seam, which already explains itself on the receipt and in the points' breakdown.

Statements: with no active club the promotion source reads the merchant's active clubs once
(with the member's end date, one query) and keeps them on the locked member instance; the sale
hook, called later in the same sale, finds them there and adds no statement.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.clock import local_today
from loyalty.content import localized
from loyalty.errors import DomainError
from loyalty.events import emit
from loyalty.models import Merchant, Shop, User
from loyalty.models.points import Purchase, Refund
from loyalty.points.earning import Promotion
from loyalty.points.hooks import probed_none
from loyalty.points.ledger import lock_member
from members.models import Member, MemberStatus
from rewards.models import (
    Club,
    ClubMembership,
    ClubPerk,
    MembershipStatus,
    PerkPeriod,
    PerkUse,
)

ACTIVE = MembershipStatus.ACTIVE
# Where the promotion source leaves the clubs it read for the sale hook of the same sale.
CLUBS_READ = "_club_engine_clubs"


class ClubError(DomainError):
    pass


# --- Reading ------------------------------------------------------------------------------------


def clubs_with_until(member: Member, day: date) -> list[Club]:
    """The merchant's active clubs, each with `until`: the end of the member's membership of
    it on `day` (None when not a member). One query."""
    last_end = (
        ClubMembership.objects.filter(
            club=OuterRef("pk"), member_id=member.pk, status=ACTIVE, ends_on__gte=day
        )
        .values("club")
        .annotate(last=Max("ends_on"))
        .values("last")
    )
    clubs = list(
        Club.objects.filter(merchant_id=member.merchant_id, active=True).annotate(
            until=Subquery(last_end)
        )
    )
    setattr(member, CLUBS_READ, clubs)
    return clubs


def _chain_end(club: Club, member: Member, day: date) -> date | None:
    """The last day of the member's current membership of `club` (None: not a member)."""
    return (
        ClubMembership.objects.filter(club=club, member=member, status=ACTIVE, ends_on__gte=day)
        .aggregate(last=Max("ends_on"))
        .get("last")
    )


# --- Selling terms ------------------------------------------------------------------------------


def _terms_in(club: Club, items: Sequence[dict]) -> int:
    quantity = sum(
        (
            Decimal(str(item.get("quantity", 1)))
            for item in items
            if str(item.get("sku", "")).lower() == club.sku
        ),
        Decimal(0),
    )
    return max(int(quantity.to_integral_value(ROUND_FLOOR)), 0)


def start_terms(
    *, club: Club, member: Member, terms: int, day: date, now: datetime, purchase=None
) -> list[ClubMembership]:
    """Add `terms` terms to the member's membership of `club` (the caller holds the member's
    lock): from the end of the current membership, or from `day` for a new one."""
    end = _chain_end(club, member, day)
    if end is None:
        # An ended membership the nightly job has not marked yet: it lapsed; this is a new one.
        ClubMembership.objects.filter(
            club=club, member=member, status=ACTIVE, ends_on__lt=day
        ).update(status=MembershipStatus.LAPSED)
    start = end if end is not None else day
    rows = []
    for _n in range(terms):
        finish = start + timedelta(days=club.term_days)
        rows.append(
            ClubMembership.objects.create(
                merchant_id=member.merchant_id,
                club=club,
                member=member,
                starts_on=start,
                ends_on=finish,
                purchase=purchase,
                created_at=now,
            )
        )
        start = finish
    if end is None and rows:
        emit(
            member.merchant_id,
            [("membership.started", _payload(club, member, rows[0].starts_on, start, purchase))],
            now,
        )
    return rows


def _payload(club: Club, member: Member, starts_on: date, ends_on: date, purchase=None) -> dict:
    return {
        "member": member.pk,
        "card_number": member.card_number,
        "club": club.pk,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        **({"purchase": purchase.pk} if purchase is not None else {}),
    }


def count_club_sale(
    *,
    purchase: Purchase,
    member: Member,
    shop: Shop,
    items: Sequence[dict],
    actor: User | None,
    now: datetime,
) -> None:
    """The sale hook: each line of a club's product is a term (no statement without items or
    after the promotion source read the clubs; one otherwise)."""
    if not items or probed_none(member, "clubs"):
        return
    clubs = getattr(member, CLUBS_READ, None)
    if clubs is None or any(club.merchant_id != member.merchant_id for club in clubs):
        clubs = list(Club.objects.filter(merchant_id=member.merchant_id, active=True))
    day = local_today(member.merchant, purchase.occurred_at or now)
    for club in clubs:
        terms = _terms_in(club, items)
        if terms:
            start_terms(club=club, member=member, terms=terms, day=day, now=now, purchase=purchase)


def _line_price(purchase: Purchase, sku: str) -> Decimal:
    prices = [
        Decimal(str(item.get("unit_price", "0")))
        for item in purchase.items or []
        if str(item.get("sku", "")).lower() == sku
    ]
    return max(prices, default=Decimal("0"))


def _rechain(club: Club, member: Member) -> None:
    """Close the gaps a cancelled term left: each term starts when the one before ends (or on
    the day it was bought, when later) and keeps its length."""
    terms = list(
        ClubMembership.objects.filter(club=club, member=member, status=ACTIVE)
        .select_related("purchase")
        .order_by("starts_on", "id")
    )
    previous_end: date | None = None
    for term in terms:
        bought = (
            local_today(member.merchant, term.purchase.occurred_at)
            if term.purchase is not None
            else term.starts_on
        )
        start = bought if previous_end is None or previous_end < bought else previous_end
        start = min(start, term.starts_on)  # a term never moves later
        finish = start + (term.ends_on - term.starts_on)
        if (start, finish) != (term.starts_on, term.ends_on):
            ClubMembership.objects.filter(pk=term.pk).update(starts_on=start, ends_on=finish)
        previous_end = finish


def cancel_club_sale(
    *,
    purchase: Purchase,
    member: Member,
    refund: Refund | None,
    refunded_total: Decimal,
    reversed: bool,
    actor: User | None,
    now: datetime,
) -> None:
    """The undo hook: the sale's terms cancelled, the newest first (see the module)."""
    terms = list(
        ClubMembership.objects.filter(purchase=purchase)
        .select_related("club")
        .order_by("-starts_on", "-id")
    )
    if not terms:
        return
    for club in {term.club for term in terms}:
        of_club = [term for term in terms if term.club_id == club.pk]
        if reversed or refunded_total >= purchase.amount:
            due = len(of_club)
        else:
            price = _line_price(purchase, club.sku)
            due = min(len(of_club), int(refunded_total // price)) if price > 0 else 0
        cancelled = sum(term.status == MembershipStatus.CANCELLED for term in of_club)
        live = [term for term in of_club if term.status != MembershipStatus.CANCELLED]
        for term in live[: max(due - cancelled, 0)]:
            ClubMembership.objects.filter(pk=term.pk).update(
                status=MembershipStatus.CANCELLED, cancelled_at=now
            )
        _rechain(club, member)


# --- Earning ------------------------------------------------------------------------------------


def clubs_probe() -> Exists:
    """The sale probe (`loyalty.points.hooks`): has the sale's merchant an active club?"""
    return Exists(Club.objects.filter(merchant_id=OuterRef("merchant_id"), active=True))


def club_promotion(
    *, merchant: Merchant, member: Member | None, shop: Shop, occurred_at: datetime
) -> list[Promotion]:
    """The earning seam's source: a club member's sales earn the club's multiplier."""
    if member is None or probed_none(member, "clubs"):
        return []
    day = local_today(merchant, occurred_at)
    return [
        Promotion(
            multiplier=club.multiplier,
            label=_("%(club)s member") % {"club": localized(club, "name")},
            reference=f"club:{club.pk}",
        )
        for club in clubs_with_until(member, day)
        if club.until is not None and club.multiplier > 1
    ]


# --- Perks --------------------------------------------------------------------------------------


def period_start(perk: ClubPerk, day: date) -> date:
    """The first day of the perk's period holding `day` (weeks start on Monday)."""
    if perk.period == PerkPeriod.WEEK:
        return day - timedelta(days=day.weekday())
    if perk.period == PerkPeriod.MONTH:
        return day.replace(day=1)
    return day


@dataclass(frozen=True)
class PerkStatus:
    """A perk as the member stands on it today."""

    perk: ClubPerk
    left: int
    usable: bool  # on today's weekday and some use left
    on_day: bool = True  # False for a weekday perk on another day

    @property
    def name(self) -> str:
        """The perk's name in the language being spoken (loyalty.content)."""
        return localized(self.perk, "name")

    @property
    def pk(self) -> int:
        return self.perk.pk

    @property
    def only_on(self) -> str:
        return self.perk.get_weekday_display() if self.perk.weekday is not None else ""


@dataclass(frozen=True)
class ClubStatus:
    """A member's club: until when, and the perks with what is left of them today."""

    club: Club
    until: date
    perks: list[PerkStatus]


def club_status(member: Member, now: datetime | None = None) -> ClubStatus | None:
    """The member's club today, with its perks (one query for a merchant without a club, three
    for a club member); None when the member belongs to none."""
    day = local_today(member.merchant, now)
    clubs = [club for club in clubs_with_until(member, day) if club.until is not None]
    if not clubs:
        return None
    club = max(clubs, key=lambda c: (c.multiplier, c.pk))
    perks = list(ClubPerk.objects.filter(club=club, active=True))
    used: dict[int, int] = {}
    if perks:
        starts = {period_start(perk, day) for perk in perks}
        for perk_id, period, n in PerkUse.objects.filter(
            member=member, perk__in=perks, period_start__in=starts
        ).values_list("perk_id", "period_start", "n"):
            perk = next(p for p in perks if p.pk == perk_id)
            if period == period_start(perk, day):
                used[perk_id] = max(used.get(perk_id, 0), n)
    statuses = []
    for perk in perks:
        left = max(perk.uses - used.get(perk.pk, 0), 0)
        on_day = perk.weekday is None or perk.weekday == day.weekday()
        statuses.append(
            PerkStatus(perk=perk, left=left if on_day else 0, usable=on_day and left > 0)
        )
    return ClubStatus(club=club, until=club.until, perks=statuses)


def perks_today(member: Member, now: datetime | None = None) -> list[PerkStatus]:
    """The member's perks with what is left of each today (empty for a non-member)."""
    status = club_status(member, now)
    return status.perks if status is not None else []


def use_perk(
    perk: ClubPerk, member: Member, shop: Shop, actor: User | None, now: datetime | None = None
) -> PerkUse:
    """Record one use of `perk` by `member` now; ClubError `perk_used_up` when none is left in
    its period (also when another till took the last one at the same moment)."""
    now = now or timezone.now()
    if not (perk.merchant_id == member.merchant_id == shop.merchant_id):
        raise ClubError(_("No such perk."), code="not_found")
    if member.status != MemberStatus.ACTIVE:
        raise ClubError(_("This member is not active."), code="member_inactive")
    if not perk.active or not perk.club.active:
        raise ClubError(_("This perk is no longer offered."), code="perk_inactive")
    day = local_today(member.merchant, now)
    if _chain_end(perk.club, member, day) is None:
        raise ClubError(_("This member is not in the club."), code="not_a_member")
    if perk.weekday is not None and perk.weekday != day.weekday():
        raise ClubError(
            _("This perk is only for %(day)s.") % {"day": perk.get_weekday_display()},
            code="perk_not_today",
        )
    start = period_start(perk, day)
    used_up = ClubError(_("This perk is used up for now."), code="perk_used_up")
    with transaction.atomic():
        for _attempt in range(perk.uses):
            taken = PerkUse.objects.filter(perk=perk, member=member, period_start=start).count()
            if taken >= perk.uses:
                raise used_up
            try:
                with transaction.atomic():
                    return PerkUse.objects.create(
                        merchant_id=member.merchant_id,
                        perk=perk,
                        member=member,
                        period_start=start,
                        n=taken + 1,
                        shop=shop,
                        actor=actor,
                        created_at=now,
                    )
            except IntegrityError:
                continue  # another till took this number a moment ago: count again
    raise used_up


# --- The nightly job ----------------------------------------------------------------------------


def _renewals_due(club: Club, day: date, now: datetime) -> int:
    later = ClubMembership.objects.filter(
        club=club, member=OuterRef("member"), status=ACTIVE, ends_on__gt=OuterRef("ends_on")
    )
    due = list(
        ClubMembership.objects.filter(
            club=club,
            status=ACTIVE,
            renewal_notified=False,
            ends_on__gte=day,
            ends_on__lte=day + timedelta(days=club.notice_days),
        )
        .exclude(Exists(later))
        .select_related("member")
    )
    sent = 0
    for term in due:
        with transaction.atomic():
            if not ClubMembership.objects.filter(pk=term.pk, renewal_notified=False).update(
                renewal_notified=True
            ):
                continue
            sent += 1
            emit(
                club.merchant_id,
                [
                    (
                        "membership.renewal_due",
                        _payload(club, term.member, term.starts_on, term.ends_on),
                    )
                ],
                now,
            )
    return sent


def _lapses(club: Club, day: date, now: datetime) -> int:
    current = ClubMembership.objects.filter(
        club=club, member=OuterRef("member"), status=ACTIVE, ends_on__gte=day
    )
    member_ids = set(
        ClubMembership.objects.filter(club=club, status=ACTIVE, ends_on__lt=day)
        .exclude(Exists(current))
        .values_list("member_id", flat=True)
    )
    lapsed = 0
    for member_id in sorted(member_ids):
        with transaction.atomic():
            member = lock_member(member_id)
            if _chain_end(club, member, day) is not None:
                continue  # renewed a moment ago
            ended = ClubMembership.objects.filter(
                club=club, member=member, status=ACTIVE, ends_on__lt=day
            )
            last = ended.aggregate(last=Max("ends_on"))["last"]
            if last is None or not ended.update(status=MembershipStatus.LAPSED):
                continue
            emit(
                club.merchant_id,
                [("membership.lapsed", _lapse_payload(club, member, last))],
                now,
            )
            lapsed += 1
    return lapsed


def _lapse_payload(club: Club, member: Member, ended_on: date) -> dict:
    return {
        "member": member.pk,
        "card_number": member.card_number,
        "club": club.pk,
        "ended_on": ended_on.isoformat(),
    }


def run_club_dates(now: datetime | None = None) -> tuple[int, int]:
    """The nightly job: renewal reminders due and memberships lapsed, for every club.
    Returns (reminders, lapses); running it again the same day finds nothing more."""
    now = now or timezone.now()
    reminders = lapses = 0
    for club in Club.objects.filter(active=True).select_related("merchant"):
        day = local_today(club.merchant, now)
        reminders += _renewals_due(club, day, now)
        lapses += _lapses(club, day, now)
    return reminders, lapses
