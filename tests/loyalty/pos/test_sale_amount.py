"""Typos at the till: exponents are no amount, an unusual amount asks, the maximum refuses."""

from decimal import Decimal

import pytest
from django.test import Client

from loyalty.models import Purchase
from loyalty.models.points import SALE_AMOUNT_CEILING
from loyalty.pos.services import new_form_token
from tests.loyalty.pos.conftest import HX, find, sell


def set_limits(merchant, *, unusual=None, maximum=None):
    program = merchant.program
    program.unusual_sale_amount, program.max_sale_amount = unusual, maximum
    program.save()


@pytest.mark.parametrize("typed", ["1e5", "1E5", "2e3", "inf", "Infinity", "nan", "NaN", "1_000"])
def test_an_exponent_or_a_non_number_is_not_an_amount(cashier_client, ana, typed):
    answer = sell(cashier_client, ana, typed)

    assert answer.status_code == 422
    assert "Enter an amount like 23.50." in answer.content.decode()
    assert not Purchase.objects.exists()


def test_a_usual_amount_is_recorded_without_a_question(cashier_client, ana):
    answer = sell(cashier_client, ana, "499.99")

    assert answer.status_code == 200
    assert "unusual amount" not in answer.content.decode()
    assert Purchase.objects.get().amount == Decimal("499.99")


def test_an_unusual_amount_asks_the_cashier_to_confirm_and_records_nothing_yet(cashier_client, ana):
    token = new_form_token()

    answer = sell(cashier_client, ana, "999", token=token, receipt="R-9")

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "€999.00 is an unusual amount. Confirm?" in html
    assert f'value="{token}"' in html  # the same one-time token, not spent yet
    assert 'name="confirmed" value="1"' in html
    assert 'name="amount" value="999.00"' in html
    assert 'name="receipt" value="R-9"' in html
    assert ">Change</button>" in html
    assert not Purchase.objects.exists()


def test_confirming_the_unusual_amount_records_the_sale_once(cashier_client, ana):
    token = new_form_token()
    sell(cashier_client, ana, "999", token=token)

    confirmed = sell(cashier_client, ana, "999.00", token=token, confirmed="1")
    again = sell(cashier_client, ana, "999.00", token=token, confirmed="1")

    assert confirmed.status_code == again.status_code == 200
    assert "+999 points for Ana P." in confirmed.content.decode()
    assert "sent twice" in again.content.decode()
    assert Purchase.objects.get().amount == Decimal("999.00")


def test_change_shows_the_sale_form_again_with_the_amount_to_correct(cashier_client, ana):
    token = new_form_token()

    answer = sell(cashier_client, ana, "999.00", token=token, confirmed="1", change="1")

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "unusual amount" not in html
    assert 'name="amount"' in html and 'value="999.00"' in html
    assert f'value="{token}"' in html
    assert not Purchase.objects.exists()
    # The corrected amount goes through with the same token.
    assert sell(cashier_client, ana, "99.90", token=token).status_code == 200
    assert Purchase.objects.get().amount == Decimal("99.90")


def test_an_anonymous_sale_asks_too(cashier_client):
    answer = sell(cashier_client, None, "750")

    assert "€750.00 is an unusual amount. Confirm?" in answer.content.decode()
    assert not Purchase.objects.exists()


def test_the_programs_own_unusual_amount_is_used(cashier_client, ana, merchant_a):
    set_limits(merchant_a, unusual=Decimal("50.00"))

    assert "unusual amount" in sell(cashier_client, ana, "50.01").content.decode()
    assert "unusual amount" not in sell(cashier_client, ana, "50.00").content.decode()
    assert Purchase.objects.get().amount == Decimal("50.00")


@pytest.mark.parametrize("typed", ["99999", "10000.01"])
def test_an_amount_above_the_maximum_is_refused_outright(cashier_client, ana, typed):
    answer = sell(cashier_client, ana, typed, confirmed="1")

    assert answer.status_code == 422
    html = answer.content.decode()
    assert "more than one sale can be (at most €10,000.00)" in html
    assert 'aria-invalid="true"' in html
    assert not Purchase.objects.exists()


def test_the_confirmation_works_without_javascript(cashier_client, ana):
    find(cashier_client, ana)
    token = new_form_token()
    page = cashier_client.post(
        f"/pos/members/{ana.pk}/purchase/", {"token": token, "amount": "600"}
    )

    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "€600.00 is an unusual amount. Confirm?" in page.content.decode()
    done = cashier_client.post(
        f"/pos/members/{ana.pk}/purchase/",
        {"token": token, "amount": "600.00", "confirmed": "1"},
    )
    assert "+600 points" in done.content.decode()


def test_the_confirmation_is_only_for_this_merchants_member(outsider_client, ana):
    answer = outsider_client.post(
        f"/pos/members/{ana.pk}/purchase/",
        {"token": new_form_token(), "amount": "600.00", "confirmed": "1"},
        **HX,
    )

    assert answer.status_code == 404
    assert not Purchase.objects.exists()


def test_the_keypad_page_has_no_inline_script(cashier_client: Client, ana):
    html = sell(cashier_client, ana, "600").content.decode()

    assert "<script" not in html
    assert " onclick=" not in html


def test_undoing_a_confirmed_unusual_sale_takes_back_the_tier_it_bought(cashier_client, ana):
    token = new_form_token()
    sell(cashier_client, ana, "1600", token=token)
    sell(cashier_client, ana, "1600.00", token=token, confirmed="1")
    ana.refresh_from_db()
    assert ana.tier.name == "Gold"
    sale = Purchase.objects.get()

    answer = cashier_client.post(
        f"/pos/purchases/{sale.pk}/undo/",
        {"token": new_form_token(), "purchase": sale.pk},
        **HX,
    )

    assert answer.status_code == 200
    ana.refresh_from_db()
    assert ana.tier.name == "Bronze"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("23,50", "23.50"),
        ("1.250,50 lei", "1250.50"),
        ("1 250,50", "1250.50"),
        ("€1,250.50", "1250.50"),
        ("12,5 LEI", "12.50"),
        ("100.000,00 lei", "100000.00"),
    ],
)
def test_an_amount_as_romanian_russian_or_english_write_it_is_read(
    cashier_client, ana, merchant_a, typed, amount
):
    set_limits(merchant_a, unusual=SALE_AMOUNT_CEILING, maximum=SALE_AMOUNT_CEILING)

    answer = sell(cashier_client, ana, typed)

    assert answer.status_code == 200
    assert Purchase.objects.get().amount == Decimal(amount)


@pytest.mark.parametrize("typed", ["1.250", "1,250", "1.2.3", "12abc"])
def test_an_ambiguous_grouping_is_refused_rather_than_guessed(cashier_client, ana, typed):
    answer = sell(cashier_client, ana, typed)

    assert answer.status_code == 422
    assert not Purchase.objects.exists()
