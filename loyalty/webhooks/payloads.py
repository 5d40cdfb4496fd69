"""What a receiving system can use, added to an event's payload when it is sent.

The outbox payloads name things by Fidela's internal ids (`member`, `purchase`, `shop`, …).
A receiver (a CRM, the till's back office) knows the member by the card number and the sale by
its receipt number, so each delivery also carries those, the amounts as decimal strings and the
names of shops, tiers and rewards. Added keys never replace a key of the payload: every key a
receiver reads today keeps its meaning. Values are read when the delivery is sent, from the
event's merchant only.
"""

from typing import Any

from loyalty.models import Event, Purchase, Refund, Shop
from members.models import Member
from rewards.models import Reward, Voucher

# Event types whose deliveries get the extra keys; others are sent as they were emitted.
ENRICHED_PREFIXES = ("purchase.", "points.", "tier.", "voucher.")


def _id(payload: dict, key: str) -> int | None:
    value = payload.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _member(event: Event, member_id: int) -> dict[str, Any]:
    member = (
        Member.objects.filter(merchant_id=event.merchant_id, pk=member_id)
        .select_related("tier")
        .first()
    )
    if member is None:
        return {}
    return {
        "card_number": member.card_number,
        "member_tier": member.tier.name if member.tier else None,
    }


def _purchase(event: Event, payload: dict) -> dict[str, Any]:
    purchase_id = _id(payload, "purchase")
    if purchase_id is None:
        # voucher.used names the sale by its receipt number already.
        receipt = payload.get("purchase")
        return {"receipt_number": receipt} if isinstance(receipt, str) else {}
    purchase = (
        Purchase.objects.filter(merchant_id=event.merchant_id, pk=purchase_id)
        .select_related("shop")
        .first()
    )
    if purchase is None:
        return {}
    return {
        "receipt_number": purchase.external_id,
        "purchase_amount": str(purchase.amount),
        "currency": purchase.currency,
        "shop_name": purchase.shop.name,
    }


def _refund(event: Event, refund_id: int) -> dict[str, Any]:
    refund = Refund.objects.filter(merchant_id=event.merchant_id, pk=refund_id).first()
    if refund is None:
        return {}
    return {"refund_receipt_number": refund.external_id, "refund_amount": str(refund.amount)}


def _voucher(event: Event, payload: dict) -> dict[str, Any]:
    # The voucher keeps the reward's name as it was when issued (its title): that one first.
    if (voucher_id := _id(payload, "voucher")) is not None:
        title = (
            Voucher.objects.filter(merchant_id=event.merchant_id, pk=voucher_id)
            .values_list("title", flat=True)
            .first()
        )
        if title:
            return {"reward_name": title}
    if (reward_id := _id(payload, "reward")) is not None:
        name = (
            Reward.objects.filter(merchant_id=event.merchant_id, pk=reward_id)
            .values_list("name", flat=True)
            .first()
        )
        if name is not None:
            return {"reward_name": name}
    return {}


def enriched(event: Event) -> Any:
    """The payload of `event` with the keys a receiver can use, for the enriched types."""
    payload = event.payload
    if not isinstance(payload, dict) or not event.type.startswith(ENRICHED_PREFIXES):
        return payload
    extra: dict[str, Any] = {}
    if (member_id := _id(payload, "member")) is not None:
        extra |= _member(event, member_id)
    if "purchase" in payload:
        extra |= _purchase(event, payload)
    if (refund_id := _id(payload, "refund")) is not None:
        extra |= _refund(event, refund_id)
    if event.type.startswith("voucher."):
        extra |= _voucher(event, payload)
    if event.type == "tier.changed":
        extra["tier_name"] = payload.get("to")
        extra["previous_tier_name"] = payload.get("from")
    if (shop_id := _id(payload, "shop")) is not None and "shop_name" not in extra:
        name = (
            Shop.objects.filter(merchant_id=event.merchant_id, pk=shop_id)
            .values_list("name", flat=True)
            .first()
        )
        if name is not None:
            extra["shop_name"] = name
    return {**extra, **payload}  # the payload's own keys win: nothing changes meaning
