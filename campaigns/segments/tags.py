"""Tags on members: staff add and remove free words that rule segments match (`tag` rules).

A tag is stored lower-cased and trimmed, so "Vegan" and "vegan " are one tag.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from campaigns.models import MemberTag
from campaigns.models.tags import TAG_MAX_LENGTH
from loyalty.audit import log_action
from loyalty.errors import ValidationFailed
from loyalty.models import Event, Merchant, User
from members.models import Member


def clean_tag(raw: str) -> str:
    """The stored form of a tag, or ValidationFailed with the reason."""
    tag = " ".join((raw or "").split()).lower()
    if not tag:
        raise ValidationFailed(_("Enter a tag."))
    if len(tag) > TAG_MAX_LENGTH:
        raise ValidationFailed(
            _("A tag has at most %(count)d characters.") % {"count": TAG_MAX_LENGTH}
        )
    return tag


def tags_of(member: Member) -> QuerySet[MemberTag]:
    return MemberTag.objects.for_merchant(member.merchant).filter(member=member).order_by("tag")


def merchant_tags(merchant: Merchant) -> list[str]:
    """Every tag in use at the merchant, for the segment builder's suggestions."""
    rows = MemberTag.objects.for_merchant(merchant).values_list("tag", flat=True)
    return list(rows.distinct().order_by("tag")[:200])


@transaction.atomic
def add_tag(*, member: Member, tag: str, actor: User | None) -> MemberTag:
    """Tag the member (nothing changes when the tag is there already)."""
    tag = clean_tag(tag)
    row, created = MemberTag.objects.get_or_create(
        member=member, tag=tag, defaults={"merchant": member.merchant}
    )
    if created:
        log_action(
            merchant=member.merchant,
            actor=actor,
            action="campaigns.member_tag.added",
            target=member,
            data={"tag": tag},
        )
    return row


@transaction.atomic
def remove_tag(*, member: Member, tag: str, actor: User | None) -> bool:
    """Take the tag off the member; False when the member did not have it."""
    tag = " ".join((tag or "").split()).lower()
    deleted, _rows = tags_of(member).filter(tag=tag).delete()
    if deleted:
        log_action(
            merchant=member.merchant,
            actor=actor,
            action="campaigns.member_tag.removed",
            target=member,
            data={"tag": tag},
        )
    return bool(deleted)


def follow_merge(event: Event) -> None:
    """The outbox consumer of `member.merged`: the duplicate's tags are added to the card that
    survived (the ones it has already are left alone). Idempotent."""
    payload = event.payload or {}
    survivor_id, duplicate_id = payload.get("member"), payload.get("duplicate")
    if not survivor_id or not duplicate_id:
        return
    survivor = Member.objects.filter(merchant_id=event.merchant_id, pk=survivor_id).first()
    if survivor is None:
        return
    tags = MemberTag.objects.filter(merchant_id=event.merchant_id, member_id=duplicate_id)
    MemberTag.objects.bulk_create(
        [
            MemberTag(merchant_id=event.merchant_id, member=survivor, tag=tag)
            for tag in tags.values_list("tag", flat=True)
        ],
        ignore_conflicts=True,
    )
