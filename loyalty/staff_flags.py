"""Staff flags: patterns at the till worth an owner's look, written by the POS, listed by the
portal (Portal → Staff flags, and a count on the dashboard).

- a member found more than IDENTIFICATIONS_PER_DAY times in one merchant's day (a cashier may
  be lending their card to customers who have none);
- points earned on the cashier's own email or account;
- more than UNDOS_PER_DAY undos by one person in a day.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from loyalty.clock import local_today, midnight
from loyalty.models import Merchant, Shop, User
from loyalty.models.pos import FlagKind, Identification, StaffFlag
from members.models import Member

IDENTIFICATIONS_PER_DAY = 6
UNDOS_PER_DAY = 3
FLAG_DAYS = 30


@transaction.atomic(savepoint=False)  # with its flag, or not at all; no savepoint in a caller's
def record_identification(
    *, shop: Shop, member: Member, actor: User, now: datetime | None = None
) -> Identification:
    """Note that the cashier found this member; flag a member found too often today."""
    now = now or timezone.now()
    merchant = shop.merchant
    identification = Identification.objects.create(
        merchant=merchant, shop=shop, user=actor, member=member, created_at=now
    )
    today = Identification.objects.filter(
        merchant=merchant,
        member=member,
        created_at__gte=midnight(local_today(merchant, now), merchant.tzinfo),
    ).count()
    if today > IDENTIFICATIONS_PER_DAY:
        day = now.astimezone(merchant.tzinfo).date()
        record_flag(
            merchant=merchant,
            kind=FlagKind.FREQUENT_IDENTIFICATION,
            key=f"ident:{member.pk}:{day.isoformat()}",
            count=today,
            user=actor,
            shop=shop,
            member=member,
            now=now,
        )
    return identification


def record_flag(*, merchant: Merchant, kind: str, key: str, count: int = 1, now: datetime, **about):
    """One flag per key; a repeat raises its count (the latest cashier and shop are kept)."""
    flag, created = StaffFlag.objects.get_or_create(
        merchant=merchant,
        key=key,
        defaults={"kind": kind, "count": count, "created_at": now, **about},
    )
    if not created and count > flag.count:
        StaffFlag.objects.filter(pk=flag.pk).update(count=count, **about)
    return flag


def staff_flags(merchant: Merchant) -> QuerySet[StaffFlag]:
    """The merchant's staff flags, newest first, with who and what they are about."""
    return StaffFlag.objects.for_merchant(merchant).select_related(
        "user", "shop", "member", "purchase"
    )


FLAG_DAYS = 30


def recent_flag_count(merchant: Merchant, now: datetime | None = None) -> int:
    """Staff flags of the last FLAG_DAYS days, for the owner's dashboard."""
    since = (now or timezone.now()) - timedelta(days=FLAG_DAYS)
    return StaffFlag.objects.for_merchant(merchant).filter(created_at__gte=since).count()
