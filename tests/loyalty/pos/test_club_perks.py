"""A club perk used at the till: the club section, "Use", once per token, used up, 404s."""

from datetime import timedelta

from django.template.loader import render_to_string

from loyalty.clock import local_today
from loyalty.pos.club_panel import club_context
from loyalty.pos.services import new_form_token
from rewards.models import PerkUse
from tests.loyalty.pos.conftest import HX, find
from tests.personas import make_bob
from tests.rewards.engagement.clubs import buy, make_club, make_perk


def use(client, member, perk, token=None, **headers):
    return client.post(
        f"/pos/members/{member.pk}/perks/use/",
        {"token": token or new_form_token(), "perk": perk.pk},
        **(HX | headers),
    )


def club_with_coffee(shop, member):
    club = make_club(shop.merchant, name="Café Gold Club")
    perk = make_perk(club, name="One free flat white every single day")
    buy(shop, member)
    return club, perk


def test_the_club_section_says_until_when_and_what_is_left(shop_a, ana):
    _club, _perk = club_with_coffee(shop_a, ana)
    until = local_today(shop_a.merchant) + timedelta(days=365)

    html = render_to_string("pos/_club.html", {"member": ana, **club_context(ana)})

    # The merchant's locale (Aroma is in RO): 03.12.2027, not “Dec. 3, 2027”.
    assert f"Café Gold Club member until {until:%d.%m.%Y}" in html
    assert "One free flat white every single day" in html and "1 left today" in html
    assert 'aria-label="Use One free flat white every single day"' in html


def test_using_a_perk_once_then_it_is_used_up(cashier_client, shop_a, ana):
    _club, perk = club_with_coffee(shop_a, ana)
    find(cashier_client, ana)
    token = new_form_token()

    answer = use(cashier_client, ana, perk, token)

    assert answer.status_code == 200, answer.content[:500]
    html = answer.content.decode()
    assert "One free flat white every single day: used." in html and "0 left today" in html
    use_row = PerkUse.objects.get()
    assert (use_row.member, use_row.shop, use_row.n) == (ana, shop_a, 1)

    again = use(cashier_client, ana, perk, token)  # a double tap: the first use, answered again
    assert again.status_code == 200 and "sent twice; used once" in again.content.decode()
    assert PerkUse.objects.count() == 1

    refused = use(cashier_client, ana, perk)  # a new form: none left today
    assert refused.status_code == 409
    assert "This perk is used up for now." in refused.content.decode()
    assert PerkUse.objects.count() == 1


def test_without_htmx_the_whole_member_panel(cashier_client, shop_a, ana):
    _club, perk = club_with_coffee(shop_a, ana)
    find(cashier_client, ana)
    answer = cashier_client.post(
        f"/pos/members/{ana.pk}/perks/use/", {"token": new_form_token(), "perk": perk.pk}
    )
    assert answer.status_code == 200
    assert f'data-member="{ana.pk}"' in answer.content.decode()
    assert PerkUse.objects.count() == 1


def test_a_member_not_found_in_this_session_is_a_404(cashier_client, shop_a, ana):
    _club, perk = club_with_coffee(shop_a, ana)
    assert use(cashier_client, ana, perk).status_code == 404
    assert not PerkUse.objects.exists()


def test_another_merchants_perk_or_member_is_a_404(cashier_client, shop_a, ana, merchant_b):
    club_with_coffee(shop_a, ana)
    theirs = make_perk(make_club(merchant_b), name="Their perk")
    find(cashier_client, ana)
    assert use(cashier_client, ana, theirs).status_code == 404
    bob = make_bob(merchant_b)
    assert use(cashier_client, bob, theirs).status_code == 404
    assert not PerkUse.objects.exists()


def test_a_non_member_is_refused(cashier_client, shop_a, ana):
    _club, perk = club_with_coffee(shop_a, ana)
    bob = make_bob(shop_a.merchant, email="bob.nonmember@example.com")
    find(cashier_client, bob)
    answer = use(cashier_client, bob, perk)
    assert answer.status_code == 409
    assert "This member is not in the club." in answer.content.decode()
    assert not PerkUse.objects.filter(member=bob).exists()
