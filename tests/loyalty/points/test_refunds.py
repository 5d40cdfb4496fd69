"""Refunds claw back what the refunded part earned; a manager's reversal undoes a whole sale."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from loyalty.errors import DomainError
from loyalty.models import AuditEvent, EntryKind, PointsEntry, PointsLot
from loyalty.points import refunds as refunds_mod
from loyalty.points.jobs import expire_points, reevaluate_tiers, release_pending_points
from loyalty.points.ledger import InsufficientPoints, PurchaseReversed, add_months, redeem_points
from loyalty.points.purchases import claim_purchase
from loyalty.points.refunds import RefundResult, refund_purchase, reverse_purchase
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import (
    assert_reconciled,
    configure,
    events_of,
    fresh,
    ledger_sum,
    ring,
)

_refund_numbers = itertools.count(1)


def refund(sale, amount: str) -> RefundResult:
    """Refund at the till with a fresh refund number."""
    return refund_purchase(
        purchase=sale, external_id=f"F{next(_refund_numbers)}", amount=Decimal(amount)
    )


def test_a_partial_refund_claws_back_its_share(merchant_a, shop_a, member_a):
    sale = ring(shop_a, member_a, "100.00").purchase

    result = refund(sale, "25.00")

    assert result.points_clawed_back == 25 and result.points_balance == 75
    entry = PointsEntry.objects.get(member=member_a, kind=EntryKind.CLAWBACK)
    assert entry.points == -25 and entry.refund == result.refund and entry.purchase == sale
    sale.refresh_from_db()
    assert sale.refunded_amount == Decimal("25.00") and sale.points_clawed_back == 25
    member = fresh(member_a)
    assert member.points_balance == 75
    assert member.lifetime_points == 75 and member.lifetime_spend == Decimal("75.00")
    assert_reconciled(merchant_a)


def test_two_half_refunds_take_back_what_one_full_refund_does(merchant_a, shop_a, member_a):
    other = enrol_member(merchant=merchant_a, email="eve@example.com")
    halves = ring(shop_a, member_a, "33.33").purchase
    whole = ring(shop_a, other, "33.33").purchase

    first, second = refund(halves, "16.66"), refund(halves, "16.67")
    full = refund(whole, "33.33")

    assert full.points_clawed_back == 33
    assert first.points_clawed_back + second.points_clawed_back == 33
    assert fresh(member_a).points_balance == fresh(other).points_balance == 0
    assert_reconciled(merchant_a)


def test_many_small_refunds_never_drift_from_the_proportional_share(shop_a, member_a):
    sale = ring(shop_a, member_a, "10.00").purchase

    taken = [refund(sale, amount).points_clawed_back for amount in ("3.33", "3.33", "3.34")]

    assert taken == [3, 3, 4]
    assert fresh(member_a).points_balance == 0


def test_a_refund_of_pending_points_reduces_the_pending_points(merchant_a, shop_a, member_a):
    configure(merchant_a, pending_days=3)
    sale = ring(shop_a, member_a, "50").purchase
    assert fresh(member_a).pending_points == 50

    refund(sale, "20")

    member = fresh(member_a)
    assert member.pending_points == 30 and member.points_balance == 0
    assert PointsLot.objects.get(member=member_a).remaining == 30
    assert_reconciled(merchant_a)


def test_a_refund_after_spending_leaves_a_negative_balance(merchant_a, shop_a, member_a):
    sale = ring(shop_a, member_a, "50").purchase
    redeem_points(member=member_a, points=40)

    result = refund(sale, "50")

    assert result.points_clawed_back == 50
    member = fresh(member_a)
    assert member.points_balance == -40 == ledger_sum(member)
    assert not PointsLot.objects.filter(member=member_a, remaining__gt=0).exists()
    assert_reconciled(merchant_a)


def test_a_negative_balance_blocks_redemption(shop_a, member_a):
    sale = ring(shop_a, member_a, "50").purchase
    redeem_points(member=member_a, points=50)
    refund(sale, "20")

    with pytest.raises(InsufficientPoints) as error:
        redeem_points(member=member_a, points=1)

    assert "negative" in error.value.message
    assert fresh(member_a).points_balance == -20


def test_later_earnings_pay_the_debt_first(merchant_a, shop_a, member_a):
    sale = ring(shop_a, member_a, "50").purchase
    redeem_points(member=member_a, points=50)
    refund(sale, "40")  # balance -40

    assert ring(shop_a, member_a, "30").points_balance == -10
    assert ring(shop_a, member_a, "25").points_balance == 15

    lots = PointsLot.objects.filter(member=member_a, remaining__gt=0)
    assert [(lot.points, lot.remaining) for lot in lots] == [(25, 15)]
    with pytest.raises(InsufficientPoints):
        redeem_points(member=member_a, points=16)
    redeem_points(member=member_a, points=15)
    assert fresh(member_a).points_balance == 0
    assert_reconciled(merchant_a)


def test_pending_earnings_pay_the_debt_when_they_are_released(merchant_a, shop_a, member_a):
    sale = ring(shop_a, member_a, "50").purchase
    redeem_points(member=member_a, points=50)
    refund(sale, "40")
    configure(merchant_a, pending_days=3)
    ring(shop_a, member_a, "100")
    member = fresh(member_a)
    assert (member.points_balance, member.pending_points) == (-40, 100)

    release_pending_points(now=timezone.now() + timedelta(days=3, minutes=1))

    member = fresh(member_a)
    assert (member.points_balance, member.pending_points) == (60, 0)
    assert_reconciled(merchant_a)


# --- Reversals -----------------------------------------------------------------------------------


def test_a_manager_reverses_a_sale(merchant_a, shop_a, member_a, manager_a):
    now = timezone.now()
    kept = ring(shop_a, member_a, "40", occurred_at=now - timedelta(days=2)).purchase
    wrong = ring(shop_a, member_a, "60", occurred_at=now - timedelta(days=1)).purchase

    reverse_purchase(purchase=wrong, actor=manager_a, reason="wrong customer")

    reversal = PointsEntry.objects.get(member=member_a, kind=EntryKind.REVERSAL)
    assert reversal.points == -60 and reversal.purchase == wrong
    assert reversal.actor == manager_a and reversal.reason == "wrong customer"
    audit = AuditEvent.objects.get(merchant=merchant_a, action="loyalty.purchase.reversed")
    assert audit.actor == manager_a and audit.target_id == str(wrong.pk)
    assert audit.data["reason"] == "wrong customer"
    wrong.refresh_from_db()
    assert wrong.reversed_at is not None and wrong.reversed_by == manager_a
    member = fresh(member_a)
    assert member.purchase_count == 1 and member.points_balance == 40
    assert member.lifetime_spend == Decimal("40") and member.last_purchase_at == kept.occurred_at
    assert_reconciled(merchant_a)


def test_a_reversal_takes_back_the_first_purchase_bonus_too(
    merchant_a, shop_a, member_a, manager_a
):
    configure(merchant_a, first_purchase_bonus=50)
    sale = ring(shop_a, member_a, "10").purchase

    reverse_purchase(purchase=sale, actor=manager_a, reason="test sale")

    member = fresh(member_a)
    assert member.points_balance == 0 and member.purchase_count == 0
    assert member.first_purchase_at is None and member.last_purchase_at is None
    assert_reconciled(merchant_a)


def test_a_member_buys_again_after_the_only_sale_was_reversed(
    merchant_a, shop_a, member_a, manager_a
):
    configure(merchant_a, first_purchase_bonus=50)
    wrong = ring(shop_a, member_a, "10").purchase
    reverse_purchase(purchase=wrong, actor=manager_a, reason="wrong customer")

    result = ring(shop_a, member_a, "20")

    # The first purchase bonus is once per member: it went back with the reversed sale.
    assert result.created and result.points_earned == 20
    assert fresh(member_a).points_balance == result.points_earned
    assert_reconciled(merchant_a)


def test_a_reversal_of_a_partly_refunded_sale_takes_back_only_what_is_left(
    merchant_a, shop_a, member_a, manager_a
):
    sale = ring(shop_a, member_a, "100").purchase
    refund(sale, "30")

    reverse_purchase(purchase=sale, actor=manager_a, reason="void")

    assert PointsEntry.objects.get(member=member_a, kind=EntryKind.REVERSAL).points == -70
    member = fresh(member_a)
    assert member.points_balance == 0 and member.lifetime_spend == 0
    assert_reconciled(merchant_a)


def test_a_reversal_after_spending_leaves_a_negative_balance(
    merchant_a, shop_a, member_a, manager_a
):
    sale = ring(shop_a, member_a, "100").purchase
    redeem_points(member=member_a, points=80)

    reverse_purchase(purchase=sale, actor=manager_a, reason="void")

    assert fresh(member_a).points_balance == -80
    assert_reconciled(merchant_a)


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_reversal_needs_a_reason(shop_a, member_a, manager_a, reason):
    sale = ring(shop_a, member_a, "40").purchase

    with pytest.raises(DomainError) as error:
        reverse_purchase(purchase=sale, actor=manager_a, reason=reason)

    assert error.value.code == "reason_required"
    sale.refresh_from_db()
    assert sale.reversed_at is None and fresh(member_a).points_balance == 40


def test_a_sale_is_reversed_only_once(shop_a, member_a, manager_a):
    sale = ring(shop_a, member_a, "40").purchase
    reverse_purchase(purchase=sale, actor=manager_a, reason="void")

    with pytest.raises(PurchaseReversed) as error:
        reverse_purchase(purchase=sale, actor=manager_a, reason="void")

    assert error.value.code == "purchase_reversed"
    assert PointsEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_a_reversed_sale_cannot_be_refunded(shop_a, member_a, manager_a):
    sale = ring(shop_a, member_a, "40").purchase
    reverse_purchase(purchase=sale, actor=manager_a, reason="void")

    with pytest.raises(PurchaseReversed):
        refund(sale, "10")

    assert fresh(member_a).points_balance == 0


def test_a_refund_after_a_claim_takes_back_only_what_the_claim_earned(merchant_a, shop_a, member_a):
    sale = ring(shop_a, None, "100").purchase
    refund(sale, "50")  # returned at the till before the receipt was claimed
    assert claim_purchase(member=member_a, code=sale.claim_code).points_earned == 50
    sale.refresh_from_db()

    result = refund(sale, "25")

    assert result.points_clawed_back == 25
    assert refund(sale, "25").points_clawed_back == 25
    assert fresh(member_a).points_balance == 0
    assert_reconciled(merchant_a)


def test_a_refund_of_a_receipt_claimed_meanwhile_claws_back_from_its_member(
    merchant_a, shop_a, member_a
):
    sale = ring(shop_a, None, "40").purchase  # the caller holds this copy...
    claim_purchase(member=member_a, code=sale.claim_code)  # ...while the member claims

    result = refund(sale, "40")

    assert result.points_clawed_back == 40
    assert fresh(member_a).points_balance == 0
    assert PointsEntry.objects.get(member=member_a, kind=EntryKind.CLAWBACK).points == -40
    assert_reconciled(merchant_a)


def test_a_reversal_of_a_receipt_claimed_meanwhile_takes_back_its_points(
    merchant_a, shop_a, member_a, manager_a
):
    sale = ring(shop_a, None, "40").purchase
    claim_purchase(member=member_a, code=sale.claim_code)

    reverse_purchase(purchase=sale, actor=manager_a, reason="void")

    member = fresh(member_a)
    assert member.points_balance == 0 and member.purchase_count == 0
    assert_reconciled(merchant_a)


def test_refunds_after_a_claim_on_a_frozen_clock_take_back_what_the_claim_earned(
    merchant_a, shop_a, member_a
):
    # Refunds, claim and refunds again, all at the same instant (a frozen or backfill clock):
    # the claim's basis is stored, not guessed from timestamps.
    with time_machine.travel(timezone.now(), tick=False):
        sale = ring(shop_a, None, "100").purchase
        refund(sale, "40")  # returned at the till before the receipt was claimed
        claimed = claim_purchase(member=member_a, code=sale.claim_code)
        sale.refresh_from_db()
        assert claimed.points_earned == 60 and sale.points_basis_amount == Decimal("60")

        taken = [refund(sale, amount).points_clawed_back for amount in ("30", "15", "15")]

    assert taken == [30, 15, 15] and sum(taken) == claimed.points_earned
    assert fresh(member_a).points_balance == 0
    assert_reconciled(merchant_a)


def test_a_member_sale_earns_on_its_whole_amount(shop_a, member_a):
    assert ring(shop_a, member_a, "42.50").purchase.points_basis_amount == Decimal("42.50")


def test_a_refund_after_the_sale_points_expired_takes_back_only_what_was_spent(
    merchant_a, shop_a, member_a
):
    configure(merchant_a, expiry_mode="after_earning", expiry_months=12)
    now = timezone.now()
    old = ring(shop_a, member_a, "100", occurred_at=add_months(now, -13)).purchase
    ring(shop_a, member_a, "50", occurred_at=now - timedelta(days=3))
    redeem_points(member=member_a, points=30)  # oldest first: from the old sale
    assert expire_points(now=now) == 70

    first, second = refund(old, "50"), refund(old, "50")

    # 30 of its points were spent, 70 expired: the expired ones are not taken a second time.
    assert (first.points_clawed_back, second.points_clawed_back) == (30, 0)
    assert fresh(member_a).points_balance == 20
    assert_reconciled(merchant_a)


def test_nothing_is_clawed_back_when_all_of_the_sale_points_expired(merchant_a, shop_a, member_a):
    configure(merchant_a, expiry_mode="after_earning", expiry_months=12)
    now = timezone.now()
    old = ring(shop_a, member_a, "100", occurred_at=add_months(now, -13)).purchase
    ring(shop_a, member_a, "50", occurred_at=now - timedelta(days=3))
    expire_points(now=now)

    assert refund(old, "100").points_clawed_back == 0

    assert fresh(member_a).points_balance == 50
    assert_reconciled(merchant_a)


def test_a_reversal_does_not_take_back_the_sale_points_that_expired(
    merchant_a, shop_a, member_a, manager_a
):
    configure(merchant_a, expiry_mode="after_earning", expiry_months=12)
    now = timezone.now()
    old = ring(shop_a, member_a, "100", occurred_at=add_months(now, -13)).purchase
    ring(shop_a, member_a, "50", occurred_at=now - timedelta(days=3))
    redeem_points(member=member_a, points=30)  # from the old sale's lot
    assert expire_points(now=now) == 70

    reverse_purchase(purchase=old, actor=manager_a, reason="rang up twice")

    # 30 of its points were spent and are taken back; the 70 that expired are gone already.
    reversal = PointsEntry.objects.get(member=member_a, kind=EntryKind.REVERSAL)
    assert reversal.points == -30
    assert fresh(member_a).points_balance == 20
    assert_reconciled(merchant_a)


# --- The tier of a reversed or refunded sale -----------------------------------------------------


def tier_events(merchant) -> list[dict]:
    return events_of(merchant, "tier.changed")


def test_a_reversal_takes_back_the_tier_the_sale_bought(merchant_a, shop_a, member_a, manager_a):
    # Seen in review: a typo of 100,000 made a member Gold, and the undo left them Gold.
    configure(merchant_a, max_sale_amount=Decimal("200000"))
    ring(shop_a, member_a, "796.95")
    assert fresh(member_a).tier.name == "Silver"
    typo = ring(shop_a, member_a, "100000.00").purchase
    assert fresh(member_a).tier.name == "Gold"

    refunds_mod.reverse_purchase(purchase=typo, actor=manager_a, reason="typo at the till")

    member = fresh(member_a)
    assert member.tier.name == "Silver"
    assert member.tier_below_since is None
    assert tier_events(merchant_a)[-1] == {
        "member": member_a.pk,
        "from": "Gold",
        "to": "Silver",
        "direction": "down",
        "purchase": typo.pk,
    }
    assert_reconciled(merchant_a)


def test_a_full_refund_takes_back_the_tier_too(merchant_a, shop_a, member_a):
    ring(shop_a, member_a, "400")
    big = ring(shop_a, member_a, "1200").purchase
    assert fresh(member_a).tier.name == "Gold"

    refund(big, "700")  # a partial refund: the grace period decides, later
    assert fresh(member_a).tier.name == "Gold"
    refund(big, "500")

    assert fresh(member_a).tier.name == "Bronze"
    assert tier_events(merchant_a)[-1]["direction"] == "down"
    assert tier_events(merchant_a)[-1]["to"] == "Bronze"


def test_a_reversal_keeps_a_tier_the_member_had_before_the_sale(
    merchant_a, shop_a, member_a, manager_a
):
    configure(merchant_a, tier_window_months=12, tier_grace_days=30)
    now = timezone.now()
    ring(shop_a, member_a, "1600", occurred_at=add_months(now, -11))
    assert fresh(member_a).tier.name == "Gold"

    # Two months on, that sale has left the window: Gold is kept for the grace period only.
    with time_machine.travel(add_months(now, 2), tick=False):
        small = ring(shop_a, member_a, "20").purchase
        refunds_mod.reverse_purchase(purchase=small, actor=manager_a, reason="wrong customer")

    assert fresh(member_a).tier.name == "Gold"
    assert [e["direction"] for e in tier_events(merchant_a)] == ["up"]


def test_a_reversal_goes_back_to_the_tier_held_before_the_sale_not_lower(
    merchant_a, shop_a, member_a, manager_a
):
    configure(merchant_a, tier_window_months=12, tier_grace_days=30)
    now = timezone.now()
    ring(shop_a, member_a, "600", occurred_at=add_months(now, -11))
    assert fresh(member_a).tier.name == "Silver"

    with time_machine.travel(add_months(now, 2), tick=False):
        # Silver now lasts only by grace; this sale makes the member Gold.
        big = ring(shop_a, member_a, "1500").purchase
        assert fresh(member_a).tier.name == "Gold"
        refunds_mod.reverse_purchase(purchase=big, actor=manager_a, reason="wrong customer")
        member = fresh(member_a)
        # Back to Silver, which the grace period still governs: not straight to Bronze.
        assert member.tier.name == "Silver"
        assert member.tier_below_since == timezone.now()
        assert reevaluate_tiers() == 0

    assert tier_events(merchant_a)[-1]["to"] == "Silver"
    with time_machine.travel(add_months(now, 2) + timedelta(days=30), tick=False):
        assert reevaluate_tiers() == 1
    assert fresh(member_a).tier.name == "Bronze"


def test_a_reversal_of_a_sale_that_changed_no_tier_changes_none(
    merchant_a, shop_a, member_a, manager_a
):
    ring(shop_a, member_a, "1600")
    small = ring(shop_a, member_a, "20").purchase

    refunds_mod.reverse_purchase(purchase=small, actor=manager_a, reason="wrong customer")

    assert fresh(member_a).tier.name == "Gold"
    assert len(tier_events(merchant_a)) == 1
