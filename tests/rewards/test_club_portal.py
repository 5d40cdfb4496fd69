"""The portal's club pages: create and edit a club, its perks, its members; validation; another
merchant's club or perk is a 404; a cashier may not open them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.models import AuditEvent
from rewards.engagement import club as engine
from rewards.models import Club, ClubPerk, PerkUse
from tests.personas import make_bob
from tests.rewards.engagement.clubs import buy, make_club, make_perk

pytestmark = pytest.mark.django_db

LIST = reverse("portal:clubs")
NEW = reverse("portal:club_new")


def edit(club) -> str:
    return reverse("portal:club_edit", kwargs={"club_id": club.pk})


def form(**fields) -> dict:
    data = {
        "name": "Golden Bean Club",
        "sku": " CLUB-Year ",
        "price": "49.00",
        "term_days": "365",
        "multiplier": "1.5",
        "notice_days": "14",
        "active": "on",
    }
    return data | fields


def test_the_empty_list_says_what_to_do(manager_client):
    page = manager_client.get(LIST).content.decode()
    assert "Sell a paid membership" in page and NEW in page
    assert 'aria-current="page">Club</a>' in page


def test_a_manager_creates_and_edits_a_club(manager_client, merchant_a):
    answer = manager_client.post(NEW, form())

    club = Club.objects.get(merchant=merchant_a)
    assert answer.status_code == 302 and answer["Location"] == edit(club)
    assert (club.sku, club.price, club.multiplier) == (
        "club-year",
        Decimal("49.00"),
        Decimal("1.5"),
    )
    assert AuditEvent.objects.filter(action="rewards.club.saved", target_id=str(club.pk)).exists()

    manager_client.post(edit(club), form(name="Platinum Bean Club", multiplier="2"))
    club.refresh_from_db()
    assert club.name == "Platinum Bean Club" and club.multiplier == Decimal("2")
    assert "Platinum Bean Club" in manager_client.get(LIST).content.decode()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"multiplier": "0.5"}, "Ensure this value is greater than or equal to 1."),
        ({"term_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"price": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"sku": "  "}, "This field is required."),
    ],
)
def test_wrong_fields_save_nothing(manager_client, fields, error):
    answer = manager_client.post(NEW, form(**fields))
    page = answer.content.decode()
    assert answer.status_code == 200 and error in page
    assert "Some fields need another look. Nothing was saved." in page
    assert not Club.objects.exists()


def test_two_active_clubs_cannot_share_a_product(manager_client, merchant_a):
    make_club(merchant_a)
    answer = manager_client.post(NEW, form(name="Second club"))
    assert "Another active club is sold as this product." in answer.content.decode()
    assert Club.objects.count() == 1


def test_perks_are_added_edited_and_removed(manager_client, merchant_a, shop_a, member_a):
    club = make_club(merchant_a)
    new = reverse("portal:club_perk_new", kwargs={"club_id": club.pk})
    answer = manager_client.post(
        new, {"name": "Ten percent off on every Tuesday", "period": "day", "uses": "1",
              "weekday": "1", "description": ""},
    )  # fmt: skip
    assert answer.status_code == 302
    perk = ClubPerk.objects.get(club=club)
    assert perk.weekday == 1
    assert "Ten percent off on every Tuesday" in manager_client.get(edit(club)).content.decode()

    used = make_perk(club, name="Coffee perk already used once")
    buy(shop_a, member_a)
    engine.use_perk(used, member_a, shop_a, None)
    for gone in (perk, used):
        url = reverse("portal:club_perk_remove", kwargs={"club_id": club.pk, "perk_id": gone.pk})
        assert "Members can no longer use it" in manager_client.get(url).content.decode()
        assert manager_client.post(url).status_code == 302
    assert not ClubPerk.objects.filter(pk=perk.pk).exists()  # never used: deleted
    used.refresh_from_db()
    assert not used.active and PerkUse.objects.filter(perk=used).count() == 1  # used: ended
    assert engine.perks_today(member_a) == []


def test_the_members_list_active_ending_and_lapsed(manager_client, merchant_a, shop_a, member_a):
    club = make_club(merchant_a, notice_days=14)
    buy(shop_a, member_a)
    ending = make_bob(merchant_a)
    buy(shop_a, ending, occurred_at=timezone.now() - timedelta(days=360))
    gone = make_bob(merchant_a, email="bob.lapsed.member@example.com", phone="")
    buy(shop_a, gone, occurred_at=timezone.now() - timedelta(days=400))
    url = reverse("portal:club_members", kwargs={"club_id": club.pk})

    active = manager_client.get(url, {"show": "active"}).content.decode()
    soon = manager_client.get(url, {"show": "ending"}).content.decode()
    lapsed = manager_client.get(url, {"show": "lapsed"}).content.decode()

    assert member_a.card_number in active and ending.card_number in active
    assert gone.card_number not in active
    assert ending.card_number in soon and member_a.card_number not in soon
    assert gone.card_number in lapsed and member_a.card_number not in lapsed


def test_another_merchants_club_and_perk_are_404(manager_client, merchant_b, merchant_a):
    theirs = make_club(merchant_b)
    their_perk = make_perk(theirs)
    mine = make_club(merchant_a)
    assert manager_client.get(edit(theirs)).status_code == 404
    assert manager_client.post(edit(theirs), form(name="Stolen")).status_code == 404
    url = reverse("portal:club_perk_edit", kwargs={"club_id": mine.pk, "perk_id": their_perk.pk})
    assert manager_client.get(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Club"


def test_a_cashier_may_not_open_the_club_pages(cashier_client, merchant_a):
    club = make_club(merchant_a)
    assert cashier_client.get(LIST).status_code in (302, 403)
    assert cashier_client.post(edit(club), form(name="Cashier club")).status_code in (302, 403)
    club.refresh_from_db()
    assert club.name == "Club"
