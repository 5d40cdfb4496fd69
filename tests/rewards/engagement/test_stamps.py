"""Stamps counted from a sale's items, a full card's voucher, take-backs, expiry, reconciling."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from loyalty.models import StaffFlag
from loyalty.models.pos import FlagKind
from loyalty.points.refunds import refund_purchase
from rewards.engagement import stamps
from rewards.models import MemberCard, Stamp, StampEarnOn, StampKind, Voucher, VoucherStatus
from rewards.sales import reverse_sale
from tests.loyalty.points.helpers import events_of, ring
from tests.rewards.engagement.conftest import amount_of, coffee_items, make_card

pytestmark = pytest.mark.django_db


def sell(shop, member, count=1, **kwargs):
    items = coffee_items(count)
    return ring(shop, member, amount_of(items), items=items, **kwargs)


def open_card(card, member) -> MemberCard:
    return MemberCard.objects.get(card=card, member=member, filled_at__isnull=True)


def test_what_earns_a_stamp(merchant_a, coffee):
    per_purchase = make_card(merchant_a, coffee, earn_on=StampEarnOn.PURCHASE)
    over = make_card(merchant_a, coffee, earn_on=StampEarnOn.AMOUNT, min_amount=Decimal("20"))
    one_per_sale = make_card(merchant_a, coffee, per_item=False)
    per_item = make_card(merchant_a, coffee, skus=["esp"], categories=[])
    items = coffee_items(3)
    tea = [{"sku": "TEA", "category": "tea", "quantity": 2, "unit_price": "2.00"}]
    assert stamps.stamps_for_sale(per_purchase, Decimal("9.00"), items) == 1
    assert stamps.stamps_for_sale(over, Decimal("19.99"), items) == 0
    assert stamps.stamps_for_sale(over, Decimal("20.00"), items) == 1
    assert stamps.stamps_for_sale(one_per_sale, Decimal("9.00"), items) == 1
    assert stamps.stamps_for_sale(per_item, Decimal("9.00"), items) == 3
    assert stamps.stamps_for_sale(per_item, Decimal("4.00"), tea) == 0


def test_ten_coffees_fill_the_card_and_give_one_voucher(shop_a, member_a, coffee_card, coffee):
    sell(shop_a, member_a, 4)
    assert open_card(coffee_card, member_a).stamps == 4
    sell(shop_a, member_a, 7)  # the tenth stamp fills the card, the eleventh starts the next
    full = MemberCard.objects.get(card=coffee_card, member=member_a, number=1)
    assert full.filled_at is not None and full.stamps == 10
    assert full.voucher.reward == coffee and full.voucher.member == member_a
    assert full.voucher.source == "stamp_card"
    assert open_card(coffee_card, member_a).stamps == 1
    assert Stamp.objects.filter(member=member_a, kind=StampKind.EARN).count() == 11
    filled = events_of(shop_a.merchant, "stamp.card_filled")
    assert [e["voucher"] for e in filled] == [full.voucher.pk]
    assert list(stamps.differences()) == []


def test_a_card_that_waits_for_its_voucher(shop_a, member_a, coffee):
    card = make_card(shop_a.merchant, coffee, stamps_needed=2, restart=False)
    sell(shop_a, member_a, 3)
    assert MemberCard.objects.filter(card=card, member=member_a).count() == 1
    assert Stamp.objects.filter(member=member_a).count() == 2  # the third is not kept
    voucher = Voucher.objects.get(member=member_a, source="stamp_card")
    Voucher.objects.filter(pk=voucher.pk).update(status=VoucherStatus.USED)
    sell(shop_a, member_a, 1)
    assert open_card(card, member_a).stamps == 1


def test_a_sale_without_a_member_or_without_coffee_earns_nothing(shop_a, member_a, coffee_card):
    ring(shop_a, None, "3.00", items=coffee_items(1))
    ring(shop_a, member_a, "5.00")
    assert not Stamp.objects.exists()


def test_a_refund_takes_back_its_share_and_a_reversal_the_rest(shop_a, member_a, coffee_card):
    sale = sell(shop_a, member_a, 4).purchase  # 12.00
    refund_purchase(purchase=sale, external_id="RF1", amount=Decimal("6.00"))
    assert open_card(coffee_card, member_a).stamps == 2
    refund_purchase(purchase=sale, external_id="RF1", amount=Decimal("6.00"))  # a retry
    assert open_card(coffee_card, member_a).stamps == 2
    refund_purchase(purchase=sale, external_id="RF2", amount=Decimal("3.00"))
    assert open_card(coffee_card, member_a).stamps == 1
    other = sell(shop_a, member_a, 2).purchase
    reverse_sale(purchase=other, actor=None, reason="wrong member")
    assert open_card(coffee_card, member_a).stamps == 1
    assert list(stamps.differences()) == []


def test_reversing_the_sale_that_filled_a_card_gives_its_voucher_back(
    shop_a, member_a, coffee_card
):
    sell(shop_a, member_a, 8)
    last = sell(shop_a, member_a, 3).purchase  # fills the card, one on the next
    voucher = Voucher.objects.get(member=member_a, source="stamp_card")
    reverse_sale(purchase=last, actor=None, reason="typed twice")
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.CANCELLED
    cards = MemberCard.objects.filter(card=coffee_card, member=member_a)
    assert sum(c.stamps for c in cards) == 8
    assert open_card(coffee_card, member_a).stamps == 8  # the other eight moved on
    sell(shop_a, member_a, 2)  # and they still fill the next card
    assert Voucher.objects.filter(member=member_a, status=VoucherStatus.ISSUED).count() == 1
    assert list(stamps.differences()) == []


def test_a_used_voucher_stays_used_and_the_next_card_pays_the_stamp(shop_a, member_a, coffee):
    card = make_card(shop_a.merchant, coffee, stamps_needed=3)
    first = sell(shop_a, member_a, 3).purchase
    Voucher.objects.filter(member=member_a).update(status=VoucherStatus.USED)
    reverse_sale(purchase=first, actor=None, reason="mistake")
    assert open_card(card, member_a).stamps == -3
    sell(shop_a, member_a, 4)
    assert open_card(card, member_a).stamps == 1
    assert Voucher.objects.filter(member=member_a).count() == 1
    assert list(stamps.differences()) == []


def test_a_stamp_by_hand_is_counted_in_the_staff_flags(shop_a, member_a, coffee_card, cashier_a):
    stamps.stamp_by_hand(card=coffee_card, member=member_a, shop=shop_a, actor=cashier_a)
    stamps.stamp_by_hand(card=coffee_card, member=member_a, shop=shop_a, actor=cashier_a)
    assert open_card(coffee_card, member_a).stamps == 2
    flag = StaffFlag.objects.get(kind=FlagKind.MANUAL_STAMPS)
    assert flag.count == 2 and flag.user == cashier_a


def test_another_merchants_card_cannot_be_stamped(shop_a, member_b, coffee_card, cashier_a):
    with pytest.raises(stamps.StampError):
        stamps.stamp_by_hand(card=coffee_card, member=member_b, shop=shop_a, actor=cashier_a)
    assert not Stamp.objects.exists()


def test_stamps_expire_on_their_date(shop_a, member_a, coffee):
    card = make_card(shop_a.merchant, coffee, stamp_validity_days=30)
    sell(shop_a, member_a, 2)
    assert stamps.expire_stamps(timezone.now() + timedelta(days=29)) == 0
    assert stamps.expire_stamps(timezone.now() + timedelta(days=31)) == 2
    assert open_card(card, member_a).stamps == 0
    assert Stamp.objects.filter(kind=StampKind.EXPIRE).count() == 2


def test_reconcile_stamps_finds_a_tampered_cache(shop_a, member_a, coffee_card):
    sell(shop_a, member_a, 2)
    call_command("reconcile_stamps")
    MemberCard.objects.update(stamps=5)
    with pytest.raises(CommandError):
        call_command("reconcile_stamps")


def test_what_the_till_and_the_member_page_say(shop_a, member_a, coffee_card):
    from rewards.engagement.queries import member_stamp_cards

    assert member_stamp_cards(member_a)[0].label == "0 of 10 stamps"
    sell(shop_a, member_a, 8)
    progress = member_stamp_cards(member_a)[0]
    assert progress.label == "8 of 10 stamps"
    assert progress.till_line == "2 more coffees for free coffee"
    assert progress.spaces.count(True) == 8 and len(progress.spaces) == 10
