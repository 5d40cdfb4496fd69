"""Saving and deleting rule segments (the portal's writes), each audit-logged."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Segment
from campaigns.segments.rules import InvalidRules, clean_tree
from loyalty.audit import log_action
from loyalty.errors import ValidationFailed
from loyalty.models import Merchant, User


def _checked(merchant: Merchant, name: str, rules: dict) -> tuple[str, dict]:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Give the segment a name."))
    if len(name) > Segment._meta.get_field("name").max_length:
        raise ValidationFailed(_("The name is too long."))
    cleaned = clean_tree(merchant, rules)
    if not cleaned.ok:
        raise InvalidRules(cleaned.errors)
    return name, cleaned.tree


def _name_taken(merchant: Merchant, name: str, exclude: int | None = None) -> bool:
    same = Segment.objects.for_merchant(merchant).filter(name__iexact=name)
    return same.exclude(pk=exclude).exists() if exclude else same.exists()


@transaction.atomic
def save_segment(
    *,
    merchant: Merchant,
    actor: User | None,
    name: str,
    rules: dict,
    description: str = "",
    segment: Segment | None = None,
) -> Segment:
    """Create a segment, or change `segment`; refuses a bad tree (InvalidRules, an error per
    rule) or a name the merchant already uses."""
    name, tree = _checked(merchant, name, rules)
    if _name_taken(merchant, name, exclude=segment.pk if segment else None):
        raise ValidationFailed(_("Another segment is already called “%(name)s”.") % {"name": name})
    created = segment is None
    if segment is None:
        segment = Segment(merchant=merchant, created_by=actor if actor and actor.pk else None)
    segment.name, segment.description, segment.rules = name, description[:200], tree
    segment.updated_at = timezone.now()
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        raise ValidationFailed(
            _("Another segment is already called “%(name)s”.") % {"name": name}
        ) from None
    log_action(
        merchant=merchant,
        actor=actor,
        action="campaigns.segment.created" if created else "campaigns.segment.changed",
        target=segment,
        data={"rules": tree},
    )
    return segment


@transaction.atomic
def delete_segment(*, segment: Segment, actor: User | None) -> None:
    log_action(
        merchant=segment.merchant,
        actor=actor,
        action="campaigns.segment.deleted",
        target=segment,
        data={"name": segment.name, "rules": segment.rules},
    )
    segment.delete()
