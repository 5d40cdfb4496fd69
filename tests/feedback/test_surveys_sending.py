"""Sending invitations through the campaigns' queue: one real email end to end (a real SMTP
server), the in-app card on the member page, and the campaigns' rules that skip one."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from campaigns.messaging import send
from campaigns.models import Channel, Message, MessageStatus, Purpose, SuppressionReason
from feedback.models import Invitation, InvitationStatus, InviteChannel, SurveyOptOut
from feedback.surveys.invitations import stop_survey_requests
from feedback.surveys.sending import choose_channel, send_due_invitations
from loyalty.models import Purchase
from members import sms
from tests.campaigns.sending_kit import at, smtp_server  # noqa: F401 (the real SMTP server)
from tests.feedback.surveys_kit import drain, sale, survey_fixture, words_analyser  # noqa: F401
from tests.personas import make_ana, make_bob


def invited(shop, member, receipt="R-1") -> Invitation:
    sale(shop, member, receipt)
    drain()
    return Invitation.objects.get(purchase__external_id=receipt)


def link_path(text: str, marker: str) -> str:
    """The path of the first address in `text` that contains `marker`."""
    for word in text.split():
        if marker in word and word.startswith(settings.SITE_URL):
            return urlparse(word).path
    raise AssertionError(f"no link with {marker} in {text!r}")


def test_an_invitation_arrives_by_email_with_its_links(smtp_server, merchant_a, shop_a, survey):  # noqa: F811
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()
    ana = make_ana(merchant_a, email_marketing=True)
    with at(2026, 3, 10, 11, 0):
        invitation = invited(shop_a, ana)
    with at(2026, 3, 10, 13, 59):
        assert send_due_invitations() == 0  # three hours after the sale, not before

    with at(2026, 3, 10, 14, 1):
        assert send_due_invitations() == 1
        assert send.send_due_messages() == 1
        send_due_invitations()

    [mail] = smtp_server.received
    assert mail["To"] == "ana.pop@example.com"
    assert mail["Subject"] == "How was your visit to Aroma Café?"
    assert mail["List-Unsubscribe"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "How likely are you to recommend Aroma Café to a friend or colleague?" in text
    assert "You get 20 points for answering." in text
    assert "#7c2d12" in html  # the merchant's colours, as the campaigns' emails
    assert html.count("?score=") == 11 and "?score=10" in html  # one tap on the scale
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT and invitation.channel == Channel.EMAIL
    assert invitation.sent_at is not None
    message = invitation.message
    assert (message.purpose, message.send_key) == (
        Purpose.MARKETING,
        f"survey:invitation:{invitation.pk}",
    )
    with at(2026, 3, 10, 15, 0):
        page = Client().get(link_path(text, "/survey/"))
        stop = Client().get(link_path(text, "/stop/"))
    assert page.status_code == 200 and "Aroma Café to a friend" in page.content.decode()
    assert stop.status_code == 200 and "Stop survey requests" in stop.content.decode()


def test_a_retried_job_queues_nothing_twice(merchant_a, shop_a, survey):
    ana = make_ana(merchant_a, email_marketing=True)
    with at(2026, 3, 10, 11, 0):
        invited(shop_a, ana)
    with at(2026, 3, 10, 14, 1):
        send_due_invitations()
        send_due_invitations()

    assert Message.objects.filter(send_key__startswith="survey:").count() == 1


def test_without_consent_the_invitation_is_a_card_on_the_member_page(merchant_a, shop_a, survey):
    bob = make_bob(merchant_a)  # no offers by email or SMS
    with at(2026, 3, 10, 11, 0):
        invitation = invited(shop_a, bob)
    with at(2026, 3, 10, 14, 1):
        send_due_invitations()
        send.send_due_messages()
        send_due_invitations()
        client = Client()
        client.force_login(bob.user)
        card = client.get(f"/m/{merchant_a.slug}/").content.decode()

    invitation.refresh_from_db()
    assert invitation.channel == Channel.IN_APP and invitation.status == InvitationStatus.SENT
    assert "How was your visit to Aroma Café?" in card
    assert f"/m/{merchant_a.slug}/survey/" in card and "Answer the survey" in card


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ({"email_marketing": True, "sms_marketing": True}, Channel.EMAIL),
        ({"email_marketing": False, "sms_marketing": True}, Channel.SMS),
        ({"email_marketing": True, "email": "", "sms_marketing": False}, Channel.IN_APP),
        ({}, Channel.IN_APP),
    ],
)
def test_auto_picks_the_best_channel_the_member_allows(merchant_a, fields, channel):
    ana = make_ana(merchant_a, **fields)

    assert choose_channel(InviteChannel.AUTO, ana) == channel
    assert choose_channel(InviteChannel.SMS, ana) == Channel.SMS


def test_an_invitation_the_campaigns_suppress_is_skipped(merchant_a, shop_a, survey):
    survey.channel = InviteChannel.SMS
    survey.save()
    ana = make_ana(merchant_a)  # no SMS offers
    with at(2026, 3, 10, 11, 0):
        invitation = invited(shop_a, ana)
    with at(2026, 3, 10, 14, 1):
        send_due_invitations()
        send.send_due_messages()
        send_due_invitations()

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SKIPPED
    assert invitation.message.status == MessageStatus.SUPPRESSED
    assert invitation.message.reason == SuppressionReason.NO_CONSENT


def test_quiet_hours_hold_the_email_until_morning(smtp_server, merchant_a, shop_a, survey):  # noqa: F811
    ana = make_ana(merchant_a, email_marketing=True)
    with at(2026, 3, 10, 19, 0):
        invitation = invited(shop_a, ana)
    with at(2026, 3, 10, 22, 1):
        send_due_invitations()
        assert send.send_due_messages() == 0
    with at(2026, 3, 11, 9, 1):
        assert send.send_due_messages() == 1
        send_due_invitations()

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT and len(smtp_server.received) == 1


def test_a_member_who_stops_requests_before_sending_gets_nothing(merchant_a, shop_a, survey):
    ana = make_ana(merchant_a, email_marketing=True)
    with at(2026, 3, 10, 11, 0):
        invitation = invited(shop_a, ana)
    SurveyOptOut.objects.create(merchant=merchant_a, member=ana)
    with at(2026, 3, 10, 14, 1):
        assert send_due_invitations() == 0

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SKIPPED and invitation.message is None


def test_an_invitation_whose_link_closed_is_skipped(merchant_a, shop_a, survey):
    ana = make_ana(merchant_a, email_marketing=True)
    with at(2026, 3, 10, 11, 0):
        invitation = invited(shop_a, ana)

    with at(2026, 3, 10, 11, 0) as traveller:
        traveller.shift(timedelta(days=8))
        assert send_due_invitations() == 0

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SKIPPED


def test_an_invitation_of_a_reversed_sale_is_skipped(merchant_a, shop_a, survey):
    ana = make_ana(merchant_a, email_marketing=True)
    with at(2026, 3, 10, 11, 0):
        invitation = invited(shop_a, ana)
    Purchase.objects.filter(pk=invitation.purchase_id).update(reversed_at=timezone.now())
    with at(2026, 3, 10, 14, 1):
        assert send_due_invitations() == 0

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SKIPPED and invitation.message is None


def test_stopping_requests_withdraws_a_message_waiting_for_the_morning(
    smtp_server,  # noqa: F811
    merchant_a,
    shop_a,
    survey,
):
    ana = make_ana(merchant_a, email_marketing=True)
    with at(2026, 3, 10, 19, 0):
        invitation = invited(shop_a, ana)
    with at(2026, 3, 10, 22, 1):
        send_due_invitations()
        send.send_due_messages()  # quiet hours: it waits
        stop_survey_requests(invitation=invitation)
    with at(2026, 3, 11, 9, 1):
        assert send.send_due_messages() == 0

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SKIPPED
    assert invitation.message.status == MessageStatus.SUPPRESSED
    assert invitation.message.reason == SuppressionReason.UNSUBSCRIBED
    assert smtp_server.received == []


def test_an_sms_invitation_carries_both_links(settings, merchant_a, shop_a, survey):
    settings.SMS_BACKEND = "members.sms.LocmemBackend"
    sms.outbox.clear()
    ana = make_ana(merchant_a, sms_marketing=True)
    with at(2026, 3, 10, 11, 0):
        invitation = invited(shop_a, ana)
    with at(2026, 3, 10, 14, 1):
        send_due_invitations()
        send.send_due_messages()
        send_due_invitations()

    [text] = sms.outbox
    assert text.to == ana.phone
    assert text.body.startswith("Aroma Café: how was your visit?")
    assert "/survey/" in text.body and "/stop/" in text.body
    invitation.refresh_from_db()
    assert (invitation.channel, invitation.status) == (Channel.SMS, InvitationStatus.SENT)
