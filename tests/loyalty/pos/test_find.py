"""Finding a member at the till: a scan, a card number, a phone in any format, an email."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.models import Identification
from members.contacts import card_qr_payload
from members.services.enrolment import enrol_member
from tests.loyalty.pos.conftest import HX

FIND = "/pos/find/"


@pytest.mark.parametrize(
    "typed", ["0721 234 567", "+40 721 234 567", "0721-234-567", "ANA.POP@example.com"]
)
def test_it_finds_the_member_by_phone_or_email_as_typed(cashier_client, ana, typed):
    answer = cashier_client.get(FIND, {"q": typed}, **HX)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Ana P." in html
    assert f'data-member="{ana.pk}"' in html


def test_it_finds_the_member_by_card_number_and_by_qr_scan(cashier_client, ana):
    for typed in (ana.card_number, card_qr_payload("aroma", ana.card_number)):
        html = cashier_client.get(FIND, {"q": typed}, **HX).content.decode()
        assert f'data-member="{ana.pk}"' in html


def test_the_panel_masks_the_contact_and_shows_balance_and_tier(cashier_client, ana):
    html = cashier_client.get(FIND, {"q": "0721234567"}, **HX).content.decode()

    assert "ana.pop@example.com" not in html
    assert "+40721234567" not in html
    assert ana.masked_email in html
    assert ana.masked_phone in html
    assert "Bronze" in html
    assert "Balance" in html
    assert "Record sale" in html


def test_a_birthday_this_month_is_marked(cashier_client, merchant_a):
    from django.utils import timezone

    month = timezone.now().astimezone(merchant_a.tzinfo).month
    enrol_member(
        merchant=merchant_a, phone="0722000111", first_name="Bea", birthday=f"1990-{month:02d}-01"
    )

    html = cashier_client.get(FIND, {"q": "0722000111"}, **HX).content.decode()

    assert "Birthday this month" in html


def test_nobody_found_offers_to_enrol_with_what_was_typed(cashier_client, ana):
    answer = cashier_client.get(FIND, {"q": "0733 999 888"}, **HX)

    html = answer.content.decode()
    assert "No member found" in html
    assert 'value="0733 999 888"' in html
    assert "Enrol" in html


def test_a_member_of_another_merchant_is_not_found(cashier_client, merchant_b):
    enrol_member(merchant=merchant_b, phone="0744555666", first_name="Bobinsky")

    html = cashier_client.get(FIND, {"q": "0744555666"}, **HX).content.decode()

    assert "No member found" in html
    assert "Bobinsky" not in html


def test_each_find_is_logged_for_the_counter(cashier_client, cashier_a, ana, shop_a):
    cashier_client.get(FIND, {"q": "0721234567"}, **HX)

    row = Identification.objects.get()
    assert (row.member, row.user, row.shop) == (ana, cashier_a, shop_a)


def test_an_empty_search_says_so(cashier_client):
    answer = cashier_client.get(FIND, {"q": ""}, **HX)

    assert answer.status_code == 422


def test_the_search_answers_in_a_bounded_number_of_queries(cashier_client, ana):
    cashier_client.get(FIND, {"q": "0721234567"}, **HX)  # warm the session and caches

    with CaptureQueriesContext(connection) as queries:
        answer = cashier_client.get(FIND, {"q": "0721 234 567"}, **HX)

    assert answer.status_code == 200
    # Session, user, staff; the member; the identification and its daily count; the panel
    # (merchant, program, tiers, tier progress, rewards, vouchers, the member's promotions
    # now; issue 16: the merchant's active stamp cards, streak program, challenges with the
    # member's badges, and club); the counter (3).
    assert len(queries) <= 19, [q["sql"] for q in queries]
