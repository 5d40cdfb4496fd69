"""The member panel shows the member's club, until when, and each perk with what is left."""

from tests.loyalty.pos.conftest import HX, find
from tests.rewards.engagement.clubs import buy, make_club, make_perk


def test_the_panel_shows_the_club_and_its_perks(cashier_client, shop_a, ana):
    club = make_club(shop_a.merchant, name="Café Gold Club")
    make_perk(club, name="One free flat white every single day")
    buy(shop_a, ana)
    find(cashier_client, ana)

    html = cashier_client.get(f"/pos/members/{ana.pk}/", **HX).content.decode()

    assert "Café Gold Club member until" in html
    assert "One free flat white every single day" in html
    assert "/perks/use/" in html


def test_a_member_outside_the_club_sees_no_club(cashier_client, shop_a, ana):
    make_club(shop_a.merchant, name="Café Gold Club")

    html = find(cashier_client, ana).content.decode()

    assert "Café Gold Club member until" not in html
