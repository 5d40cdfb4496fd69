"""Merging a duplicate member: points move as ledger entries, purchases move, caches agree."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from loyalty.errors import ValidationFailed
from loyalty.models import AuditEvent
from loyalty.models.points import EntryKind, PointsEntry, PointsLot, Program, Purchase
from loyalty.points.ledger import get_program, redeem_points
from loyalty.points.reconcile import differences
from loyalty.points.refunds import refund_purchase
from members.models import Member, MemberStatus
from members.services.enrolment import enrol_member
from members.services.merge import merge_members
from tests.members.portal.conftest import buy, member_url


@pytest.fixture
def pending_program(merchant_a):
    program = get_program(merchant_a)
    Program.objects.filter(pk=program.pk).update(pending_days=14)
    merchant_a.refresh_from_db()
    return program


@pytest.fixture
def dup(merchant_a):
    return enrol_member(
        merchant=merchant_a, phone="+40733111222", first_name="Ana", birthday="--05-17"
    )


def fresh(member: Member) -> Member:
    member.refresh_from_db()
    return member


def test_points_purchases_and_caches_add_up_on_the_survivor(merchant_a, shop_a, owner_a, ana, dup):
    buy(ana, shop_a, "100", days_ago=3)
    buy(dup, shop_a, "40", days_ago=10)
    buy(dup, shop_a, "60", days_ago=1)
    ana, dup = fresh(ana), fresh(dup)
    before = {
        "balance": ana.points_balance + dup.points_balance,
        "pending": ana.pending_points + dup.pending_points,
        "spend": ana.lifetime_spend + dup.lifetime_spend,
        "count": ana.purchase_count + dup.purchase_count,
    }
    dup_purchases = set(Purchase.objects.filter(member=dup).values_list("pk", flat=True))

    survivor = merge_members(survivor=ana, duplicate=dup, actor=owner_a)

    assert survivor.points_balance == before["balance"]
    assert survivor.pending_points == before["pending"]
    assert survivor.lifetime_spend == before["spend"] == Decimal("200")
    assert survivor.purchase_count == before["count"] == 3
    assert dup_purchases <= set(Purchase.objects.filter(member=ana).values_list("pk", flat=True))
    dup = fresh(dup)
    assert (dup.points_balance, dup.pending_points, dup.purchase_count) == (0, 0, 0)
    assert sum(PointsEntry.objects.filter(member=dup).values_list("points", flat=True)) == 0
    assert not PointsLot.objects.filter(member=dup, remaining__gt=0).exists()
    ins = PointsEntry.objects.filter(member=ana, reference__startswith="merge:in:")
    assert ins.count() == 2 and {e.kind for e in ins} == {EntryKind.ADJUST}
    assert list(differences()) == []
    call_command("reconcile_points")


def test_pending_points_keep_their_release_date(
    merchant_a, shop_a, owner_a, ana, dup, pending_program
):
    buy(dup, shop_a, "50")
    old_lot = PointsLot.objects.get(member=dup)
    assert not old_lot.released and fresh(dup).pending_points == 50

    merge_members(survivor=ana, duplicate=dup, actor=owner_a)

    new_lot = PointsLot.objects.get(member=ana, entry__reference=f"merge:in:{old_lot.pk}")
    assert (new_lot.available_at, new_lot.released, new_lot.remaining) == (
        old_lot.available_at,
        False,
        50,
    )
    assert fresh(ana).pending_points == 50 and fresh(ana).points_balance == 0
    call_command("reconcile_points")


def test_a_negative_balance_moves_to_the_survivor(merchant_a, shop_a, owner_a, ana, dup):
    sale = buy(dup, shop_a, "100").purchase
    redeem_points(member=dup, points=100)
    refund_purchase(purchase=sale, external_id="RF-1", amount=Decimal("50"))
    assert fresh(dup).points_balance == -50
    buy(ana, shop_a, "80")

    survivor = merge_members(survivor=ana, duplicate=dup, actor=owner_a)

    assert survivor.points_balance == 30
    assert fresh(dup).points_balance == 0
    call_command("reconcile_points")


def test_the_duplicate_is_anonymized_and_its_contact_fills_the_gaps(merchant_a, owner_a, bob, dup):
    merge_members(survivor=bob, duplicate=dup, actor=owner_a)

    dup, bob = fresh(dup), fresh(bob)
    assert dup.status == MemberStatus.ANONYMIZED and dup.phone == "" and dup.first_name == ""
    assert bob.phone == "+40733111222" and bob.first_name == "Bob"
    assert (bob.birth_day, bob.birth_month) == (17, 5)


def test_the_merge_is_audited_with_both_cards(merchant_a, owner_a, ana, dup):
    dup_card = dup.card_number

    merge_members(survivor=ana, duplicate=dup, actor=owner_a)

    event = AuditEvent.objects.for_merchant(merchant_a).get(action="members.member.merged")
    assert event.actor == owner_a
    assert event.data["survivor_card"] == ana.card_number
    assert event.data["duplicate_card"] == dup_card


def test_another_merchants_member_is_refused(owner_a, ana, stranger):
    with pytest.raises(ValidationFailed):
        merge_members(survivor=ana, duplicate=stranger, actor=owner_a)


def test_a_member_cannot_be_merged_into_itself_or_an_anonymized_one(owner_a, ana, dup):
    with pytest.raises(ValidationFailed):
        merge_members(survivor=ana, duplicate=ana, actor=owner_a)
    merge_members(survivor=ana, duplicate=dup, actor=owner_a)
    with pytest.raises(ValidationFailed):
        merge_members(survivor=ana, duplicate=fresh(dup), actor=owner_a)


# --- Portal ------------------------------------------------------------------------------------


def test_the_detail_page_offers_the_merge(manager_client, ana):
    html = manager_client.get(member_url(ana)).content.decode()

    assert member_url(ana, "merge/") in html


def test_the_portal_compares_then_merges(manager_client, merchant_a, shop_a, ana, dup):
    buy(dup, shop_a, "30")

    compare = manager_client.post(member_url(ana, "merge/"), {"card_number": dup.card_number})

    assert compare.status_code == 200
    html = compare.content.decode()
    assert ana.card_number in html and dup.card_number in html and 'name="confirm"' in html
    assert fresh(dup).status == MemberStatus.ACTIVE

    done = manager_client.post(
        member_url(ana, "merge/"), {"card_number": dup.card_number, "confirm": "yes"}
    )

    assert done.status_code == 302 and done["Location"] == member_url(ana)
    assert fresh(dup).status == MemberStatus.ANONYMIZED
    assert fresh(ana).points_balance == 30
    call_command("reconcile_points")


def test_the_portal_refuses_another_merchants_card(owner_client, ana, stranger):
    answer = owner_client.post(
        member_url(ana, "merge/"), {"card_number": stranger.card_number, "confirm": "yes"}
    )

    assert answer.status_code == 200
    assert "No member of yours has this card number." in answer.content.decode()
    assert fresh(stranger).status == MemberStatus.ACTIVE


def test_the_portal_refuses_the_member_itself(owner_client, ana):
    answer = owner_client.post(
        member_url(ana, "merge/"), {"card_number": ana.card_number, "confirm": "yes"}
    )

    assert "cannot be merged into itself" in answer.content.decode()


def test_a_cashier_may_not_merge(cashier_client, ana, dup):
    answer = cashier_client.post(
        member_url(ana, "merge/"), {"card_number": dup.card_number, "confirm": "yes"}
    )

    assert answer.status_code == 403
    assert fresh(dup).status == MemberStatus.ACTIVE


def test_another_merchant_gets_a_404(outsider_client, ana, dup):
    assert outsider_client.get(member_url(ana, "merge/")).status_code == 404
    answer = outsider_client.post(
        member_url(ana, "merge/"), {"card_number": dup.card_number, "confirm": "yes"}
    )
    assert answer.status_code == 404
    assert fresh(dup).status == MemberStatus.ACTIVE


def test_the_survivor_counts_the_duplicates_earnings_for_lifetime_and_tiers(
    merchant_a, shop_a, owner_a, ana, dup
):
    from loyalty.models.points import TierBasis
    from loyalty.queries import tier_progress

    Program.objects.filter(merchant=merchant_a).update(tier_basis=TierBasis.POINTS)
    merchant_a.refresh_from_db()
    buy(ana, shop_a, "300", days_ago=3)
    buy(dup, shop_a, "250", days_ago=2)
    earned = fresh(ana).lifetime_points + fresh(dup).lifetime_points

    survivor = merge_members(survivor=ana, duplicate=dup, actor=owner_a)

    assert survivor.lifetime_points == earned
    assert fresh(dup).merged_into == survivor
    progress = tier_progress(survivor)
    assert progress["value"] == earned  # Silver (500 points) is within reach of the pair only
    assert list(differences()) == []

    # Merged again later, the first duplicate's earnings follow to the new survivor.
    third = enrol_member(merchant=merchant_a, email="ana.third@example.com")
    final = merge_members(survivor=third, duplicate=survivor, actor=owner_a)
    assert final.lifetime_points == earned
    assert fresh(dup).merged_into == final
    assert list(differences()) == []
