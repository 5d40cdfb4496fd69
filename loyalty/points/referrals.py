"""Referral bonuses: a referred friend's first purchase of at least the minimum pays both.

The friend and the referrer each get the program's `referral_bonus` as a BONUS entry linked to
the qualifying purchase, with the references below (unique per member, so it happens once).
A full refund or a reversal of that purchase takes both back (see `refunds`).

Fraud checks: no bonus when the referrer is the same person as the friend (same email, phone,
sign-in account or browser; an email's "+tag" and case do not count), is not active, or already
had `referral_monthly_cap` referrer bonuses in the merchant's calendar month. The browser is the
join page's device cookie, kept hashed on the member (members/devices.py); a friend who joins
from the referrer's browser is refused at once by the enrolment, and again here.

Locking: the friend is locked first (by the purchase), the referrer after. A referrer always
enrolled before the friend (the code is checked at enrolment), so the lock waits follow the
referral chain towards older members and never form a cycle.
"""

from datetime import datetime

from django.utils.translation import gettext as _

from loyalty.clock import MONTH, period_start
from loyalty.events import emit
from loyalty.models import User
from loyalty.models.points import EntryKind, PointsEntry, Program, Purchase
from loyalty.points.ledger import credit, lock_member
from members.models import Member, MemberStatus

REFERRAL_PREFIX = "referral:"


def friend_reference(friend_id: int) -> str:
    return f"referral:friend:{friend_id}"


def referrer_reference(friend_id: int) -> str:
    return f"referral:referrer:{friend_id}"


def reversal_reference(reference: str) -> str:
    """The reference of the entry that takes back a referral bonus (once: it is unique)."""
    return f"reversed:{reference}"


def _mailbox(email: str) -> str:
    """The mailbox an address delivers to: case and a "+tag" do not make another person."""
    local, _at, domain = email.lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def same_person(friend: Member, referrer: Member) -> bool:
    # Two members of a merchant never share an email or a phone (unique constraints), so the
    # comparison is of the mailbox: ana+2@example.com is Ana again.
    if friend.pk == referrer.pk:
        return True
    if friend.email and referrer.email and _mailbox(friend.email) == _mailbox(referrer.email):
        return True
    if friend.phone and referrer.phone and friend.phone == referrer.phone:
        return True
    if friend.device_hash and friend.device_hash == referrer.device_hash:
        return True  # joined in the referrer's browser
    return friend.user_id is not None and friend.user_id == referrer.user_id


def award_referral(
    *,
    program: Program,
    friend: Member,
    purchase: Purchase,
    first_purchase: bool,
    actor: User | None,
    now: datetime,
) -> int:
    """Pay the referral bonus for `purchase` of the locked `friend`, if it qualifies.

    Runs inside the purchase's transaction. Returns the points credited to the friend (0 when
    nothing was paid). Only called for referred members, so ordinary sales pay no query for it.
    """
    points = program.referral_bonus
    if (
        not points
        or not first_purchase
        or friend.referred_by_id is None
        or purchase.amount < program.referral_min_purchase
    ):
        return 0
    friend_ref = friend_reference(friend.pk)
    if PointsEntry.objects.filter(member=friend, reference=friend_ref).exists():
        return 0
    referrer = lock_member(friend.referred_by_id)  # after the friend: see the module's doc
    reason = ""
    if referrer.status != MemberStatus.ACTIVE:
        reason = "referrer_inactive"
    elif same_person(friend, referrer):
        reason = "self_referral"
    elif (
        PointsEntry.objects.filter(
            member=referrer,
            reference__startswith="referral:referrer:",
            created_at__gte=period_start(MONTH, now, friend.merchant.tzinfo),
        ).count()
        >= program.referral_monthly_cap
    ):
        reason = "monthly_cap"
    if reason:
        emit(
            friend.merchant_id,
            [
                (
                    "referral.refused",
                    {
                        "friend": friend.pk,
                        "referrer": referrer.pk,
                        "purchase": purchase.pk,
                        "reason": reason,
                    },
                )
            ],
            now,
        )
        return 0
    for member, reference in ((friend, friend_ref), (referrer, referrer_reference(friend.pk))):
        credit(
            member=member,
            program=program,
            kind=EntryKind.BONUS,
            points=points,
            now=now,
            reference=reference,
            reason=_("Referral bonus"),
            actor=actor,
            purchase=purchase,
        )
    emit(
        friend.merchant_id,
        [
            (
                "referral.rewarded",
                {
                    "friend": friend.pk,
                    "referrer": referrer.pk,
                    "purchase": purchase.pk,
                    "points": points,
                },
            )
        ],
        now,
    )
    return points


def referral_entries(purchase: Purchase) -> list[PointsEntry]:
    """The referral bonuses `purchase` paid, friend's first (none for most sales)."""
    return sorted(
        PointsEntry.objects.filter(
            purchase=purchase, kind=EntryKind.BONUS, reference__startswith=REFERRAL_PREFIX
        ),
        key=lambda entry: entry.reference.startswith("referral:referrer:"),
    )
