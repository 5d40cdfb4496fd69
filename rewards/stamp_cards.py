"""Stamp cards as the merchant sets them up: saving one (new or edited) and switching it off.

Earning, taking back and expiring stamps happen on the sale's seams, not here; these functions
only change the card's definition, audit-logged like the reward catalogue's.
"""

from django.db import transaction

from loyalty.audit import log_action
from loyalty.content import clean_translations
from loyalty.models import Merchant, User
from rewards.models import StampCard

FIELDS = (
    "name",
    "earn_on",
    "min_amount",
    "categories",
    "skus",
    "per_item",
    "stamps_needed",
    "reward",
    "item_word",
    "stamp_validity_days",
    "restart",
    "active",
)
# What the merchant may give in the other languages (loyalty.content).
TRANSLATED_FIELDS = ("name",)


@transaction.atomic
def save_stamp_card(
    *,
    merchant: Merchant,
    actor: User | None,
    card: StampCard | None = None,
    translations: dict | None = None,
    **fields,
) -> StampCard:
    """Create a stamp card of the merchant, or update `card` with the given fields.

    The reward must be the merchant's; a card of another merchant is refused. `translations`
    (the name in other languages, loyalty.content) replaces the card's when given.
    """
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"save_stamp_card() got unknown fields: {sorted(unknown)}")
    reward = fields.get("reward")
    if reward is not None and reward.merchant_id != merchant.pk:
        raise ValueError("The reward belongs to another merchant.")
    created = card is None
    if created:
        card = StampCard(merchant=merchant)
    elif card.merchant_id != merchant.pk:
        raise ValueError("The stamp card belongs to another merchant.")
    for name, value in fields.items():
        setattr(card, name, value)
    if translations is not None:
        card.translations = clean_translations(translations, TRANSLATED_FIELDS)
    card.save()
    log_action(
        merchant=merchant,
        actor=actor,
        action="rewards.stamp_card.saved",
        target=card,
        data={
            "created": created,
            "earn_on": card.earn_on,
            "stamps_needed": card.stamps_needed,
            "reward_id": card.reward_id,
            "active": card.active,
        },
    )
    return card


@transaction.atomic
def deactivate_stamp_card(*, card: StampCard, actor: User | None) -> StampCard:
    """Stop a card earning stamps; members' cards and vouchers already given stay as they are."""
    card.active = False
    card.save(update_fields=["active"])
    log_action(
        merchant=card.merchant, actor=actor, action="rewards.stamp_card.deactivated", target=card
    )
    return card
