"""Challenges and badges as the merchant sets them up: saving one (new or edited), switching a
challenge off. Completing challenges happens on the sale's seam and the outbox
(`rewards.engagement.challenges`); these functions only change definitions, audit-logged like
the stamp cards'."""

from django.db import transaction

from loyalty.audit import log_action
from loyalty.content import clean_translations
from loyalty.models import Merchant, User
from rewards.models import Badge, Challenge

FIELDS = (
    "name",
    "description",
    "kind",
    "goal_count",
    "window_days",
    "goal_amount",
    "categories",
    "weekday",
    "hour_from",
    "hour_to",
    "starts_on",
    "ends_on",
    "reward_points",
    "reward",
    "badge",
    "limit_per_member",
    "hidden",
    "points_budget",
    "active",
)
BADGE_FIELDS = ("name", "icon", "description", "active")
# What the merchant may give in the other languages (loyalty.content).
TRANSLATED_FIELDS = ("name", "description")
BADGE_TRANSLATED_FIELDS = ("name", "description")


def _own(merchant: Merchant, obj, what: str) -> None:
    if obj is not None and obj.merchant_id != merchant.pk:
        raise ValueError(f"The {what} belongs to another merchant.")


@transaction.atomic
def save_challenge(
    *,
    merchant: Merchant,
    actor: User | None,
    challenge: Challenge | None = None,
    translations: dict | None = None,
    **fields,
) -> Challenge:
    """Create a challenge of the merchant, or update `challenge` with the given fields.

    Its reward and badge must be the merchant's; a challenge of another merchant is refused.
    `translations` (the name and description in other languages, loyalty.content) replaces
    the challenge's when given.
    """
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"save_challenge() got unknown fields: {sorted(unknown)}")
    _own(merchant, fields.get("reward"), "reward")
    _own(merchant, fields.get("badge"), "badge")
    created = challenge is None
    if created:
        challenge = Challenge(merchant=merchant)
    else:
        _own(merchant, challenge, "challenge")
    for name, value in fields.items():
        setattr(challenge, name, value)
    changed = list(fields)
    if translations is not None:
        challenge.translations = clean_translations(translations, TRANSLATED_FIELDS)
        changed.append("translations")
    if created:
        challenge.save()
    elif changed:
        # Never `points_paid`: completions charge it concurrently (a conditional UPDATE), and
        # this copy of it may be stale.
        challenge.save(update_fields=changed)
    log_action(
        merchant=merchant,
        actor=actor,
        action="rewards.challenge.saved",
        target=challenge,
        data={
            "created": created,
            "kind": challenge.kind,
            "reward_points": challenge.reward_points,
            "reward_id": challenge.reward_id,
            "points_budget": challenge.points_budget,
            "active": challenge.active,
        },
    )
    return challenge


@transaction.atomic
def deactivate_challenge(*, challenge: Challenge, actor: User | None) -> Challenge:
    """Stop a challenge counting; completions already paid stay the members'."""
    challenge.active = False
    challenge.save(update_fields=["active"])
    log_action(
        merchant=challenge.merchant,
        actor=actor,
        action="rewards.challenge.deactivated",
        target=challenge,
    )
    return challenge


@transaction.atomic
def save_badge(
    *,
    merchant: Merchant,
    actor: User | None,
    badge: Badge | None = None,
    translations: dict | None = None,
    **fields,
) -> Badge:
    """Create a badge of the merchant, or update `badge` with the given fields; `translations`
    (the name and description in other languages, loyalty.content) replaces the badge's when
    given."""
    unknown = set(fields) - set(BADGE_FIELDS)
    if unknown:
        raise TypeError(f"save_badge() got unknown fields: {sorted(unknown)}")
    created = badge is None
    if created:
        badge = Badge(merchant=merchant)
    else:
        _own(merchant, badge, "badge")
    for name, value in fields.items():
        setattr(badge, name, value)
    if translations is not None:
        badge.translations = clean_translations(translations, BADGE_TRANSLATED_FIELDS)
    badge.save()
    log_action(
        merchant=merchant,
        actor=actor,
        action="rewards.badge.saved",
        target=badge,
        data={"created": created, "active": badge.active},
    )
    return badge
