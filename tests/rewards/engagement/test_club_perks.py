"""Metered club perks: what is left today, a use recorded, a perk used up in its period."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from loyalty.clock import local_today
from rewards.engagement import club as engine
from rewards.engagement.club import ClubError
from rewards.models import PerkPeriod, PerkUse
from tests.personas import make_bob
from tests.rewards.engagement.clubs import buy, make_club, make_perk

pytestmark = pytest.mark.django_db


def left(member, now=None) -> dict[str, tuple[int, bool]]:
    return {p.name: (p.left, p.usable) for p in engine.perks_today(member, now)}


def test_a_daily_perk_once_a_day(shop_a, member_a, cashier_a):
    club = make_club(shop_a.merchant)
    coffee = make_perk(club)
    buy(shop_a, member_a)
    assert left(member_a) == {"One free coffee a day": (1, True)}

    use = engine.use_perk(coffee, member_a, shop_a, cashier_a)

    assert (use.n, use.period_start, use.shop, use.actor) == (
        1,
        local_today(shop_a.merchant),
        shop_a,
        cashier_a,
    )
    assert left(member_a) == {"One free coffee a day": (0, False)}
    with pytest.raises(ClubError) as refused:
        engine.use_perk(coffee, member_a, shop_a, cashier_a)
    assert refused.value.code == "perk_used_up"
    assert PerkUse.objects.filter(member=member_a).count() == 1
    tomorrow = timezone.now() + timedelta(days=1)
    assert left(member_a, tomorrow) == {"One free coffee a day": (1, True)}
    assert engine.use_perk(coffee, member_a, shop_a, cashier_a, now=tomorrow).n == 1


def test_a_weekly_perk_with_two_uses(shop_a, member_a, cashier_a):
    club = make_club(shop_a.merchant)
    perk = make_perk(club, name="Two pastries a week", period=PerkPeriod.WEEK, uses=2)
    buy(shop_a, member_a)
    monday = datetime(2026, 12, 7, 12, tzinfo=shop_a.merchant.tzinfo)
    assert engine.use_perk(perk, member_a, shop_a, cashier_a, now=monday).n == 1
    wednesday = monday + timedelta(days=2)
    assert engine.use_perk(perk, member_a, shop_a, cashier_a, now=wednesday).n == 2
    assert left(member_a, wednesday + timedelta(days=1)) == {"Two pastries a week": (0, False)}
    with pytest.raises(ClubError, match="used up"):
        engine.use_perk(perk, member_a, shop_a, cashier_a, now=wednesday)
    next_monday = monday + timedelta(days=7)
    assert left(member_a, next_monday) == {"Two pastries a week": (2, True)}


def test_a_tuesday_perk_only_on_tuesdays(shop_a, member_a, cashier_a):
    club = make_club(shop_a.merchant)
    perk = make_perk(club, name="10 % off every Tuesday", weekday=1)
    buy(shop_a, member_a)
    monday = datetime(2026, 12, 7, 12, tzinfo=shop_a.merchant.tzinfo)
    tuesday = monday + timedelta(days=1)
    assert left(member_a, monday) == {"10 % off every Tuesday": (0, False)}
    with pytest.raises(ClubError) as refused:
        engine.use_perk(perk, member_a, shop_a, cashier_a, now=monday)
    assert refused.value.code == "perk_not_today"
    assert left(member_a, tuesday) == {"10 % off every Tuesday": (1, True)}
    assert engine.use_perk(perk, member_a, shop_a, cashier_a, now=tuesday).n == 1


def test_only_members_use_perks(shop_a, member_a, cashier_a, merchant_b):
    club = make_club(shop_a.merchant)
    perk = make_perk(club)
    bob = make_bob(shop_a.merchant)
    assert engine.perks_today(bob) == []
    assert engine.club_status(bob) is None
    with pytest.raises(ClubError) as refused:
        engine.use_perk(perk, bob, shop_a, cashier_a)
    assert refused.value.code == "not_a_member"
    other = make_bob(merchant_b)
    with pytest.raises(ClubError) as refused:
        engine.use_perk(perk, other, shop_a, cashier_a)
    assert refused.value.code == "not_found"
    assert not PerkUse.objects.exists()


def test_the_club_status_says_until_when(shop_a, member_a):
    club = make_club(shop_a.merchant, term_days=30)
    make_perk(club)
    buy(shop_a, member_a)
    status = engine.club_status(member_a)
    assert status.club == club
    assert status.until == local_today(shop_a.merchant) + timedelta(days=30)
    assert [p.name for p in status.perks] == ["One free coffee a day"]
