"""A member signed in at merchant A sees nothing of merchant B, whatever the URL says."""

import pytest
from django.test import Client

from members.services.consents import unsubscribe_token
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import ring
from tests.urlwalk import staff_routes

ROUTES = staff_routes(("member",))
# Pages that belong to a signed-in card (the rest are public: join, sign-in, manifest…).
PUBLIC = {
    "member:join",
    "member:welcome",
    "member:login",
    "member:login_phone",
    "member:login_sms",
    "member:logout",
    "member:manifest",
    "member:icon",
}
# The unsubscribe links are public too: the signed token is the proof (tested on their own).
UNSUBSCRIBE = {"member:unsubscribe", "member:message_unsubscribe"}
# So are the survey's pages (tests/feedback/test_surveys_pages.py tries them).
SURVEYS = {"member:survey", "member:survey_stop", "member:survey_receipt"}
PRIVATE = [route for route in ROUTES if route.full_name not in PUBLIC | UNSUBSCRIBE | SURVEYS]


def test_the_walk_finds_the_member_pages():
    names = {route.full_name for route in ROUTES}
    assert {"member:card", "member:history", "member:profile", "member:data_export"} <= names
    assert len(PRIVATE) >= 6, names


@pytest.mark.parametrize("route", PRIVATE, ids=str)
def test_another_merchants_pages_send_a_member_of_a_to_sign_in(route, ana_client, merchant_b):
    url = route.url({"merchant_slug": "bee", "reward_id": 1, "voucher_id": 1})

    for answer in (ana_client.get(url), ana_client.post(url)):
        assert answer.status_code in (302, 405), url
        if answer.status_code == 302:
            assert answer["Location"].startswith("/m/bee/login"), url


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_an_unknown_merchant_is_404_everywhere(route, ana_client):
    url = route.url({"merchant_slug": "nobody", "token": "x", "reward_id": 1, "voucher_id": 1})

    assert ana_client.get(url).status_code in (404, 405)


def test_a_person_with_cards_at_a_and_b_sees_each_separately(merchant_a, merchant_b, shop_a):
    at_a = enrol_member(merchant=merchant_a, email="eve@example.com", first_name="Eve")
    at_b = enrol_member(merchant=merchant_b, email="eve@example.com", first_name="Evelyn")
    assert at_a.user == at_b.user
    ring(shop_a, at_a, "42.00", external_id="A-RECEIPT-1")
    client = Client()
    client.force_login(at_a.user)

    card_a = client.get("/m/aroma/").content.decode()
    card_b = client.get("/m/bee/").content.decode()
    history_b = client.get("/m/bee/history").content.decode()
    export_b = client.get("/m/bee/data.json").json()

    assert "Hello, Eve<" in card_a and "Evelyn" not in card_a
    assert "Hello, Evelyn" in card_b
    assert at_a.card_number[-4:] not in card_b
    assert at_b.card_number[-4:] in card_b
    assert "Old Town" not in history_b and "42.00" not in history_b
    assert export_b["profile"]["card_number"] == at_b.card_number
    assert export_b["purchases"] == []
    assert export_b["merchant"]["web_address"] == "bee"


def test_the_consent_button_of_b_cannot_reach_a_card_of_a(ana_client, ana, merchant_b):
    ana_client.post("/m/bee/consent", {"channel": "email", "granted": "off"})

    ana.refresh_from_db()
    assert ana.email_marketing


def test_an_unsubscribe_link_of_a_does_not_work_under_b(client, ana, merchant_b):
    token = unsubscribe_token(ana, "email")

    assert client.post(f"/m/bee/unsubscribe/{token}").status_code == 404
    ana.refresh_from_db()
    assert ana.email_marketing
