"""The promise that keeps members subscribed: no marketing message without the channel's
consent, over the frequency cap or in quiet hours, each suppression or deferral recorded with
its reason; deferred by priority, suppressed only when the window closes (real SMTP server)."""

from datetime import datetime, time, timedelta

import pytest
import time_machine

from campaigns.messaging.policy import Rules, cap_frees_at, quiet_hours_end, rules_for
from campaigns.models import Channel, Message, MessageStatus, MessagingSettings, Purpose
from campaigns.tasks import send_due_messages
from loyalty.models import AuditEvent
from members.models import MemberStatus
from members.services.consents import set_consent
from tests.campaigns.sending_kit import (
    BUCHAREST,
    at,
    offer,
    subscriber,
)

NOON = (2026, 3, 10, 12, 0)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BUCHAREST)


def events(message: Message) -> list[tuple[str, str]]:
    return list(message.events.values_list("kind", "reason"))


def state(message: Message) -> tuple[str, str]:
    message.refresh_from_db()
    return message.status, message.reason


# --- Consent, address, unsubscribe ---------------------------------------------------------------


@pytest.mark.django_db
def test_no_marketing_email_without_the_consent(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.noconsent@example.com", email_marketing=False)
    with at(*NOON):
        message = offer(merchant_a, ana)
        send_due_messages()

    assert smtp_server.received == []
    assert state(message) == ("suppressed", "no_consent")
    assert events(message) == [("queued", ""), ("suppressed", "no_consent")]


@pytest.mark.django_db
def test_a_card_blocked_after_queueing_gets_no_offer(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.blocked@example.com")
    with at(*NOON):
        message = offer(merchant_a, ana)
        ana.status = MemberStatus.BLOCKED
        ana.save(update_fields=["status"])
        send_due_messages()

    assert smtp_server.received == []
    assert state(message) == ("suppressed", "inactive")


@pytest.mark.django_db
def test_an_sms_needs_an_sms_consent_and_a_phone(merchant_a, settings):
    settings.SMS_BACKEND = "members.sms.LocmemBackend"
    no_phone = subscriber(merchant_a)
    no_consent = subscriber(merchant_a, phone="+40721000222", sms_marketing=False)
    with at(*NOON):
        first = offer(merchant_a, no_phone, channel=Channel.SMS)
        second = offer(merchant_a, no_consent, channel=Channel.SMS)
        send_due_messages()

    assert state(first) == ("suppressed", "no_address")
    assert state(second) == ("suppressed", "no_consent")


@pytest.mark.django_db
def test_an_unsubscribed_member_is_suppressed_as_unsubscribed(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.gone@example.com")
    set_consent(member=ana, channel="email", granted=False, source="unsubscribe")
    with at(*NOON):
        message = offer(merchant_a, ana)
        send_due_messages()

    assert state(message) == ("suppressed", "unsubscribed")
    assert smtp_server.received == []


@pytest.mark.django_db
def test_in_app_needs_no_consent_and_ignores_quiet_hours(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email_marketing=False, sms_marketing=False)
    with at(2026, 3, 10, 23, 0):
        message = offer(merchant_a, ana, channel=Channel.IN_APP)
        assert send_due_messages() == 1

    assert state(message) == ("sent", "")
    assert smtp_server.received == []


@pytest.mark.django_db
def test_transactional_mail_skips_consent_cap_and_quiet_hours(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.tx@example.com", email_marketing=False)
    with at(2026, 3, 10, 23, 30):
        for n in range(3):
            offer(merchant_a, ana, f"signin:{n}", purpose=Purpose.TRANSACTIONAL)
        assert send_due_messages() == 3

    assert len(smtp_server.to("ana.tx@example.com")) == 3


# --- Quiet hours ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quiet_hours_defer_to_the_morning(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.night@example.com")
    with at(2026, 3, 10, 22, 30):
        message = offer(merchant_a, ana)
        assert send_due_messages() == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.not_before == local(2026, 3, 11, 9, 0)
    assert events(message) == [("queued", ""), ("deferred", "quiet_hours")]
    assert smtp_server.received == []

    with at(2026, 3, 11, 8, 59):
        assert send_due_messages() == 0
    with at(2026, 3, 11, 9, 0):
        assert send_due_messages() == 1
    assert [m["To"] for m in smtp_server.received] == ["ana.night@example.com"]


@pytest.mark.django_db
def test_the_merchant_sets_its_own_quiet_hours(merchant_a, smtp_server):
    MessagingSettings.objects.create(
        merchant=merchant_a, quiet_start=time(12, 0), quiet_end=time(14, 0)
    )
    ana = subscriber(merchant_a)
    with at(*NOON):
        message = offer(merchant_a, ana)
        send_due_messages()

    message.refresh_from_db()
    assert message.not_before == local(2026, 3, 10, 14, 0)


def test_quiet_hours_across_midnight_and_daylight_saving():
    rules = Rules(tz=BUCHAREST)
    assert quiet_hours_end(rules, local(2026, 3, 10, 20, 59)) is None
    assert quiet_hours_end(rules, local(2026, 3, 10, 21, 0)) == local(2026, 3, 11, 9, 0)
    assert quiet_hours_end(rules, local(2026, 3, 11, 3, 0)) == local(2026, 3, 11, 9, 0)
    assert quiet_hours_end(rules, local(2026, 3, 11, 9, 0)) is None
    # The night the clocks go forward (29 March 2026 in Bucharest) still ends at 09:00.
    assert quiet_hours_end(rules, local(2026, 3, 28, 23, 0)) == local(2026, 3, 29, 9, 0)
    assert quiet_hours_end(Rules(quiet_start=time(0), quiet_end=time(0)), local(*NOON)) is None


def test_the_cap_frees_when_the_oldest_message_leaves_the_window():
    rules = Rules(cap_count=2, cap_days=7)
    now = local(2026, 3, 10, 12, 0)
    old, recent = now - timedelta(days=8), now - timedelta(days=1)
    assert cap_frees_at(rules, [old, recent], now) is None
    two_days = now - timedelta(days=2)
    assert cap_frees_at(rules, [two_days, recent], now) == two_days + timedelta(days=7)
    three = [now - timedelta(days=3), two_days, recent]
    assert cap_frees_at(rules, three, now) == two_days + timedelta(days=7)


# --- The frequency cap, priority and the window -------------------------------------------------


@pytest.mark.django_db
def test_the_cap_holds_across_campaigns_and_channels(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.cap@example.com")
    with at(2026, 3, 10, 10, 0):
        offer(merchant_a, ana, "welcome:1", channel=Channel.IN_APP)
        send_due_messages()
    with at(2026, 3, 12, 10, 0):
        offer(merchant_a, ana, "broadcast:1")
        send_due_messages()
    with at(2026, 3, 13, 10, 0):
        third = offer(merchant_a, ana, "winback:1")
        assert send_due_messages() == 0

    third.refresh_from_db()
    assert events(third) == [("queued", ""), ("deferred", "cap")]
    assert third.not_before == local(2026, 3, 17, 10, 0)  # a week after the first
    assert len(smtp_server.received) == 1

    with time_machine.travel(third.not_before + timedelta(seconds=1), tick=True):
        assert send_due_messages() == 1
    assert state(third) == ("sent", "")


@pytest.mark.django_db
def test_waiting_messages_go_by_priority_and_expire_with_their_reason(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.prio@example.com")
    with at(2026, 3, 10, 10, 0):
        offer(merchant_a, ana, "broadcast:1")
        send_due_messages()
    with at(2026, 3, 12, 10, 0):
        offer(merchant_a, ana, "broadcast:2")
        send_due_messages()
    with at(2026, 3, 13, 10, 0):
        low = offer(merchant_a, ana, "low", priority=1, expires_at=local(2026, 3, 18, 0, 0))
        high = offer(merchant_a, ana, "high", priority=5, subject="The important one")
        assert send_due_messages() == 0
    assert events(low)[-1] == events(high)[-1] == ("deferred", "cap")

    with at(2026, 3, 17, 10, 1):  # one slot is free again: the higher priority takes it
        assert send_due_messages() == 1
    assert state(high) == ("sent", "")
    assert smtp_server.received[-1]["Subject"] == "The important one"
    low.refresh_from_db()
    assert low.status == MessageStatus.QUEUED
    # The next slot (19 March) is after its window: it waits for the window to close.
    assert low.not_before == local(2026, 3, 18, 0, 0)

    with at(2026, 3, 18, 0, 1):
        assert send_due_messages() == 0
    assert state(low) == ("suppressed", "cap")
    kinds = [kind for kind, _reason in events(low)]
    assert kinds == ["queued", "deferred", "deferred", "suppressed"]
    assert len(smtp_server.received) == 3


@pytest.mark.django_db
def test_a_message_whose_window_closed_in_the_queue_is_not_sent(merchant_a, smtp_server):
    ana = subscriber(merchant_a)
    with at(*NOON):
        message = offer(merchant_a, ana, expires_at=local(2026, 3, 10, 11, 0))
        send_due_messages()

    assert state(message) == ("suppressed", "expired")
    assert smtp_server.received == []


# --- The settings page ---------------------------------------------------------------------------

SETTINGS_URL = "/portal/campaigns/settings/"


@pytest.mark.django_db
def test_a_manager_sets_the_cap_and_the_quiet_hours(manager_client, merchant_a):
    page = manager_client.get(SETTINGS_URL)
    assert page.status_code == 200
    assert b'value="21:00"' in page.content and b'value="09:00"' in page.content

    answer = manager_client.post(
        SETTINGS_URL,
        {"cap_count": "3", "cap_days": "10", "quiet_start": "22:00", "quiet_end": "08:30"},
    )

    assert answer.status_code == 302
    rules = rules_for(merchant_a)
    assert (rules.cap_count, rules.cap_days) == (3, 10)
    assert (rules.quiet_start, rules.quiet_end) == (time(22, 0), time(8, 30))
    assert AuditEvent.objects.filter(
        merchant=merchant_a, action="campaigns.messaging_settings.changed"
    ).exists()


@pytest.mark.django_db
def test_a_cap_of_zero_is_refused(manager_client, merchant_a):
    answer = manager_client.post(
        SETTINGS_URL,
        {"cap_count": "0", "cap_days": "7", "quiet_start": "21:00", "quiet_end": "09:00"},
    )
    assert answer.status_code == 400
    assert not MessagingSettings.objects.filter(merchant=merchant_a).exists()


@pytest.mark.django_db
def test_cashiers_cannot_change_messaging_settings(cashier_client):
    assert cashier_client.get(SETTINGS_URL).status_code == 403
