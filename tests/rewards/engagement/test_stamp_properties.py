"""Random sequences of sales, refunds, reversals and voucher uses never break the stamp books.

After each sequence: every card's cache is the sum of its rows (reconcile finds nothing), no
card holds more than it needs, each filled card has one voucher, and the stamps still on cards
are exactly what the sales earned less what their refunds and reversals took back.
"""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.points.refunds import refund_purchase
from rewards.engagement import stamps
from rewards.models import MemberCard, Stamp, Voucher, VoucherStatus
from rewards.sales import reverse_sale
from tests.loyalty.points.helpers import ring
from tests.rewards.engagement.conftest import amount_of, coffee_items, make_card

pytestmark = pytest.mark.django_db

steps = st.lists(
    st.one_of(
        st.tuples(st.just("sale"), st.integers(1, 4)),
        st.tuples(st.just("refund"), st.integers(0, 20)),
        st.tuples(st.just("reverse"), st.integers(0, 20)),
        st.tuples(st.just("use"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_random_sequences_reconcile(shop_a, member_a, coffee, sequence):
    card = make_card(shop_a.merchant, coffee, stamps_needed=4, name=f"C{id(sequence)}")
    sales = []
    for index, (step, value) in enumerate(sequence):
        if step == "sale":
            items = coffee_items(value)
            sales.append(ring(shop_a, member_a, amount_of(items), items=items).purchase)
        elif step in ("refund", "reverse") and sales:
            sale = sales[value % len(sales)]
            sale.refresh_from_db()
            if sale.reversed_at is not None:
                continue
            if step == "reverse":
                reverse_sale(purchase=sale, actor=None, reason="test")
            elif sale.refundable_amount > 0:
                refund_purchase(
                    purchase=sale, external_id=f"RF{card.pk}-{index}", amount=Decimal("3.00")
                )
        elif step == "use":
            live = Voucher.objects.filter(
                member=member_a, source="stamp_card", status=VoucherStatus.ISSUED
            ).order_by("pk")
            voucher = live[value % live.count()] if live.exists() else None
            if voucher is not None:
                Voucher.objects.filter(pk=voucher.pk).update(status=VoucherStatus.USED)

    assert list(stamps.differences()) == []
    cards = MemberCard.objects.filter(card=card, member=member_a)
    for member_card in cards:
        assert member_card.stamps <= card.stamps_needed
        if member_card.filled_at is not None:
            assert member_card.voucher is not None
    rows = Stamp.objects.filter(member_card__card=card)
    on_cards = sum(r.stamps for r in rows)
    earned = sum(r.stamps for r in rows.filter(kind="earn"))
    taken = -sum(r.stamps for r in rows.filter(kind="take_back"))
    assert on_cards == earned - taken
    # Every stamp a sale still holds is live exactly once, and none of a reversed sale is.
    for sale in sales:
        sale.refresh_from_db()
        live = rows.filter(purchase=sale, stamps__gt=0, undone_by__isnull=True).count()
        if sale.reversed_at is not None:
            assert live == 0
