"""Read paths of the POS page: the cashier's counter for today, the member panel, staff flags."""

from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.promotions.queries import member_promotions
from loyalty import queries
from loyalty.clock import local_today, midnight
from loyalty.models import Merchant, User
from loyalty.models.points import Purchase
from loyalty.models.pos import Identification
from loyalty.points.ledger import get_program
from members.models import Member


def staff_counter(merchant: Merchant, user: User, now: datetime | None = None) -> dict:
    """Today's figures of one person at the till, counted from what was recorded.

    Members found counts each member once; purchases linked are sales with a member that
    still stand (an undone sale does not count); enrolments are members they signed up. One
    statement: the three counts are subqueries of one SELECT (every panel of the till shows
    them).
    """
    since = midnight(local_today(merchant, now), merchant.tzinfo)
    found = Identification.objects.filter(merchant=OuterRef("pk"), user=user, created_at__gte=since)
    linked = Purchase.objects.filter(
        merchant=OuterRef("pk"),
        recorded_by=user,
        member__isnull=False,
        reversed_at__isnull=True,
        recorded_at__gte=since,
    )
    enrolled = Member.objects.filter(
        merchant=OuterRef("pk"), enrolled_by=user, joined_at__gte=since
    )
    row = (
        Merchant.objects.filter(pk=merchant.pk)
        .annotate(
            found=_count(found, Count("member", distinct=True)),
            linked=_count(linked, Count("pk")),
            enrolled=_count(enrolled, Count("pk")),
        )
        .values("found", "linked", "enrolled")
        .get()
    )
    return row


def _count(rows: QuerySet, count: Count) -> Coalesce:
    """The count of `rows` (filtered on the outer merchant) as a scalar subquery."""
    counted = rows.order_by().values("merchant").annotate(n=count).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def member_panel(member: Member, now: datetime | None = None) -> dict:
    """What the cashier sees of a member before awarding anything (no full contact)."""
    now = now or timezone.now()
    merchant = member.merchant
    program = get_program(merchant)
    today = now.astimezone(merchant.tzinfo).date()
    return {
        "member": member,
        "program": program,
        "progress": queries.tier_progress(member, program=program, now=now, localize=True),
        "birthday_this_month": member.birth_month == today.month,
        "short_name": short_name(member),
        # What the cashier can mention: the promotions a sale of this member gets now.
        "promotions": member_promotions(member, now),
    }


def short_name(member: Member) -> str:
    """“Ana P.”: the first name and the last initial, or the masked contact without a name."""
    if member.first_name:
        initial = f" {member.last_name[:1]}." if member.last_name else ""
        return f"{member.first_name}{initial}"
    if member.last_name:
        return f"{member.last_name[:1]}."
    return member.masked_email or member.masked_phone or f"•••{member.card_number[-4:]}"
