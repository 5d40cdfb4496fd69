"""After sending: tracked clicks, the open pixel and in-app cards on the member page."""

import pytest
from django.core import signing
from django.test import Client

from campaigns.messaging.tracking import CLICK_SALT, click_token, open_token
from campaigns.models import Channel, Message, MessageEvent, MessageEventKind, MessageStatus
from members.services.enrolment import enrol_member
from tests.personas import make_bob

MENU = "https://aroma.example/menu"


@pytest.fixture
def email(merchant_a, ana):
    return Message.objects.create(
        merchant=merchant_a, member=ana, channel=Channel.EMAIL, send_key="broadcast:1"
    )


def _events(message, kind):
    return list(
        MessageEvent.objects.filter(message=message, kind=kind).values_list("detail", flat=True)
    )


def test_a_click_is_recorded_once_and_redirects_to_the_signed_address(client, email):
    url = f"/m/aroma/l/{click_token(email, MENU)}"

    first = client.get(url)
    again = client.get(url)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == MENU
    assert _events(email, MessageEventKind.CLICKED) == [MENU]


def test_a_changed_token_is_a_kind_404_and_records_nothing(client, email):
    token = click_token(email, MENU)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    answer = client.get(f"/m/aroma/l/{tampered}")

    assert answer.status_code == 404
    assert "This link does not work" in answer.content.decode()
    assert not MessageEvent.objects.filter(message=email).exists()


def test_no_open_redirect_an_address_signed_elsewhere_is_refused(client, email):
    # Same message, another address, signed with another salt (e.g. an unsubscribe token).
    forged = signing.dumps({"m": email.pk, "u": "https://evil.example/"}, salt="other")
    # And a javascript: address signed properly can never be followed.
    scripted = signing.dumps({"m": email.pk, "u": "javascript:alert(1)"}, salt=CLICK_SALT)

    assert client.get(f"/m/aroma/l/{forged}").status_code == 404
    assert client.get(f"/m/aroma/l/{scripted}").status_code == 404
    assert not MessageEvent.objects.filter(message=email).exists()


def test_a_link_of_merchant_a_does_not_work_under_b(client, email, merchant_b):
    answer = client.get(f"/m/bee/l/{click_token(email, MENU)}")

    assert answer.status_code == 404
    assert not MessageEvent.objects.filter(message=email).exists()


def test_the_pixel_records_one_open_and_answers_a_gif(client, email):
    url = f"/m/aroma/o/{open_token(email)}"

    answer = client.get(url)
    client.get(url)

    assert answer.status_code == 200 and answer["Content-Type"] == "image/gif"
    assert answer.content.startswith(b"GIF89a")
    assert _events(email, MessageEventKind.OPENED) == [""]


def test_a_forged_pixel_is_404(client, email):
    assert client.get(f"/m/aroma/o/{open_token(email)}x").status_code == 404
    assert not MessageEvent.objects.filter(message=email).exists()


def _in_app(member, subject, *, status=MessageStatus.SENT, key=None):
    return Message.objects.create(
        merchant=member.merchant,
        member=member,
        channel=Channel.IN_APP,
        send_key=key or f"in-app:{subject}",
        subject=subject,
        body_html="<p>Double points on Saturday</p>",
        status=status,
        sent_at=member.joined_at,
    )


def _client_of(member):
    client = Client()
    client.force_login(member.user)
    return client


def test_sent_in_app_messages_show_on_the_members_own_card_only(merchant_a, merchant_b, ana):
    _in_app(ana, "Weekend of Zanzibar points")
    _in_app(ana, "Still waiting Quokka", status=MessageStatus.QUEUED)
    bob = make_bob(merchant_a)
    _in_app(bob, "Bob's private Narwhal offer")
    ana_at_b = enrol_member(merchant=merchant_b, email=ana.email, first_name="Ana")
    _in_app(ana_at_b, "Bakery Ocelot news")

    card_a = _client_of(ana).get("/m/aroma/").content.decode()
    card_b = _client_of(ana).get("/m/bee/").content.decode()

    assert "Weekend of Zanzibar points" in card_a
    assert "Double points on Saturday" in card_a
    assert "Still waiting Quokka" not in card_a
    assert "Narwhal" not in card_a and "Ocelot" not in card_a
    assert "Bakery Ocelot news" in card_b and "Zanzibar" not in card_b


def test_at_most_three_newest_first(ana):
    for number in range(5):
        message = _in_app(ana, f"Offer Pelican{number}")
        Message.objects.filter(pk=message.pk).update(
            sent_at=ana.joined_at.replace(year=2030 + number)
        )

    html = _client_of(ana).get("/m/aroma/").content.decode()

    assert html.index("Pelican4") < html.index("Pelican3") < html.index("Pelican2")
    assert "Pelican1" not in html and "Pelican0" not in html


def test_a_dismissed_card_is_gone_and_the_dismissal_recorded(ana):
    message = _in_app(ana, "Weekend of Zanzibar points")
    client = _client_of(ana)

    answer = client.post(f"/m/aroma/messages/{message.pk}/dismiss")

    assert answer.status_code == 302 and answer["Location"] == "/m/aroma/"
    assert "Zanzibar" not in client.get("/m/aroma/").content.decode()
    assert _events(message, MessageEventKind.DISMISSED) == [""]


def test_nobody_dismisses_another_members_card(merchant_a, ana):
    bob = make_bob(merchant_a)
    message = _in_app(bob, "Bob's Narwhal offer")

    answer = _client_of(ana).post(f"/m/aroma/messages/{message.pk}/dismiss")

    assert answer.status_code == 404
    assert not MessageEvent.objects.filter(message=message).exists()


def test_htmx_dismisses_in_place_and_a_stranger_is_sent_to_sign_in(client, ana):
    message = _in_app(ana, "Weekend of Zanzibar points")

    stranger = client.post(f"/m/aroma/messages/{message.pk}/dismiss")
    swapped = _client_of(ana).post(
        f"/m/aroma/messages/{message.pk}/dismiss", HTTP_HX_REQUEST="true"
    )

    assert stranger.status_code == 302 and stranger["Location"].startswith("/m/aroma/login")
    assert swapped.status_code == 200 and swapped.content == b""
    assert _events(message, MessageEventKind.DISMISSED) == [""]
