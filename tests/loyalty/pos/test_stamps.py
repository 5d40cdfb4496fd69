"""Stamp cards at the till: the panel shows each card, "+1 stamp" adds one, once per token."""

import pytest

from loyalty.models.pos import FlagKind, StaffFlag
from loyalty.pos.services import new_form_token
from rewards.models import MemberCard, RewardKind, Stamp, StampCard, StampEarnOn, StampKind, Voucher
from tests.loyalty.pos.conftest import HX, find, sell


def coffee_card(merchant, **fields) -> StampCard:
    defaults = {
        "name": "Kaffeekarte Morgenrot",
        "earn_on": StampEarnOn.PURCHASE,
        "stamps_needed": 4,
        "item_word": "coffees",
        "reward": merchant.rewards.get(kind=RewardKind.FREE_ITEM),
    }
    return StampCard.objects.create(merchant=merchant, **(defaults | fields))


def stamp(client, member, card, token=None):
    return client.post(
        f"/pos/members/{member.pk}/stamp/",
        {"token": token or new_form_token(), "card": card.pk},
        **HX,
    )


def test_the_member_panel_shows_each_card_and_what_is_left(cashier_client, ana, merchant_a):
    card = coffee_card(merchant_a)

    html = find(cashier_client, ana).content.decode()

    assert "Kaffeekarte Morgenrot" in html
    assert 'role="img" aria-label="0 of 4 stamps"' in html
    assert "4 more coffees for free coffee" in html
    assert f'name="card" value="{card.pk}"' in html


def test_a_sale_at_the_till_stamps_the_card(cashier_client, ana, merchant_a):
    coffee_card(merchant_a)

    html = sell(cashier_client, ana, "4.50").content.decode()
    html = cashier_client.get(f"/pos/members/{ana.pk}/", **HX).content.decode()

    assert 'aria-label="1 of 4 stamps"' in html
    assert "3 more coffees for free coffee" in html


def test_plus_one_adds_a_stamp_once_per_token(cashier_client, cashier_a, ana, merchant_a):
    card = coffee_card(merchant_a)
    find(cashier_client, ana)
    token = new_form_token()

    first = stamp(cashier_client, ana, card, token)
    again = stamp(cashier_client, ana, card, token)

    assert first.status_code == again.status_code == 200
    assert "Stamp added to Kaffeekarte Morgenrot." in first.content.decode()
    assert "(sent twice; stamped once)" in again.content.decode()
    assert 'aria-label="1 of 4 stamps"' in again.content.decode()
    row = Stamp.objects.get()
    assert (row.kind, row.actor, row.member) == (StampKind.MANUAL, cashier_a, ana)
    flag = StaffFlag.objects.get(kind=FlagKind.MANUAL_STAMPS)
    assert flag.count == 1


def test_the_stamp_that_fills_the_card_shows_its_voucher(cashier_client, ana, merchant_a):
    card = coffee_card(merchant_a, stamps_needed=2)
    find(cashier_client, ana)

    stamp(cashier_client, ana, card)
    html = stamp(cashier_client, ana, card).content.decode()

    voucher = Voucher.objects.get(member=ana)
    assert (
        "Kaffeekarte Morgenrot is full: voucher "
        f'<strong class="mono">{voucher.masked_code}</strong>' in html
    )
    assert MemberCard.objects.filter(member=ana, filled_at__isnull=False).count() == 1
    assert 'aria-label="0 of 2 stamps"' in html  # the next card started at once


def test_a_full_card_waiting_for_its_voucher_refuses_more(cashier_client, ana, merchant_a):
    card = coffee_card(merchant_a, stamps_needed=1, restart=False)
    find(cashier_client, ana)
    stamp(cashier_client, ana, card)

    answer = stamp(cashier_client, ana, card)

    assert answer.status_code == 409
    assert "must be used before a new card starts" in answer.content.decode()
    assert Stamp.objects.count() == 1


def test_an_inactive_card_is_refused(cashier_client, ana, merchant_a):
    card = coffee_card(merchant_a, active=False)
    find(cashier_client, ana)

    answer = stamp(cashier_client, ana, card)

    assert answer.status_code == 409
    assert not Stamp.objects.exists()


def test_another_merchants_card_is_a_404(cashier_client, ana, merchant_a, merchant_b):
    theirs = coffee_card(merchant_b)
    find(cashier_client, ana)

    assert stamp(cashier_client, ana, theirs).status_code == 404
    assert not Stamp.objects.exists()


def test_a_member_not_found_at_this_till_is_a_404(cashier_client, ana, merchant_a):
    card = coffee_card(merchant_a)

    assert stamp(cashier_client, ana, card).status_code == 404


@pytest.mark.parametrize("card", ["", "x", "0"])
def test_a_broken_form_changes_nothing(cashier_client, ana, merchant_a, card):
    coffee_card(merchant_a)
    find(cashier_client, ana)

    answer = cashier_client.post(
        f"/pos/members/{ana.pk}/stamp/", {"token": new_form_token(), "card": card}, **HX
    )

    assert answer.status_code == 422
    assert not Stamp.objects.exists()


def test_no_cards_no_section(cashier_client, ana, merchant_a):
    html = find(cashier_client, ana).content.decode()

    assert "pos-stamps-title" not in html


def test_the_sale_answer_says_what_it_stamped(cashier_client, ana, merchant_a):
    coffee_card(merchant_a)

    html = sell(cashier_client, ana, "4.50").content.decode()

    assert "+1 stamp on Kaffeekarte Morgenrot: 1 of 4" in html
    assert f'href="/pos/members/{ana.pk}/"' in html  # back to the member


def test_the_sale_that_fills_a_card_shows_its_voucher(cashier_client, ana, merchant_a):
    coffee_card(merchant_a, stamps_needed=1)

    html = sell(cashier_client, ana, "4.50").content.decode()

    voucher = Voucher.objects.get(member=ana)
    assert "+1 stamp on Kaffeekarte Morgenrot: 0 of 1" in html
    assert f'voucher <strong class="mono">{voucher.masked_code}</strong> issued' in html
