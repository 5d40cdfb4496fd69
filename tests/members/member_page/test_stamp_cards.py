"""The member page shows each stamp card as stamps: "7 of 10" for a screen reader too."""

from decimal import Decimal

from loyalty.points.purchases import record_purchase
from rewards.engagement.stamps import stamp_by_hand
from rewards.models import RewardKind, StampCard, StampEarnOn


def card_of(merchant, **fields) -> StampCard:
    defaults = {
        "name": "Kaffeekarte Morgenrot",
        "earn_on": StampEarnOn.PURCHASE,
        "stamps_needed": 3,
        "item_word": "coffees",
        "reward": merchant.rewards.get(kind=RewardKind.FREE_ITEM),
    }
    return StampCard.objects.create(merchant=merchant, **(defaults | fields))


def test_the_card_shows_the_stamps_and_what_is_left(ana_client, ana, merchant_a, shop_a):
    card_of(merchant_a)
    record_purchase(shop=shop_a, member=ana, external_id="S-1", amount=Decimal("4.00"))
    record_purchase(shop=shop_a, member=ana, external_id="S-2", amount=Decimal("4.00"))

    html = ana_client.get("/m/aroma/").content.decode()

    assert "Kaffeekarte Morgenrot" in html
    assert 'role="img" aria-label="2 of 3 stamps"' in html
    assert html.count('class="stamp-space stamped"') == 2
    assert "1 more coffees for free coffee" in html


def test_filled_cards_are_counted(ana_client, ana, merchant_a, shop_a, owner_a):
    card = card_of(merchant_a, stamps_needed=1)
    stamp_by_hand(card=card, member=ana, shop=shop_a, actor=owner_a)
    stamp_by_hand(card=card, member=ana, shop=shop_a, actor=owner_a)

    html = ana_client.get("/m/aroma/").content.decode()

    assert "2 cards filled so far." in html
    assert 'aria-label="0 of 1 stamps"' in html


def test_an_inactive_card_is_not_shown(ana_client, ana, merchant_a):
    card_of(merchant_a, name="Retired Teacard Zephyrine", active=False)

    html = ana_client.get("/m/aroma/").content.decode()

    assert "Retired Teacard Zephyrine" not in html


def test_another_merchants_card_is_not_shown(ana_client, ana, merchant_b):
    card_of(merchant_b, name="Bee Breadcard Quillon")

    html = ana_client.get("/m/aroma/").content.decode()

    assert "Bee Breadcard Quillon" not in html
