"""A member claims a receipt of a sale made without their card, with the code printed on it."""

from decimal import Decimal

import pytest

from loyalty.points.refunds import refund_purchase
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
