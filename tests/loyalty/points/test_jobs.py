"""The scheduled jobs: release, expiry, tier re-evaluation, birthdays. Each is safe to run twice."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from loyalty.models import EntryKind, PointsEntry, PointsLot
from loyalty.points.jobs import (
    award_birthday_bonuses,
    expire_points,
    reevaluate_tiers,
    release_pending_points,
)
from loyalty.points.ledger import InsufficientPoints, add_months, redeem_points
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import assert_reconciled, configure, events_of, fresh, ring

# --- Pending points ------------------------------------------------------------------------------


def test_points_stay_pending_for_the_returns_window(merchant_a, shop_a, member_a):
    configure(merchant_a, pending_days=3)

    result = ring(shop_a, member_a, "40")

    assert (result.points_balance, result.pending_points) == (0, 40)
    assert release_pending_points(now=timezone.now() + timedelta(days=2)) == 0
    member = fresh(member_a)
    assert (member.points_balance, member.pending_points) == (0, 40)


def test_pending_points_are_released_after_the_window_once(merchant_a, shop_a, member_a):
    configure(merchant_a, pending_days=3)
    ring(shop_a, member_a, "40")
    later = timezone.now() + timedelta(days=3, minutes=1)

    assert release_pending_points(now=later) == 1
    assert release_pending_points(now=later) == 0

    member = fresh(member_a)
    assert (member.points_balance, member.pending_points) == (40, 0)
    assert PointsLot.objects.get(member=member_a).released
    assert_reconciled(merchant_a)


def test_pending_points_cannot_be_spent(merchant_a, shop_a, member_a):
    configure(merchant_a, pending_days=3)
    ring(shop_a, member_a, "40")

    with pytest.raises(InsufficientPoints):
        redeem_points(member=member_a, points=1)

    with time_machine.travel(timezone.now() + timedelta(days=4), tick=False):
        release_pending_points()
        redeem_points(member=member_a, points=40)
    assert fresh(member_a).points_balance == 0


def test_an_old_receipt_is_available_at_once(merchant_a, shop_a, member_a):
    configure(merchant_a, pending_days=3)

    result = ring(shop_a, member_a, "40", occurred_at=timezone.now() - timedelta(days=5))

    assert (result.points_balance, result.pending_points) == (40, 0)


# --- Expiry after earning -------------------------------------------------------------------------


def test_leftover_points_expire_a_year_after_they_were_earned(merchant_a, shop_a, member_a):
    configure(merchant_a, expiry_mode="after_earning", expiry_months=12)
    now = timezone.now()
    old = ring(shop_a, member_a, "100", occurred_at=add_months(now, -13)).purchase
    ring(shop_a, member_a, "30", occurred_at=now - timedelta(days=10))
    redeem_points(member=member_a, points=40)  # oldest first: 60 of the old lot left

    assert expire_points(now=now) == 60
    assert expire_points(now=now) == 0

    expired = PointsEntry.objects.get(member=member_a, kind=EntryKind.EXPIRE)
    assert expired.points == -60
    assert expired.reference == f"expire:lot:{PointsLot.objects.get(entry__purchase=old).pk}"
    assert fresh(member_a).points_balance == 30
    assert_reconciled(merchant_a)


def test_points_expiring_soon_are_announced_once(merchant_a, shop_a, member_a):
    configure(merchant_a, expiry_mode="after_earning", expiry_months=12, expiry_notice_days=14)
    now = timezone.now()
    ring(shop_a, member_a, "100", occurred_at=add_months(now, -12) + timedelta(days=10))
    ring(shop_a, member_a, "30", occurred_at=add_months(now, -12) + timedelta(days=20))

    assert expire_points(now=now) == 0
    expire_points(now=now)

    assert events_of(merchant_a, "points.expiring") == [{"member": member_a.pk, "points": 100}]
    assert fresh(member_a).points_balance == 130
    later = now + timedelta(days=7)
    expire_points(now=later)
    assert events_of(merchant_a, "points.expiring")[1:] == [{"member": member_a.pk, "points": 30}]


def test_points_never_expire_by_default(merchant_a, shop_a, member_a):
    now = timezone.now()
    ring(shop_a, member_a, "100", occurred_at=add_months(now, -30))

    assert expire_points(now=now) == 0
    assert fresh(member_a).points_balance == 100
    assert events_of(merchant_a, "points.expiring") == []


# --- Expiry after inactivity ---------------------------------------------------------------------


def test_inactive_members_lose_every_lot(merchant_a, shop_a, member_a):
    configure(merchant_a, expiry_mode="inactivity", expiry_months=6)
    active = enrol_member(merchant=merchant_a, email="eve@example.com")
    now = timezone.now()
    ring(shop_a, member_a, "100", occurred_at=add_months(now, -9))
    ring(shop_a, member_a, "50", occurred_at=add_months(now, -7))
    ring(shop_a, active, "100", occurred_at=add_months(now, -9))
    ring(shop_a, active, "10", occurred_at=add_months(now, -1))

    assert expire_points(now=now) == 150
    assert expire_points(now=now) == 0

    assert fresh(member_a).points_balance == 0
    assert fresh(active).points_balance == 110
    assert PointsEntry.objects.filter(member=member_a, kind=EntryKind.EXPIRE).count() == 2
    assert_reconciled(merchant_a)


def test_inactive_members_are_warned_before_they_lose_their_points(merchant_a, shop_a, member_a):
    configure(merchant_a, expiry_mode="inactivity", expiry_months=6, expiry_notice_days=14)
    now = timezone.now()
    ring(shop_a, member_a, "100", occurred_at=add_months(now, -6) + timedelta(days=10))

    assert expire_points(now=now) == 0
    expire_points(now=now + timedelta(days=1))

    assert events_of(merchant_a, "points.expiring") == [{"member": member_a.pk, "points": 100}]
    assert fresh(member_a).points_balance == 100


def test_members_who_never_bought_lose_their_points_after_the_months_since_joining(merchant_a):
    configure(merchant_a, expiry_mode="inactivity", expiry_months=6, welcome_bonus=50)
    now = timezone.now()
    idle = enrol_member(merchant=merchant_a, email="idle@example.com", now=add_months(now, -7))
    recent = enrol_member(merchant=merchant_a, email="new@example.com", now=add_months(now, -5))

    assert expire_points(now=now) == 50
    assert expire_points(now=now) == 0

    assert fresh(idle).points_balance == 0
    assert fresh(recent).points_balance == 50
    assert_reconciled(merchant_a)


def test_members_who_never_bought_are_warned_before_they_lose_their_points(merchant_a):
    configure(
        merchant_a,
        expiry_mode="inactivity",
        expiry_months=6,
        expiry_notice_days=14,
        welcome_bonus=50,
    )
    now = timezone.now()
    joined = add_months(now, -6) + timedelta(days=10)
    idle = enrol_member(merchant=merchant_a, email="idle@example.com", now=joined)

    assert expire_points(now=now) == 0

    assert events_of(merchant_a, "points.expiring") == [{"member": idle.pk, "points": 50}]
    assert fresh(idle).points_balance == 50


# --- Tiers ---------------------------------------------------------------------------------------


def test_a_member_is_downgraded_only_after_the_grace_period(merchant_a, shop_a, member_a):
    configure(merchant_a, tier_window_months=12, tier_grace_days=30)
    now = timezone.now()
    ring(shop_a, member_a, "600", occurred_at=add_months(now, -11))
    assert fresh(member_a).tier.name == "Silver"
    below = add_months(now, 2)  # the sale has left the 12-month window

    assert reevaluate_tiers(now=now) == 0
    assert reevaluate_tiers(now=below) == 0
    assert fresh(member_a).tier_below_since == below
    assert reevaluate_tiers(now=below + timedelta(days=29)) == 0
    assert fresh(member_a).tier.name == "Silver"

    after_grace = below + timedelta(days=30)
    assert reevaluate_tiers(now=after_grace) == 1
    assert reevaluate_tiers(now=after_grace) == 0

    member = fresh(member_a)
    assert member.tier.name == "Bronze" and member.tier_below_since is None
    assert events_of(merchant_a, "tier.changed")[-1] == {
        "member": member_a.pk,
        "from": "Silver",
        "to": "Bronze",
        "direction": "down",
    }
    assert len(events_of(merchant_a, "tier.changed")) == 2  # up on the sale, down once


def test_a_member_who_qualifies_again_keeps_the_tier(merchant_a, shop_a, member_a):
    now = timezone.now()
    ring(shop_a, member_a, "600", occurred_at=add_months(now, -11))
    below = add_months(now, 2)
    reevaluate_tiers(now=below)
    assert fresh(member_a).tier_below_since == below

    with time_machine.travel(below + timedelta(days=1), tick=False):
        ring(shop_a, member_a, "550")
        assert reevaluate_tiers() == 0
    with time_machine.travel(below + timedelta(days=40), tick=False):
        assert reevaluate_tiers() == 0

    member = fresh(member_a)
    assert member.tier.name == "Silver" and member.tier_below_since is None


def test_a_lowered_threshold_upgrades_at_the_nightly_run(merchant_a, shop_a, member_a):
    ring(shop_a, member_a, "300")
    merchant_a.tiers.filter(name="Silver").update(threshold=250)

    assert reevaluate_tiers() == 1

    assert fresh(member_a).tier.name == "Silver"
    assert events_of(merchant_a, "tier.changed")[-1]["direction"] == "up"


# --- Birthdays -----------------------------------------------------------------------------------


def test_the_birthday_bonus_comes_once_in_the_birthday_month(merchant_a):
    configure(merchant_a, birthday_bonus=100, birthday_mode="month")
    born = enrol_member(merchant=merchant_a, email="may@example.com", birthday=date(1990, 5, 20))
    enrol_member(merchant=merchant_a, email="june@example.com", birthday=date(1990, 6, 2))

    assert award_birthday_bonuses(today=date(2026, 5, 3)) == 1
    assert award_birthday_bonuses(today=date(2026, 5, 20)) == 0

    entry = PointsEntry.objects.get(member=born, kind=EntryKind.BONUS)
    assert entry.points == 100 and entry.reference == "birthday:2026"
    assert fresh(born).points_balance == 100
    assert award_birthday_bonuses(today=date(2027, 5, 1)) == 1
    assert fresh(born).points_balance == 200
    assert_reconciled(merchant_a)


def test_the_birthday_bonus_comes_only_on_the_day(merchant_a):
    configure(merchant_a, birthday_bonus=100, birthday_mode="day")
    born = enrol_member(merchant=merchant_a, email="may@example.com", birthday=date(1990, 5, 20))

    assert award_birthday_bonuses(today=date(2026, 5, 19)) == 0
    assert award_birthday_bonuses(today=date(2026, 5, 20)) == 1
    assert award_birthday_bonuses(today=date(2026, 5, 20)) == 0
    assert award_birthday_bonuses(today=date(2026, 5, 21)) == 0

    assert fresh(born).points_balance == 100


def test_no_birthday_bonus_when_the_program_gives_none(merchant_a):
    enrol_member(merchant=merchant_a, email="may@example.com", birthday=date(1990, 5, 20))

    assert award_birthday_bonuses(today=date(2026, 5, 20)) == 0


def test_a_29_february_birthday_is_celebrated_on_28_february_in_other_years(merchant_a):
    configure(merchant_a, birthday_bonus=100, birthday_mode="day")
    leapling = enrol_member(
        merchant=merchant_a, email="leap@example.com", birthday=date(2000, 2, 29)
    )
    born_28 = enrol_member(merchant=merchant_a, email="feb@example.com", birthday=date(2000, 2, 28))

    assert award_birthday_bonuses(today=date(2027, 2, 27)) == 0
    assert award_birthday_bonuses(today=date(2027, 2, 28)) == 2
    assert award_birthday_bonuses(today=date(2027, 3, 1)) == 0
    # In a leap year, on the day itself.
    assert award_birthday_bonuses(today=date(2028, 2, 28)) == 1
    assert award_birthday_bonuses(today=date(2028, 2, 29)) == 1

    assert fresh(leapling).points_balance == fresh(born_28).points_balance == 200
    assert_reconciled(merchant_a)
