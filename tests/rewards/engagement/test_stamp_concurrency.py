"""Under real concurrency (threads on PostgreSQL connections) stamps are never over-counted.

Parallel sales never give a card more stamps than its sales earn, and a full card issues
exactly one voucher; a stamp by hand from two tills at once is two stamps, never three.
"""

import pytest

from rewards.engagement import stamps
from rewards.models import MemberCard, Stamp, Voucher
from tests.loyalty.points.helpers import assert_reconciled, ring
from tests.loyalty.points.test_concurrency import run_together
from tests.rewards.engagement.conftest import amount_of, coffee_items, make_card

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twelve_tills_at_once_fill_one_card_once(shop_a, member_a, coffee):
    card = make_card(shop_a.merchant, coffee, stamps_needed=10)
    items = coffee_items(1)

    results = run_together(
        [
            lambda n=n: ring(shop_a, member_a, amount_of(items), items=items, external_id=f"C{n}")
            for n in range(12)
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Stamp.objects.filter(member=member_a).count() == 12
    cards = MemberCard.objects.filter(card=card, member=member_a).order_by("number")
    assert [(c.stamps, c.filled_at is not None) for c in cards] == [(10, True), (2, False)]
    assert Voucher.objects.filter(member=member_a, source="stamp_card").count() == 1
    assert list(stamps.differences()) == []
    assert_reconciled(shop_a.merchant)


def test_the_same_receipt_from_two_tills_stamps_once(shop_a, member_a, coffee):
    card = make_card(shop_a.merchant, coffee)
    items = coffee_items(3)

    run_together(
        [
            lambda: ring(shop_a, member_a, amount_of(items), items=items, external_id="SAME")
            for _n in range(6)
        ]
    )

    assert MemberCard.objects.get(card=card, member=member_a).stamps == 3
    assert list(stamps.differences()) == []


def test_stamps_by_hand_from_many_tills(shop_a, member_a, coffee, cashier_a):
    card = make_card(shop_a.merchant, coffee, stamps_needed=5)

    results = run_together(
        [
            lambda: stamps.stamp_by_hand(card=card, member=member_a, shop=shop_a, actor=cashier_a)
            for _n in range(7)
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    cards = MemberCard.objects.filter(card=card, member=member_a).order_by("number")
    assert [c.stamps for c in cards] == [5, 2]
    assert Voucher.objects.filter(member=member_a, source="stamp_card").count() == 1
