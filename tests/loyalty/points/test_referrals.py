"""Referral bonuses: a referred friend's first purchase pays both, once, with fraud checks."""

from decimal import Decimal

import pytest

from loyalty.models import EntryKind, PointsEntry
from loyalty.points.ledger import redeem_points
from loyalty.points.refunds import refund_purchase, reverse_purchase
from members.services.enrolment import enrol_member
from tests.factories import UserFactory
from tests.loyalty.points.helpers import assert_reconciled, configure, events_of, fresh, ring

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral_program(merchant_a):
    return configure(
        merchant_a, referral_bonus=50, referral_min_purchase=Decimal("10"), referral_monthly_cap=5
    )


def friend_of(merchant, referrer, email: str, **fields):
    return enrol_member(
        merchant=merchant, email=email, referral_code=referrer.referral_code, **fields
    )


def referral_points(member) -> int:
    return sum(
        PointsEntry.objects.filter(member=member, reference__contains="referral:").values_list(
            "points", flat=True
        )
    )


def test_both_get_the_bonus_once(merchant_a, shop_a, member_a, referral_program):
    friend = friend_of(merchant_a, member_a, "carla@example.com")
    sale = ring(shop_a, friend, "25.00")
    ring(shop_a, friend, "30.00")  # a second purchase pays nothing more

    assert referral_points(friend) == 50
    assert referral_points(member_a) == 50
    friend_entry = PointsEntry.objects.get(member=friend, reference=f"referral:friend:{friend.pk}")
    referrer_entry = PointsEntry.objects.get(
        member=member_a, reference=f"referral:referrer:{friend.pk}"
    )
    assert friend_entry.kind == referrer_entry.kind == EntryKind.BONUS
    assert friend_entry.purchase_id == referrer_entry.purchase_id == sale.purchase.pk
    assert fresh(friend).points_balance == 25 + 30 + 50
    assert fresh(member_a).points_balance == 50
    assert sale.points_balance == 25 + 50
    assert events_of(merchant_a, "referral.rewarded") == [
        {"friend": friend.pk, "referrer": member_a.pk, "purchase": sale.purchase.pk, "points": 50}
    ]
    assert_reconciled(merchant_a)


def test_the_same_receipt_twice_pays_once(merchant_a, shop_a, member_a, referral_program):
    friend = friend_of(merchant_a, member_a, "carla@example.com")
    ring(shop_a, friend, "25.00", external_id="SAME")
    again = ring(shop_a, friend, "25.00", external_id="SAME")
    assert not again.created
    assert referral_points(member_a) == 50
    assert_reconciled(merchant_a)


def test_a_first_purchase_below_the_minimum_pays_no_bonus(
    merchant_a, shop_a, member_a, referral_program
):
    friend = friend_of(merchant_a, member_a, "carla@example.com")
    ring(shop_a, friend, "9.99")
    ring(shop_a, friend, "50.00")  # not the first purchase any more
    assert referral_points(friend) == referral_points(member_a) == 0
    assert_reconciled(merchant_a)


def test_no_bonus_when_the_program_gives_none(merchant_a, shop_a, member_a):
    friend = friend_of(merchant_a, member_a, "carla@example.com")
    ring(shop_a, friend, "50.00")
    assert referral_points(friend) == referral_points(member_a) == 0


def test_a_self_referral_by_email_alias_pays_nothing(
    merchant_a, shop_a, member_a, referral_program
):
    friend = friend_of(merchant_a, member_a, "Ana+again@example.com")
    ring(shop_a, friend, "50.00")
    assert referral_points(friend) == referral_points(member_a) == 0
    assert events_of(merchant_a, "referral.refused")[0]["reason"] == "self_referral"
    assert_reconciled(merchant_a)


def test_a_self_referral_by_phone_or_account_pays_nothing(merchant_a, shop_a, referral_program):
    # Two members never share a phone (a unique constraint): the same sign-in account is
    # the way one person holds two cards; the phone check is tested on the rule itself.
    from loyalty.points.referrals import same_person
    from members.models import Member

    referrer = enrol_member(merchant=merchant_a, phone="+34600111222", first_name="Ana")
    friend = friend_of(merchant_a, referrer, "other@example.com")
    user = UserFactory(email="shared@example.com")
    Member.objects.filter(pk__in=[referrer.pk, friend.pk]).update(user=user)
    ring(shop_a, fresh(friend), "50.00")
    assert referral_points(friend) == referral_points(referrer) == 0
    assert same_person(Member(phone="+34600111222", pk=1), Member(phone="+34600111222", pk=2))
    assert not same_person(Member(phone="+34600111222", pk=1), Member(phone="+34600999", pk=2))
    assert_reconciled(merchant_a)


