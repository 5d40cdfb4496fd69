"""The member page in the customer's words: what joining gives and the privacy notice on the
join page, the merchant's voice and one message on signing in, birthdays and languages as
people read them."""

import re

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client

from loyalty.models.points import Tier
from loyalty.points.ledger import get_program
from loyalty.templatetags.fidela import language_name
from loyalty.tenancy.adapters import AccountAdapter
from members.services.enrolment import enrol_member
from rewards.models import Reward
from tests.loyalty.test_views_settings import profile_data
from tests.members.member_page.test_sms_signin import sms_outbox  # noqa: F401 (fixture)
from tests.rewards.conftest import make_reward

pytestmark = pytest.mark.django_db
PRIVACY = "https://aroma.example.com/privacy"


def mailed_code(message) -> str:
    return re.search(r"^\s*([A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+)\s*$", message.body, re.M).group(1)


def texted_code(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def request_code(client, email: str):
    return client.post("/m/aroma/login", {"email": email, "next": "/m/aroma/"})


def _page_messages(page) -> list[str]:
    return re.findall(r'<p class="message[^"]*">(.*?)</p>', page.content.decode())


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.content.decode())


# --- The join page ------------------------------------------------------------------------------


def test_the_join_page_says_the_welcome_bonus_and_the_first_reward(client, merchant_a):
    program = get_program(merchant_a)
    program.welcome_bonus = 50
    program.save()

    page = _text(client.get("/m/aroma/join"))

    # The sample catalogue's cheapest reward for every tier: the 300-point coffee.
    assert "Join and get 50 points. Your first reward, Free coffee, at 300 points." in page


def test_without_a_welcome_bonus_the_join_page_names_only_the_first_reward(client, merchant_a):
    coffee = Reward.objects.for_merchant(merchant_a).get(name="Free coffee")
    coffee.stock, coffee.stock_left = 5, 0  # out of stock: the next one is the first reward
    coffee.save()

    page = _text(client.get("/m/aroma/join"))

    assert "Join and get" not in page
    assert "Your first reward, €5 off your next purchase, at 500 points." in page


def test_a_reward_only_a_higher_tier_may_redeem_is_not_the_first_reward(client, merchant_a):
    silver = Tier.objects.for_merchant(merchant_a).get(name="Silver")
    make_reward(merchant_a, name="Silver cake", points_cost=10, min_tier=silver)
    entry = Tier.objects.for_merchant(merchant_a).order_by("threshold").first()
    make_reward(merchant_a, name="Welcome biscuit", points_cost=280, min_tier=entry)

    page = _text(client.get("/m/aroma/join"))

    assert "Your first reward, Welcome biscuit, at 280 points." in page


def test_a_join_with_errors_still_says_what_joining_gives(client, merchant_a):
    answer = client.post("/m/aroma/join", {"email": "not-an-email", "website": ""})

    assert answer.status_code == 400
    assert "Your first reward, Free coffee, at 300 points." in _text(answer)


def test_the_privacy_notice_is_linked_beside_the_consent_boxes(client, merchant_a):
    merchant_a.privacy_notice_url = PRIVACY
    merchant_a.save()

    page = _text(client.get("/m/aroma/join"))

    link = f'<a href="{PRIVACY}" target="_blank" rel="noopener">privacy notice</a>'
    assert f"How Aroma Café uses your details: {link} (opens in a new tab)." in page
    # In the offers' fieldset, after the two consent boxes.
    offers = page.split("<legend>Offers</legend>", 1)[1].split("</fieldset>", 1)[0]
    assert 'name="sms_marketing"' in offers and link in offers


def test_without_a_privacy_notice_the_sentence_is_left_out(client, merchant_a):
    page = _text(client.get("/m/aroma/join"))

    assert "uses your details:" not in page


