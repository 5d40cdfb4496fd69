"""Profile changes by the member or by staff, with the birthday rule against gaming."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from loyalty.audit import log_action
from loyalty.clock import local_today
from loyalty.models import User
from loyalty.points.ledger import award_bonus
from members.contacts import parse_birthday
from members.models import Member


def profile_is_complete(member: Member) -> bool:
    """What the program's "profile completed" bonus asks for."""
    return all(
        [member.first_name, member.last_name, member.email, member.phone, member.birth_month]
    )


def reward_complete_profile(member: Member, actor: User | None = None, now=None) -> None:
    """The profile bonus, once per member (award_bonus keys it by a unique reference)."""
    if profile_is_complete(member):
        award_bonus(member=member, bonus="profile", actor=actor, now=now)


def next_birthday_period_end(member: Member, today: date) -> date:
    """The day after the member's current birthday month, this year or next: a changed
    birthday takes effect from then, so one year cannot pay two birthday bonuses."""
    year = today.year if member.birth_month >= today.month else today.year + 1
    if member.birth_month == 12:
        return date(year + 1, 1, 1)
    return date(year, member.birth_month + 1, 1)


def _set_birthday(member: Member, birthday: date | None, today: date) -> list[str]:
    new = (birthday.day, birthday.month) if birthday else (None, None)
    year = birthday.year if birthday and birthday.year > 1900 else None
    if member.birth_month is None:
        member.birth_day, member.birth_month, member.birth_year = new[0], new[1], year
        return ["birth_day", "birth_month", "birth_year"]
    if new == (member.birth_day, member.birth_month):
        member.birth_year = year
        member.pending_birthday_from = None
        return ["birth_year", "pending_birthday_from"]
    member.pending_birth_day, member.pending_birth_month = new
    member.pending_birth_year = year
    member.pending_birthday_from = next_birthday_period_end(member, today)
    return [
        "pending_birth_day",
        "pending_birth_month",
        "pending_birth_year",
        "pending_birthday_from",
    ]


@transaction.atomic
def update_profile(
    *,
    member: Member,
    actor: User | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    language: str | None = None,
    birthday: date | str | None = "",
) -> Member:
    """Change name, language and birthday. `birthday=""` leaves it as it is."""
    member = Member.objects.select_for_update().select_related("merchant").get(pk=member.pk)
    fields: list[str] = []
    for name, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("language", language),
    ):
        if value is not None and getattr(member, name) != value.strip():
            setattr(member, name, value.strip())
            fields.append(name)
    if birthday != "":
        today = local_today(member.merchant)
        fields += _set_birthday(member, parse_birthday(birthday), today)
    if fields:
        member.save(update_fields=fields)
        reward_complete_profile(member, actor=actor)
        if actor is not None and actor.memberships.filter(merchant=member.merchant).exists():
            log_action(
                merchant=member.merchant,
                actor=actor,
                action="members.member.updated",
                target=member,
                data={"fields": sorted(set(fields))},
            )
    return member


def apply_pending_birthdays(*, today: date | None = None) -> int:
    """Daily: a changed birthday whose waiting time is over becomes the birthday."""
    today = today or timezone.now().date()
    due = Member.objects.filter(pending_birthday_from__lte=today)
    count = 0
    for member in due.iterator():
        with transaction.atomic():
            Member.objects.filter(pk=member.pk, pending_birthday_from__isnull=False).update(
                birth_day=member.pending_birth_day,
                birth_month=member.pending_birth_month,
                birth_year=member.pending_birth_year,
                pending_birth_day=None,
                pending_birth_month=None,
                pending_birth_year=None,
                pending_birthday_from=None,
            )
            count += 1
    return count
