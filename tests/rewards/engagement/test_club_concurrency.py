"""Under real concurrency (threads on PostgreSQL connections) a daily perk is used once a day
across tills, and two sales of the club at once are two chained terms."""

from datetime import timedelta

import pytest

from loyalty.clock import local_today
from rewards.engagement import club as engine
from rewards.engagement.club import ClubError
from rewards.models import ClubMembership, PerkUse
from tests.loyalty.points.test_concurrency import run_together
from tests.rewards.engagement.clubs import buy, make_club, make_perk

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_tills_at_once_use_a_daily_perk_once(shop_a, shop_a2, member_a, cashier_a):
    club = make_club(shop_a.merchant)
    perk = make_perk(club)
    buy(shop_a, member_a)

    results = run_together(
        [
            lambda shop=shop: engine.use_perk(perk, member_a, shop, cashier_a)
            for shop in (shop_a, shop_a2, shop_a, shop_a2)
        ]
    )

    used = [r for r in results if isinstance(r, PerkUse)]
    refused = [r for r in results if isinstance(r, ClubError)]
    assert len(used) == 1, results
    assert len(refused) == 3 and {r.code for r in refused} == {"perk_used_up"}
    assert PerkUse.objects.filter(perk=perk, member=member_a).count() == 1


def test_a_perk_of_three_uses_from_six_tills_is_used_three_times(shop_a, member_a, cashier_a):
    club = make_club(shop_a.merchant)
    perk = make_perk(club, uses=3)
    buy(shop_a, member_a)

    results = run_together([lambda: engine.use_perk(perk, member_a, shop_a, cashier_a)] * 6)

    assert sorted(r.n for r in results if isinstance(r, PerkUse)) == [1, 2, 3], results
    assert PerkUse.objects.filter(perk=perk, member=member_a).count() == 3


def test_two_sales_of_the_club_at_once_are_two_chained_terms(shop_a, member_a):
    make_club(shop_a.merchant)
    today = local_today(shop_a.merchant)

    results = run_together([lambda n=n: buy(shop_a, member_a, external_id=f"J{n}") for n in (1, 2)])

    assert not [r for r in results if isinstance(r, Exception)], results
    year = timedelta(days=365)
    rows = ClubMembership.objects.filter(member=member_a).order_by("starts_on")
    assert [(t.starts_on, t.ends_on) for t in rows] == [
        (today, today + year),
        (today + year, today + 2 * year),
    ]
