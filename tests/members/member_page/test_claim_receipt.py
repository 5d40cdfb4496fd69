"""A member claims a receipt of a sale made without their card, with the code printed on it."""

from decimal import Decimal

import pytest
from django.test import Client

from loyalty.points.refunds import refund_purchase
from members.services.enrolment import enrol_member
from members.throttle import MAX_FAILURES as CLAIM_MAX_FAILURES
from tests.loyalty.points.helpers import ring

pytestmark = pytest.mark.django_db


def test_the_history_links_to_the_claim_page(ana_client):
    assert "/m/aroma/claim" in ana_client.get("/m/aroma/history").content.decode()


def test_a_member_claims_a_receipt_and_sees_its_points(ana_client, ana, shop_a):
    sale = ring(shop_a, None, "12.00").purchase
    typed = f" {sale.claim_code.lower()} "

    answer = ana_client.post("/m/aroma/claim", {"code": typed}, follow=True)

    assert answer.redirect_chain[-1][0] == "/m/aroma/history"
    assert "Receipt claimed: 12 points collected." in answer.content.decode()
    ana.refresh_from_db()
    sale.refresh_from_db()
    assert sale.member == ana and ana.points_balance >= 12


def test_a_bad_code_is_a_field_error_and_changes_nothing(ana_client, ana, shop_a):
    sale = ring(shop_a, None, "12.00").purchase
    refund_purchase(purchase=sale, external_id="RF", amount=Decimal("12.00"))

    unknown = ana_client.post("/m/aroma/claim", {"code": "NOPE1234"}).content.decode()
    refunded = ana_client.post("/m/aroma/claim", {"code": sale.claim_code}).content.decode()

    assert "This code does not match a receipt." in unknown
    assert "refunded in full" in refunded
    ana.refresh_from_db()
    assert ana.points_balance == 0


def test_another_merchants_receipt_does_not_match(ana_client, merchant_b):
    sale = ring(merchant_b.shops.get(), None, "30.00").purchase

    page = ana_client.post("/m/aroma/claim", {"code": sale.claim_code}).content.decode()

    assert "This code does not match a receipt." in page
    sale.refresh_from_db()
    assert sale.member is None


def _wrong_codes(n):
    return [f"NOPE{i:04d}" for i in range(n)]


def test_guessing_receipt_codes_is_stopped_with_429_even_for_a_right_code(ana_client, ana, shop_a):
    sale = ring(shop_a, None, "12.00").purchase
    for code in _wrong_codes(CLAIM_MAX_FAILURES):
        assert ana_client.post("/m/aroma/claim", {"code": code}).status_code == 200

    answer = ana_client.post("/m/aroma/claim", {"code": sale.claim_code})

    assert answer.status_code == 429
    assert "Too many receipt codes that do not match" in answer.content.decode()
    assert int(answer["Retry-After"]) > 0
    sale.refresh_from_db()
    assert sale.member is None


def test_receipt_guesses_count_per_address_too(ana_client, merchant_a, shop_a):
    for code in _wrong_codes(CLAIM_MAX_FAILURES):
        ana_client.post("/m/aroma/claim", {"code": code}, REMOTE_ADDR="203.0.113.9")
    sale = ring(shop_a, None, "12.00").purchase
    other = Client()
    other.force_login(enrol_member(merchant=merchant_a, email="ion@example.com").user)

    same_address = other.post(
        "/m/aroma/claim", {"code": sale.claim_code}, REMOTE_ADDR="203.0.113.9"
    )
    elsewhere = other.post("/m/aroma/claim", {"code": sale.claim_code}, follow=True)

    assert same_address.status_code == 429
    assert "Receipt claimed: 12 points collected." in elsewhere.content.decode()


def test_a_guesser_at_another_merchant_leaves_this_merchants_claims_alone(
    ana_client, shop_a, bob_at_b
):
    # Bob guesses at merchant B from the test client's one address (127.0.0.1), like Ana's.
    bob = Client()
    bob.force_login(bob_at_b.user)
    for code in _wrong_codes(CLAIM_MAX_FAILURES + 1):
        bob.post("/m/bee/claim", {"code": code})
    sale = ring(shop_a, None, "12.00").purchase

    answer = ana_client.post("/m/aroma/claim", {"code": sale.claim_code}, follow=True)

    assert "Receipt claimed: 12 points collected." in answer.content.decode()


def test_a_successful_claim_does_not_count_as_a_guess(ana_client, shop_a):
    for _n in range(CLAIM_MAX_FAILURES + 2):
        ana_client.post("/m/aroma/claim", {"code": ring(shop_a, None, "1.00").purchase.claim_code})

    answer = ana_client.post("/m/aroma/claim", {"code": "NOPE9999"})

    assert answer.status_code == 200
    assert "This code does not match a receipt." in answer.content.decode()
