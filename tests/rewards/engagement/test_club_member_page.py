"""The member page's card shows the member's club: until when, and the perks left today."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import formats

from loyalty.clock import local_today
from rewards.engagement import club as engine
from tests.rewards.engagement.clubs import buy, make_club, make_perk

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana_client(ana) -> Client:
    client = Client()
    client.force_login(ana.user)
    return client


def test_the_card_shows_the_club_and_the_perks_left(shop_a, ana, ana_client, cashier_a):
    club = make_club(shop_a.merchant, name="Aroma Inner Circle")
    perk = make_perk(club, name="One free cortado each and every day")
    assert "Aroma Inner Circle member until" not in ana_client.get("/m/aroma/").content.decode()

    buy(shop_a, ana)
    page = ana_client.get("/m/aroma/").content.decode()

    until = formats.date_format(local_today(shop_a.merchant) + timedelta(days=365), "j M Y")
    assert f"Aroma Inner Circle member until {until}" in page
    assert "One free cortado each and every day" in page and "1 left today" in page
    assert "the points on every purchase" in page

    engine.use_perk(perk, ana, shop_a, cashier_a)
    assert "0 left today" in ana_client.get("/m/aroma/").content.decode()
