"""Earning rules of a sale: rate, rounding, exclusions, tiers, bonuses, limits and claims."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from loyalty.models import EntryKind, Event, PointsEntry, Purchase
from loyalty.points.ledger import AmountTooLarge, ClaimInvalid, UnknownMember
from loyalty.points.purchases import CLAIM_ALPHABET, CLAIM_CODE_LENGTH, claim_purchase
from loyalty.points.refunds import refund_purchase
from members.models import Member, MemberStatus
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import assert_reconciled, configure, events_of, fresh, ring


def local_noon(merchant, days_ago: int) -> datetime:
    day = timezone.now().astimezone(merchant.tzinfo).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(12), tzinfo=merchant.tzinfo)


def test_it_rounds_points_down(shop_a, member_a):
    result = ring(shop_a, member_a, "23.99")

    assert result.points_earned == 23
    assert result.explanation == "23 base"
    assert fresh(member_a).points_balance == 23


def test_it_earns_at_a_fractional_rate(merchant_a, shop_a, member_a):
    configure(merchant_a, points_per_unit=Decimal("2.5"))

    assert ring(shop_a, member_a, "10.00").points_earned == 25
    assert ring(shop_a, member_a, "3.99").points_earned == 9  # 9.975, rounded down
    assert fresh(member_a).points_balance == 34


def test_a_sale_below_the_minimum_earns_nothing(merchant_a, shop_a, member_a):
    configure(merchant_a, min_purchase_amount=Decimal("5"))

    small = ring(shop_a, member_a, "4.99")
    enough = ring(shop_a, member_a, "5.00")

    assert small.points_earned == 0 and small.purchase.pk
    assert not PointsEntry.objects.filter(purchase=small.purchase).exists()
    assert enough.points_earned == 5
    member = fresh(member_a)
    assert member.purchase_count == 2 and member.points_balance == 5


def test_excluded_categories_earn_nothing(merchant_a, shop_a, member_a):
    configure(merchant_a, excluded_categories=["Tobacco"])
    items = [
        {"sku": "CIG-1", "category": "tobacco", "quantity": 2, "unit_price": "7.50"},
        {"sku": "BREAD", "category": "Bakery", "quantity": 1, "unit_price": "4.80"},
    ]

    result = ring(shop_a, member_a, "19.80", items=items)

    assert result.purchase.eligible_amount == Decimal("4.80")
    assert result.points_earned == 4


def test_excluded_skus_earn_nothing(merchant_a, shop_a, member_a):
    configure(merchant_a, excluded_skus=["GIFT-CARD"])
    items = [
        {"sku": "gift-card", "quantity": 1, "unit_price": "50"},
        {"sku": "MUG", "quantity": 3, "unit_price": "4"},
    ]

    result = ring(shop_a, member_a, "62.00", items=items)

    assert result.points_earned == 12


def test_a_negative_excluded_line_is_a_discount_and_never_raises_what_earns(
    merchant_a, shop_a, member_a
):
    # Seen in review: a sale of 10.00 earned 1,000 points through an excluded negative line.
    configure(merchant_a, excluded_categories=["tobacco"])
    items = [
        {"sku": "CIG", "category": "tobacco", "quantity": 1, "unit_price": "-990.00"},
        {"sku": "COF", "category": "coffee", "quantity": 1, "unit_price": "1000.00"},
    ]

    result = ring(shop_a, member_a, "10.00", items=items)

    assert result.purchase.eligible_amount == Decimal("10.00")
    assert result.points_earned == 10
    assert fresh(member_a).points_balance == 10


def test_a_discount_line_lowers_what_earns(merchant_a, shop_a, member_a):
    configure(merchant_a, excluded_categories=["tobacco"])
    items = [
        {"sku": "CIG", "category": "tobacco", "quantity": 1, "unit_price": "8.00"},
        {"sku": "COF", "category": "coffee", "quantity": 2, "unit_price": "5.00"},
        {"sku": "PROMO", "category": "discount", "quantity": 1, "unit_price": "-4.00"},
    ]

    result = ring(shop_a, member_a, "14.00", items=items)

    assert result.purchase.eligible_amount == Decimal("6.00")
    assert result.points_earned == 6


def test_what_earns_is_never_more_than_what_was_paid(merchant_a, shop_a, member_a):
    configure(merchant_a, excluded_skus=["VOUCHER-BACK"])
    items = [
        {"sku": "VOUCHER-BACK", "quantity": 1, "unit_price": "-50.00"},
        {"sku": "SHOES", "quantity": 1, "unit_price": "60.00"},
    ]

    result = ring(shop_a, member_a, "10.00", items=items)

    assert result.purchase.eligible_amount <= result.purchase.amount
    assert result.points_earned == 10


def test_the_tier_multiplier_is_explained(shop_a, member_a):
    ring(shop_a, member_a, "600")  # reaches Silver (x1.25)

    result = ring(shop_a, member_a, "10")

    assert result.points_earned == 12
    assert result.explanation == "10 base + 2 Silver bonus"
    assert [part["kind"] for part in result.purchase.breakdown] == ["base", "tier"]
    assert sum(part["points"] for part in result.breakdown) == result.points_earned


def test_the_first_purchase_earns_the_bonus_once(merchant_a, shop_a, member_a):
    configure(merchant_a, first_purchase_bonus=50)

    first = ring(shop_a, member_a, "10")
    second = ring(shop_a, member_a, "10")

    assert first.points_earned == 60
    assert first.explanation == "10 base + 50 first purchase bonus"
    assert second.points_earned == 10
    bonus = PointsEntry.objects.get(member=member_a, kind=EntryKind.BONUS)
    assert bonus.points == 50 and bonus.purchase == first.purchase
    assert fresh(member_a).points_balance == 70


def test_a_sale_over_the_cap_earns_the_cap_and_is_flagged(merchant_a, shop_a, member_a):
    configure(merchant_a, max_points_per_purchase=100)

    result = ring(shop_a, member_a, "250")

    assert result.points_earned == 100
    assert result.flags == ["points_cap"] and result.purchase.flags == ["points_cap"]
    assert sum(part["points"] for part in result.breakdown) == 100
    assert PointsEntry.objects.get(purchase=result.purchase).points == 100


def test_a_sale_over_the_daily_limit_is_recorded_but_earns_nothing(merchant_a, shop_a, member_a):
    configure(merchant_a, max_purchases_per_day=2)
    day = local_noon(merchant_a, days_ago=2)

    ring(shop_a, member_a, "10", occurred_at=day)
    ring(shop_a, member_a, "10", occurred_at=day + timedelta(hours=1))
    third = ring(shop_a, member_a, "10", occurred_at=day + timedelta(hours=2))
    next_day = ring(shop_a, member_a, "10", occurred_at=day + timedelta(days=1))

    assert Purchase.objects.filter(pk=third.purchase.pk).exists()
    assert third.points_earned == 0
    assert third.flags == ["daily_purchase_limit"]
    assert not PointsEntry.objects.filter(purchase=third.purchase).exists()
    assert next_day.points_earned == 10 and next_day.flags == []
    member = fresh(member_a)
    assert member.purchase_count == 4 and member.points_balance == 30
    assert_reconciled(merchant_a)


def test_the_qualifying_sale_upgrades_to_silver_at_once(merchant_a, shop_a, member_a):
    assert member_a.tier.name == "Bronze"
    ring(shop_a, member_a, "450")

    result = ring(shop_a, member_a, "60")

    assert result.tier_changed and result.tier.name == "Silver"
    assert fresh(member_a).tier.name == "Silver"
    assert events_of(merchant_a, "tier.changed") == [
        {
            "member": member_a.pk,
            "from": "Bronze",
            "to": "Silver",
            "direction": "up",
            "purchase": result.purchase.pk,
        }
    ]


def test_an_anonymous_sale_gets_a_claim_code(merchant_a, shop_a):
    result = ring(shop_a, None, "12.50")

    code = result.purchase.claim_code
    assert len(code) == CLAIM_CODE_LENGTH
    assert set(code) <= set(CLAIM_ALPHABET)
    assert result.points_earned == 0 and result.purchase.member is None
    assert not PointsEntry.objects.filter(purchase=result.purchase).exists()


def test_a_member_claims_an_anonymous_receipt_once(merchant_a, shop_a, member_a):
    other = enrol_member(merchant=merchant_a, email="eve@example.com")
    sale = ring(shop_a, None, "12.50").purchase

    claimed = claim_purchase(member=member_a, code=sale.claim_code)

    assert claimed.points_earned == 12
    sale.refresh_from_db()
    assert sale.member == member_a and sale.claimed_at is not None
    member = fresh(member_a)
    assert member.points_balance == 12 and member.purchase_count == 1
    for claimant in (member_a, other):
        with pytest.raises(ClaimInvalid) as error:
            claim_purchase(member=claimant, code=sale.claim_code)
        assert error.value.code == "claim_used"
    assert fresh(other).points_balance == 0
    assert_reconciled(merchant_a)


def test_a_claim_code_ignores_case_and_spaces(shop_a, member_a):
    sale = ring(shop_a, None, "8").purchase
    typed = f" {sale.claim_code[:4].lower()} - {sale.claim_code[4:].lower()} "

    assert claim_purchase(member=member_a, code=typed).points_earned == 8


def test_a_receipt_past_the_claim_window_cannot_be_claimed(shop_a, member_a):
    sale = ring(shop_a, None, "8", occurred_at=timezone.now() - timedelta(days=15)).purchase

    with pytest.raises(ClaimInvalid) as error:
        claim_purchase(member=member_a, code=sale.claim_code)

    assert error.value.code == "claim_expired"
    assert fresh(member_a).points_balance == 0


def test_a_receipt_refunded_in_full_cannot_be_claimed_for_its_bonuses(merchant_a, shop_a, member_a):
    configure(merchant_a, first_purchase_bonus=25)
    sale = ring(shop_a, None, "8").purchase
    refund_purchase(purchase=sale, external_id="RF-ALL", amount=Decimal("8"))

    with pytest.raises(ClaimInvalid) as error:
        claim_purchase(member=member_a, code=sale.claim_code)

    assert error.value.code == "claim_refunded"
    member = fresh(member_a)
    assert member.points_balance == 0 and member.first_purchase_at is None


def test_an_unknown_claim_code_is_refused(shop_a, member_a):
    with pytest.raises(ClaimInvalid) as error:
        claim_purchase(member=member_a, code="ABCD2345")

    assert error.value.code == "claim_invalid"


@pytest.mark.parametrize("status", [MemberStatus.BLOCKED, MemberStatus.ANONYMIZED])
def test_a_member_who_is_not_active_cannot_claim_a_receipt(shop_a, member_a, status):
    sale = ring(shop_a, None, "8").purchase
    Member.objects.filter(pk=member_a.pk).update(status=status)

    with pytest.raises(UnknownMember) as error:
        claim_purchase(member=member_a, code=sale.claim_code)

    assert error.value.code == "member_inactive"
    sale.refresh_from_db()
    assert sale.member is None and sale.claimed_at is None
    assert fresh(member_a).points_balance == 0


def test_a_sale_writes_its_events(merchant_a, shop_a, member_a):
    result = ring(shop_a, member_a, "20")

    assert events_of(merchant_a, "purchase.recorded") == [
        {
            "purchase": result.purchase.pk,
            "member": member_a.pk,
            "shop": shop_a.pk,
            "amount": "20",
            "points": 20,
        }
    ]
    assert events_of(merchant_a, "points.earned") == [
        {"member": member_a.pk, "purchase": result.purchase.pk, "points": 20}
    ]


def test_events_are_written_in_the_transaction_of_the_sale(merchant_a, shop_a, member_a):
    # Inside the caller's transaction: visible at once (not deferred to on_commit)...
    with pytest.raises(RuntimeError), transaction.atomic():
        ring(shop_a, member_a, "20")
        assert Event.objects.filter(merchant=merchant_a, type="points.earned").count() == 1
        raise RuntimeError("the request fails later")

    # ...and gone with it (not written on a connection of their own).
    assert not Purchase.objects.filter(merchant=merchant_a).exists()
    assert not Event.objects.filter(merchant=merchant_a, type="purchase.recorded").exists()
    assert not Event.objects.filter(merchant=merchant_a, type="points.earned").exists()


def test_a_sale_is_not_recorded_when_its_events_cannot_be_written(
    merchant_a, shop_a, member_a, monkeypatch
):
    def broken_outbox(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(Event.objects, "bulk_create", broken_outbox)

    with pytest.raises(RuntimeError):
        ring(shop_a, member_a, "20")

    assert not Purchase.objects.filter(merchant=merchant_a).exists()
    assert not PointsEntry.objects.filter(member=member_a).exists()
    member = fresh(member_a)
    assert member.points_balance == 0 and member.purchase_count == 0


def test_a_claimed_receipt_counts_towards_the_daily_limit(merchant_a, shop_a, member_a):
    configure(merchant_a, max_purchases_per_day=1)
    day = local_noon(merchant_a, days_ago=1)
    ring(shop_a, member_a, "10", occurred_at=day)
    sale = ring(shop_a, None, "30", occurred_at=day + timedelta(hours=1)).purchase

    claimed = claim_purchase(member=member_a, code=sale.claim_code)

    assert claimed.points_earned == 0 and claimed.flags == ["daily_purchase_limit"]
    assert fresh(member_a).points_balance == 10
    assert_reconciled(merchant_a)


# --- The maximum sale amount ---------------------------------------------------------------


def test_a_sale_above_the_currency_default_maximum_is_refused(merchant_a, shop_a, member_a):
    with pytest.raises(AmountTooLarge) as refused:
        ring(shop_a, member_a, "10000.01")

    assert refused.value.code == "amount_too_large"
    assert "€10,000.00" in refused.value.message
    assert not Purchase.objects.exists()
    assert fresh(member_a).points_balance == 0
    assert ring(shop_a, member_a, "10000.00").points_earned == 10000


def test_an_anonymous_sale_above_the_maximum_is_refused_too(shop_a):
    with pytest.raises(AmountTooLarge):
        ring(shop_a, None, "99999.00")

    assert not Purchase.objects.exists()


def test_the_programs_own_maximum_wins_over_the_default(merchant_a, shop_a, member_a):
    configure(merchant_a, max_sale_amount=Decimal("200.00"))

    with pytest.raises(AmountTooLarge):
        ring(shop_a, member_a, "200.01")
    assert ring(shop_a, member_a, "200.00").purchase.pk


def test_the_default_limits_follow_the_merchants_currency(merchant_a, shop_a, member_a):
    merchant_a.currency = "RON"
    merchant_a.save(update_fields=["currency"])
    program = merchant_a.program

    assert (program.unusual_sale_limit, program.max_sale_limit) == (
        Decimal("2500"),
        Decimal("50000"),
    )
    assert ring(shop_a, member_a, "20000.00").purchase.amount == Decimal("20000.00")
    with pytest.raises(AmountTooLarge):
        ring(shop_a, member_a, "50000.01")
