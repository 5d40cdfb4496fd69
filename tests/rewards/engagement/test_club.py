"""The paid club: terms sold by SKU, renewals, reversals, the multiplier, the nightly dates."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.clock import local_today
from loyalty.points.refunds import refund_purchase
from rewards.engagement import club as engine
from rewards.models import ClubMembership, MembershipStatus
from rewards.sales import reverse_sale
from tests.loyalty.points.helpers import events_of, ring
from tests.personas import make_bob
from tests.rewards.engagement.clubs import buy, make_club

pytestmark = pytest.mark.django_db

CAKE = {"sku": "CAKE", "name": "Cake", "category": "cake", "quantity": 1, "unit_price": "10.00"}


def terms(member) -> list[tuple]:
    return list(
        ClubMembership.objects.filter(member=member)
        .order_by("starts_on", "id")
        .values_list("starts_on", "ends_on", "status")
    )


def until(member):
    status = engine.club_status(member)
    return status.until if status else None


def test_a_sale_of_the_clubs_product_starts_a_membership(shop_a, member_a):
    club = make_club(shop_a.merchant)
    today = local_today(shop_a.merchant)
    assert until(member_a) is None

    sale = buy(shop_a, member_a).purchase

    assert terms(member_a) == [(today, today + timedelta(days=365), MembershipStatus.ACTIVE)]
    assert until(member_a) == today + timedelta(days=365)
    started = events_of(shop_a.merchant, "membership.started")
    assert started == [
        {
            "member": member_a.pk,
            "card_number": member_a.card_number,
            "club": club.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=365)).isoformat(),
            "purchase": sale.pk,
        }
    ]


def test_a_renewal_extends_from_the_old_end_and_two_units_are_two_terms(shop_a, member_a):
    make_club(shop_a.merchant)
    today = local_today(shop_a.merchant)
    buy(shop_a, member_a)
    buy(shop_a, member_a, quantity=2)

    year = timedelta(days=365)
    assert [t[:2] for t in terms(member_a)] == [
        (today, today + year),
        (today + year, today + 2 * year),
        (today + 2 * year, today + 3 * year),
    ]
    assert until(member_a) == today + 3 * year
    assert len(events_of(shop_a.merchant, "membership.started")) == 1  # a renewal is no start


def test_other_products_and_other_merchants_clubs_start_nothing(shop_a, member_a, merchant_b):
    make_club(merchant_b)  # the same SKU at another merchant
    buy(shop_a, member_a)
    ring(shop_a, member_a, "10.00", items=[CAKE])
    assert terms(member_a) == []
    assert until(member_a) is None
    make_club(shop_a.merchant, sku="gold")  # and a club of its own sold as another product
    ring(shop_a, member_a, "10.00", items=[CAKE])
    buy(shop_a, member_a)
    assert terms(member_a) == []


def test_a_reversal_cancels_its_term_and_later_terms_move_up(shop_a, member_a, cashier_a):
    make_club(shop_a.merchant)
    today = local_today(shop_a.merchant)
    first = buy(shop_a, member_a).purchase
    buy(shop_a, member_a)  # renewed at once: 2 years

    reverse_sale(purchase=first, actor=cashier_a, reason="sold to the wrong member")

    rows = terms(member_a)
    assert rows[0][2] == MembershipStatus.CANCELLED
    assert rows[1] == (today, today + timedelta(days=365), MembershipStatus.ACTIVE)
    assert until(member_a) == today + timedelta(days=365)


def test_a_refund_of_the_membership_cancels_it_a_refund_of_the_cake_does_not(shop_a, member_a):
    make_club(shop_a.merchant)
    sale = buy(shop_a, member_a, extra=[CAKE]).purchase  # 59.00

    refund_purchase(purchase=sale, external_id="RF-CAKE", amount=Decimal("10.00"))
    assert until(member_a) is not None

    refund_purchase(purchase=sale, external_id="RF-CLUB", amount=Decimal("49.00"))
    assert until(member_a) is None
    assert [t[2] for t in terms(member_a)] == [MembershipStatus.CANCELLED]


def test_members_earn_the_multiplier_from_their_next_sale(shop_a, member_a):
    make_club(shop_a.merchant)
    joining = buy(shop_a, member_a)
    other = ring(shop_a, make_bob(shop_a.merchant), "20.00")
    member_sale = ring(shop_a, member_a, "20.00")

    assert not [p for p in joining.breakdown if p["kind"] == "promotion"]  # not on the joining
    assert other.points_earned == 20
    assert member_sale.points_earned == 30
    part = next(p for p in member_sale.breakdown if p["kind"] == "promotion")
    assert part["points"] == 10 and part["label"] == "Club member"
    assert part["reference"].startswith("club:")


def test_an_inactive_club_gives_no_multiplier_and_no_terms(shop_a, member_a):
    club = make_club(shop_a.merchant)
    buy(shop_a, member_a)
    club.active = False
    club.save()
    assert ring(shop_a, member_a, "20.00").points_earned == 20
    buy(shop_a, member_a)
    assert len(terms(member_a)) == 1


def test_renewal_due_and_lapsed_are_emitted_once(shop_a, member_a):
    make_club(shop_a.merchant, notice_days=14)
    buy(shop_a, member_a)
    now = timezone.now()

    assert engine.run_club_dates(now + timedelta(days=300)) == (0, 0)
    assert engine.run_club_dates(now + timedelta(days=352)) == (1, 0)
    assert engine.run_club_dates(now + timedelta(days=353)) == (0, 0)
    assert len(events_of(shop_a.merchant, "membership.renewal_due")) == 1
    assert engine.run_club_dates(now + timedelta(days=365)) == (0, 0)  # the last day
    assert engine.run_club_dates(now + timedelta(days=366)) == (0, 1)
    assert engine.run_club_dates(now + timedelta(days=367)) == (0, 0)
    lapsed = events_of(shop_a.merchant, "membership.lapsed")
    assert [e["member"] for e in lapsed] == [member_a.pk]
    assert [t[2] for t in terms(member_a)] == [MembershipStatus.LAPSED]


def test_a_renewed_membership_is_reminded_at_its_new_end_only(shop_a, member_a):
    make_club(shop_a.merchant, notice_days=14)
    buy(shop_a, member_a, quantity=2)
    now = timezone.now()
    assert engine.run_club_dates(now + timedelta(days=352)) == (0, 0)
    assert engine.run_club_dates(now + timedelta(days=366)) == (0, 0)  # still a member
    assert engine.run_club_dates(now + timedelta(days=717)) == (1, 0)


def test_rejoining_after_the_end_starts_a_new_membership(shop_a, member_a):
    make_club(shop_a.merchant)
    earlier = timezone.now() - timedelta(days=400)
    buy(shop_a, member_a, occurred_at=earlier)
    today = local_today(shop_a.merchant)

    buy(shop_a, member_a)

    assert terms(member_a)[0][2] == MembershipStatus.LAPSED
    assert terms(member_a)[1] == (today, today + timedelta(days=365), MembershipStatus.ACTIVE)
    assert len(events_of(shop_a.merchant, "membership.started")) == 2