def test_an_inactive_referrer_gets_nothing(merchant_a, shop_a, member_a, referral_program):
    from members.models import Member

    friend = friend_of(merchant_a, member_a, "carla@example.com")
    Member.objects.filter(pk=member_a.pk).update(status="blocked")
    ring(shop_a, friend, "50.00")
    assert referral_points(friend) == referral_points(member_a) == 0


def test_the_monthly_cap_limits_the_referrer(merchant_a, shop_a, member_a, referral_program):
    configure(merchant_a, referral_monthly_cap=2)
    friends = [friend_of(merchant_a, member_a, f"friend{i}@example.com") for i in range(3)]
    for friend in friends:
        ring(shop_a, friend, "20.00")
    assert referral_points(member_a) == 100
    assert [referral_points(f) for f in friends] == [50, 50, 0]
    assert events_of(merchant_a, "referral.refused")[0]["reason"] == "monthly_cap"
    assert_reconciled(merchant_a)


def test_a_full_refund_takes_both_bonuses_back_once(merchant_a, shop_a, member_a, referral_program):
    friend = friend_of(merchant_a, member_a, "carla@example.com")
    sale = ring(shop_a, friend, "25.00")
    refund_purchase(purchase=sale.purchase, external_id="F1", amount=Decimal("10.00"))
    assert referral_points(member_a) == 50  # a partial refund keeps the bonus
    refund_purchase(purchase=sale.purchase, external_id="F2", amount=Decimal("15.00"))

    assert referral_points(friend) == referral_points(member_a) == 0
    reversals = PointsEntry.objects.filter(kind=EntryKind.REVERSAL, purchase=sale.purchase)
    assert sorted(reversals.values_list("points", flat=True)) == [-50, -50]
    assert fresh(member_a).points_balance == 0
    assert fresh(friend).points_balance == 0
    assert_reconciled(merchant_a)


def test_a_refund_after_the_referrer_spent_the_bonus_goes_negative(
    merchant_a, shop_a, member_a, referral_program
):
    friend = friend_of(merchant_a, member_a, "carla@example.com")
    sale = ring(shop_a, friend, "25.00")
    redeem_points(member=fresh(member_a), points=40)
    refund_purchase(purchase=sale.purchase, external_id="F1", amount=Decimal("25.00"))
    assert fresh(member_a).points_balance == -40
    assert_reconciled(merchant_a)


def test_a_reversal_takes_both_bonuses_back_once(
    merchant_a, shop_a, member_a, manager_a, referral_program
):
    friend = friend_of(merchant_a, member_a, "carla@example.com")
    sale = ring(shop_a, friend, "25.00")
    refund_purchase(purchase=sale.purchase, external_id="F1", amount=Decimal("25.00"))
    reverse_purchase(purchase=sale.purchase, actor=manager_a, reason="till mistake")

    assert referral_points(friend) == referral_points(member_a) == 0
    assert fresh(member_a).points_balance == 0
    assert fresh(friend).points_balance == 0
    assert_reconciled(merchant_a)


def test_a_reversal_alone_takes_both_bonuses_back(
    merchant_a, shop_a, member_a, manager_a, referral_program
):
    friend = friend_of(merchant_a, member_a, "carla@example.com")
    sale = ring(shop_a, friend, "25.00")
    reverse_purchase(purchase=sale.purchase, actor=manager_a, reason="till mistake")
    assert referral_points(friend) == referral_points(member_a) == 0
    assert fresh(friend).points_balance == fresh(member_a).points_balance == 0
    assert_reconciled(merchant_a)


def test_the_referrer_page_shows_each_referrals_state(
    merchant_a, shop_a, member_a, referral_program, owner_client
):
    from members.queries import referrals_with_state

    waiting = friend_of(merchant_a, member_a, "wait@example.com")
    paid = friend_of(merchant_a, member_a, "paid@example.com")
    ring(shop_a, paid, "25.00")
    refunded = friend_of(merchant_a, member_a, "back@example.com")
    sale = ring(shop_a, refunded, "25.00")
    refund_purchase(purchase=sale.purchase, external_id="RF-1", amount=Decimal("25.00"))
    refused = enrol_member(
        merchant=merchant_a,
        email=member_a.email.replace("@", "+again@"),
        referral_code=member_a.referral_code,
    )
    ring(shop_a, refused, "25.00")

    states = {f.pk: f.referral_state for f in referrals_with_state(member_a)}
    assert states == {
        waiting.pk: "pending",
        paid.pk: "rewarded",
        refunded.pk: "taken_back",
        refused.pk: "refused",
    }
    page = owner_client.get(f"/portal/members/{member_a.pk}/").content.decode()
    for label in (
        "Waiting for a first purchase",
        "Paid to both",
        "Taken back after a refund",
        "Refused by a fraud check",
    ):
        assert label in page
