"""The member page: the catalogue, what they can afford, redeem after a confirmation, vouchers."""

import pytest
from django.test import Client

from members.services.enrolment import enrol_member
from rewards import services
from rewards.models import Voucher
from tests.rewards.conftest import give, make_reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana_client(ana) -> Client:
    client = Client()
    client.force_login(ana.user)
    return client


def test_the_catalogue_marks_what_she_can_afford_and_what_her_tier_locks(shop_a, ana, ana_client):
    give(shop_a, ana, "320")

    page = ana_client.get("/m/aroma/rewards").content.decode()

    assert "Free coffee" in page and "You can redeem this now" in page
    assert "180 more points needed" in page  # 500 for the 5 off
    assert "Locked: reach Silver" in page  # 15% off, Ana is Bronze
    assert page.count(">Redeem<") == 1


def test_the_card_shows_the_next_reward_or_how_far_it_is(shop_a, ana, ana_client):
    assert (
        "300 points more for <strong>Free coffee</strong>"
        in ana_client.get("/m/aroma/").content.decode()
    )

    give(shop_a, ana, "510")
    card = ana_client.get("/m/aroma/").content.decode()
    assert "You can have <strong>" in card and "off your next purchase" in card


def test_redeeming_asks_first_then_shows_the_voucher_with_its_qr(shop_a, ana, ana_client, coffee):
    give(shop_a, ana, "350")
    url = f"/m/aroma/rewards/{coffee.pk}/redeem"

    confirm = ana_client.get(url).content.decode()
    assert "Redeem Free coffee?" in confirm and "Yes, redeem for 300 points" in confirm
    assert not Voucher.objects.exists()

    token = confirm.split('name="token" value="')[1].split('"')[0]
    answer = ana_client.post(url, {"token": token})
    voucher = Voucher.objects.get(member=ana)
    assert answer.status_code == 302 and answer["Location"] == f"/m/aroma/vouchers/{voucher.pk}"

    page = ana_client.get(answer["Location"]).content.decode()
    assert voucher.display_code in page and 'class="qr-code"' in page
    assert "It works once" in page

    again = ana_client.post(url, {"token": token})  # a double tap, or the form resent
    assert again["Location"] == answer["Location"]
    assert Voucher.objects.filter(member=ana).count() == 1
    ana.refresh_from_db()
    assert ana.points_balance == 50


def test_a_refused_redemption_says_why_and_spends_nothing(shop_a, ana, ana_client, merchant_a):
    reward = make_reward(merchant_a, points_cost=100, stock=1)
    give(shop_a, ana, "250")
    services.redeem_reward(member=ana, reward=reward)

    page = ana_client.post(f"/m/aroma/rewards/{reward.pk}/redeem", {"token": "t"})

    assert page.status_code == 200
    assert "out of stock" in page.content.decode()
    ana.refresh_from_db()
    assert ana.points_balance == 150


def test_my_vouchers_lists_unused_ones_with_codes_and_past_ones_below(
    shop_a, ana, ana_client, coffee, merchant_a
):
    give(shop_a, ana, "700")
    kept = services.redeem_reward(member=ana, reward=coffee)
    used = services.redeem_reward(member=ana, reward=coffee)
    services.use_voucher(code=used.code, shop=shop_a)

    page = ana_client.get("/m/aroma/vouchers").content.decode()
    assert kept.display_code in page and "Valid until" in page
    assert "Used and expired" in page and used.display_code in page

    used_page = ana_client.get(f"/m/aroma/vouchers/{used.pk}").content.decode()
    assert "Used on" in used_page and "Old Town" in used_page and "qr-code" not in used_page


def test_another_members_voucher_and_another_merchants_reward_are_404(
    shop_a, ana, ana_client, coffee, merchant_a, merchant_b
):
    other = give(shop_a, enrol_member(merchant=merchant_a, email="o@example.com"), "300")
    theirs = services.redeem_reward(member=other, reward=coffee)
    foreign = merchant_b.rewards.first()

    assert ana_client.get(f"/m/aroma/vouchers/{theirs.pk}").status_code == 404
    assert ana_client.get(f"/m/aroma/rewards/{foreign.pk}/redeem").status_code == 404
    assert ana_client.post(f"/m/aroma/rewards/{foreign.pk}/redeem").status_code == 404


def test_the_pages_need_a_signed_in_member(coffee):
    for url in ("/m/aroma/rewards", f"/m/aroma/rewards/{coffee.pk}/redeem", "/m/aroma/vouchers"):
        answer = Client().get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/m/aroma/login")