def test_the_owner_sets_the_privacy_notice_in_the_business_settings(owner_client, merchant_a):
    form = owner_client.get("/portal/settings/profile/").content.decode()
    assert 'name="privacy_notice_url"' in form

    answer = owner_client.post(
        "/portal/settings/profile/", profile_data(merchant_a, privacy_notice_url=PRIVACY)
    )

    assert answer.status_code == 302
    merchant_a.refresh_from_db()
    assert merchant_a.privacy_notice_url == PRIVACY


def test_a_privacy_notice_that_is_not_an_address_is_refused(owner_client, merchant_a):
    answer = owner_client.post(
        "/portal/settings/profile/", profile_data(merchant_a, privacy_notice_url="our leaflet")
    )

    assert answer.status_code == 200
    assert "privacy_notice_url" in answer.context["form"].errors


# --- Signing in ---------------------------------------------------------------------------------


def test_the_sign_in_pages_speak_as_the_merchant_in_sentence_case(client, merchant_a, ana):
    login = _text(client.get("/m/aroma/login"))
    assert "<h1>Sign in to Aroma Café rewards</h1>" in login

    answer = request_code(client, "ana@example.com")
    code_page = client.get(answer["Location"])

    assert "Enter the code we sent you" in _text(code_page)
    assert "Enter Sign-In Code" not in _text(code_page)
    # The page says a code was sent; no message says it a second time.
    assert _page_messages(code_page) == []


def test_one_message_follows_a_sign_in_by_email_code(client, merchant_a, ana, mailoutbox):
    answer = request_code(client, "ana@example.com")
    client.get(answer["Location"])
    client.post(answer["Location"], {"code": mailed_code(mailoutbox[-1])})

    card = client.get("/m/aroma/")

    # allauth would add two: "You have confirmed …" and "Successfully signed in as …".
    assert _page_messages(card) == ["You are signed in to Aroma Café rewards."]


def test_one_message_follows_a_sign_in_by_sms_code(client, merchant_a, sms_outbox):  # noqa: F811
    enrol_member(merchant=merchant_a, phone="0744 555 666", first_name="Dan")
    answer = client.post("/m/aroma/login/phone", {"phone": "0744555666", "next": ""})
    code_page = _text(client.get(answer["Location"]))
    assert "<h1>Enter the code we sent you</h1>" in code_page

    client.post(answer["Location"], {"code": texted_code(sms_outbox[0])})
    card = client.get("/m/aroma/")

    assert _page_messages(card) == ["You are signed in to Aroma Café rewards."]


def test_staff_sign_in_messages_stay_allauths(rf, merchant_a):
    request = rf.post("/accounts/login/code/confirm/", {"next": "/portal/"})
    request.session = {}
    request._messages = CookieStorage(request)
    AccountAdapter(request).add_message(
        request, 25, "account/messages/login_code_sent.txt", {"recipient": "owner@example.com"}
    )

    assert [str(m) for m in get_messages(request)] == [
        "A sign-in code has been sent to owner@example.com."
    ]


# --- Birthdays and languages --------------------------------------------------------------------


def test_the_profile_shows_the_birthday_as_day_and_month_and_the_language_by_name(merchant_a):
    member = enrol_member(
        merchant=merchant_a, email="irina@example.com", birthday="1982-01-16", language="en"
    )
    client = Client()
    client.force_login(member.user)

    page = _text(client.get("/m/aroma/profile"))

    assert "<dt>Birthday</dt><dd>16 January</dd>" in page
    assert "<dt>Language</dt><dd>English</dd>" in page
    assert "1982-01-16" not in page


def test_the_portal_member_page_shows_them_the_same_way(owner_client, merchant_a):
    member = enrol_member(
        merchant=merchant_a, email="irina@example.com", birthday="--02-29", language="en"
    )

    page = _text(owner_client.get(f"/portal/members/{member.pk}/"))

    assert "<dd>29 February" in page
    assert "<dd>English</dd>" in page


def test_a_language_not_in_the_settings_is_named_from_djangos_list_or_left_as_it_is():
    assert language_name("ro") == "Romanian"
    assert language_name("xx") == "xx"
    assert language_name("") == ""
