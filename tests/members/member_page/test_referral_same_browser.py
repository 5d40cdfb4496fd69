"""No self-referral from the same browser: the join page remembers the browser it was used in."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from loyalty.models import PointsEntry
from members.devices import DEVICE_COOKIE, device_hash
from members.models import Member
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import configure, events_of, ring


@pytest.fixture(autouse=True)
def referral_program(merchant_a):
    return configure(
        merchant_a, referral_bonus=50, referral_min_purchase=Decimal("10"), referral_monthly_cap=5
    )


def _join(client: Client, email: str, first_name: str, referral_code: str = "") -> Member:
    page = client.get(f"/m/aroma/join?ref={referral_code}")
    assert page.status_code == 200
    answer = client.post(
        "/m/aroma/join",
        {
            "email": email,
            "phone": "",
            "first_name": first_name,
            "website": "",
            "referral_code": referral_code,
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    return Member.objects.get(email=email)


def _referral_points(member: Member) -> int:
    return sum(
        PointsEntry.objects.filter(member=member, reference__startswith="referral:").values_list(
            "points", flat=True
        )
    )


def test_member_pages_give_the_browser_a_lasting_signed_id(client, merchant_a):
    page = client.get("/m/aroma/join")

    cookie = page.cookies[DEVICE_COOKIE]
    assert cookie["httponly"]
    assert cookie["max-age"] >= 365 * 24 * 60 * 60
    assert ":" in cookie.value  # signed
    # The browser keeps its id: the next page sets no new cookie.
    assert DEVICE_COOKIE not in client.get("/m/aroma/login").cookies


def test_the_join_page_keeps_a_hash_of_the_browser_never_the_id(client, merchant_a):
    ana = _join(client, "ana@example.com", "Ana")

    raw = client.cookies[DEVICE_COOKIE].value.split(":")[0]
    assert len(ana.device_hash) == 64
    assert ana.device_hash == device_hash(raw)
    assert raw not in ana.device_hash


def test_a_friend_joining_in_the_referrers_browser_is_refused_as_self_referral(
    client, merchant_a, shop_a, owner_client
):
    ana = _join(client, "ana@example.com", "Ana")
    client.post("/m/aroma/logout")

    fake = _join(client, "totally.someone.else@example.com", "Fake", ana.referral_code)

    assert fake.referred_by == ana  # the link stays visible to the merchant…
    assert events_of(merchant_a, "referral.refused") == [
        {"friend": fake.pk, "referrer": ana.pk, "purchase": None, "reason": "self_referral"}
    ]
    detail = owner_client.get(f"/portal/members/{ana.pk}/").content.decode()
    assert "Refused by a fraud check" in detail  # …as refused from the start
    ring(shop_a, fake, "25.00")  # the first purchase pays no referral bonus either
    assert _referral_points(fake) == _referral_points(ana) == 0
    assert events_of(merchant_a, "referral.refused")[-1]["reason"] == "self_referral"


def test_a_friend_in_another_browser_is_a_real_referral(client, merchant_a, shop_a, owner_client):
    ana = _join(client, "ana@example.com", "Ana")

    friend = _join(Client(), "carla@example.com", "Carla", ana.referral_code)

    assert friend.device_hash and friend.device_hash != ana.device_hash
    assert events_of(merchant_a, "referral.refused") == []
    detail = owner_client.get(f"/portal/members/{ana.pk}/").content.decode()
    assert "Waiting for a first purchase" in detail
    ring(shop_a, friend, "25.00")
    assert _referral_points(friend) == _referral_points(ana) == 50


def test_members_enrolled_elsewhere_have_no_browser_to_match(merchant_a, shop_a):
    # Two POS enrolments: no device on either, so no false "same browser".
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    friend = enrol_member(
        merchant=merchant_a, email="carla@example.com", referral_code=ana.referral_code
    )

    ring(shop_a, friend, "25.00")

    assert ana.device_hash == friend.device_hash == ""
    assert _referral_points(friend) == 50


def test_deleting_the_account_forgets_the_browser(client, merchant_a, mailoutbox):
    ana = _join(client, "ana@example.com", "Ana")
    assert ana.device_hash
    # The card opens with the code the join mailed.
    code = re.search(r"^([A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+)$", mailoutbox[-1].body, re.MULTILINE)
    client.post("/accounts/login/code/confirm/", {"code": code.group(1), "next": "/m/aroma/"})
    assert client.get("/m/aroma/").status_code == 200

    client.post("/m/aroma/delete")

    ana.refresh_from_db()
    assert ana.status == "anonymized"
    assert ana.device_hash == ""
