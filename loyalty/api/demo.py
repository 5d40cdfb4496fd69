"""The API's part of the demo: a till key everyone knows, so the guide's curl examples work.

`make run` seeds the demo merchant; this step gives its Old Town shop a key with a fixed value
(printed by `seed_demo` and shown on the portal's API guide for the demo merchant only). It is
the demo's, like its published passwords: never a key of a real merchant.

`seed_api_demo` builds a small demo-like set (members, sales, a refund, vouchers) through the
services, for the schema test and the benchmark.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from loyalty.models import ApiKey, Merchant, Shop, User, hash_token
from loyalty.models.points import Purchase
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from loyalty.tenancy.services import create_api_key
from members.services.enrolment import enrol_member
from rewards.models import Reward
from rewards.services import redeem_reward, use_voucher

DEMO_API_KEY = "fdl_demo-old-town-till-0000000000000000000000"
DEMO_KEY_NAME = "Old Town till (demo)"


def demo_key(merchant: Merchant) -> ApiKey | None:
    """The demo merchant's well-known key, while it is active."""
    return (
        ApiKey.objects.for_merchant(merchant)
        .filter(key_hash=hash_token(DEMO_API_KEY), revoked_at__isnull=True)
        .select_related("shop")
        .first()
    )


def seed_demo_key(merchant: Merchant, stdout=None) -> ApiKey:
    """A demo step: the Old Town shop's key with the well-known value."""
    shop = Shop.objects.for_merchant(merchant).active().order_by("created_at", "pk").first()
    key, _raw = create_api_key(merchant=merchant, shop=shop, actor=None, name=DEMO_KEY_NAME)
    # The service stores only the hash of a random key; the demo's is a published one.
    ApiKey.objects.filter(pk=key.pk).update(
        key_hash=hash_token(DEMO_API_KEY), hint=DEMO_API_KEY[:10]
    )
    if stdout is not None:
        stdout.write(f"  API key of the {shop.name} till: {DEMO_API_KEY}")
    return key


@dataclass
class ApiDemo:
    key: str
    card_numbers: list[str] = field(default_factory=list)
    external_ids: list[str] = field(default_factory=list)
    voucher_codes: list[str] = field(default_factory=list)


def seed_api_demo(*, merchant: Merchant, shop: Shop, actor: User | None, members: int = 12):
    """Members with sales and points, an anonymous sale, a refund and vouchers, and a key."""

    _key, raw = create_api_key(merchant=merchant, shop=shop, actor=actor, name="Demo")
    demo = ApiDemo(key=raw)
    rewards = list(Reward.objects.for_merchant(merchant).live().order_by("points_cost"))
    for index in range(members):
        member = enrol_member(
            merchant=merchant,
            email=f"demo.member{index}@example.com",
            first_name=f"Member{index}",
            shop=shop,
        )
        demo.card_numbers.append(member.card_number)
        for sale in range(index % 3 + 1):
            external_id = f"D-{index}-{sale}"
            record_purchase(
                shop=shop,
                member=member,
                external_id=external_id,
                amount=Decimal(150 * (index + 1) + sale) / Decimal(2),
            )
            demo.external_ids.append(external_id)
        member.refresh_from_db()
        affordable = [r for r in rewards if r.points_cost <= member.points_balance]
        if affordable:
            voucher = redeem_reward(member=member, reward=affordable[0], shop=shop)
            demo.voucher_codes.append(voucher.code)
            if index % 4 == 0:
                use_voucher(code=voucher.code, shop=shop)
    record_purchase(shop=shop, member=None, external_id="D-ANON", amount=Decimal("12.40"))
    demo.external_ids.append("D-ANON")
    sale = Purchase.objects.get(shop=shop, external_id=demo.external_ids[0])
    refund_purchase(purchase=sale, external_id="D-REFUND", amount=Decimal("5.00"))
    return demo
