"""Sending: queued once per send key, handed to a real SMTP server once, even with two workers,
a retried task or a worker that dies mid-batch; the one-click unsubscribe."""

import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from campaigns.messaging import send
from campaigns.messaging.queue import Draft, queue_many, record_holdout
from campaigns.messaging.unsubscribe import unsubscribe_target, unsubscribe_url
from campaigns.models import (
    Channel,
    Message,
    MessageEvent,
    MessageStatus,
    Purpose,
    SuppressionReason,
)
from campaigns.tasks import send_due_messages
from members import sms
from members.models import Consent
from tests.campaigns.sending_kit import (
    DyingBackend,
    WorkerDied,
    at,
    offer,
    subscriber,
)
from tests.factories import MemberFactory


def kinds(message: Message) -> list[str]:
    return list(MessageEvent.objects.filter(message=message).values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_marketing_email_arrives_with_the_one_click_unsubscribe(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.send@example.com", first_name="Ana")
    with at(2026, 3, 10, 12, 0):
        message = offer(merchant_a, ana)
        assert send_due_messages() == 1

    [mail] = smtp_server.received
    url = mail["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")
    prefix = "http://127.0.0.1:8000/m/aroma/messages/unsubscribe/"
    assert url.startswith(prefix)
    assert unsubscribe_target(merchant_a, url.removeprefix(prefix)) == (ana, "email", "broadcast:1")
    assert mail["To"] == "ana.send@example.com"
    [sender] = mail["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Aroma Café", "noreply@fidela.localhost")
    assert mail["Subject"] == "Double points this weekend"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hello Ana, double points on Saturday." in text
    assert f"Unsubscribe: {url}" in text
    assert f'<a href="{url}">Unsubscribe</a></p></body>' in html
    message.refresh_from_db()
    assert (message.status, message.to_address) == (MessageStatus.SENT, "ana.send@example.com")
    assert kinds(message) == ["queued", "sent"]


@pytest.mark.django_db
def test_a_transactional_email_carries_no_unsubscribe(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.code@example.com", email_marketing=False)
    with at(2026, 3, 10, 12, 0):
        offer(merchant_a, ana, "signin:1", purpose=Purpose.TRANSACTIONAL, subject="Your code")
        send_due_messages()

    [mail] = smtp_server.received
    assert mail["List-Unsubscribe"] is None
    assert "Unsubscribe" not in mail.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_the_same_send_key_queues_one_message(merchant_a):
    ana = subscriber(merchant_a)
    first = offer(merchant_a, ana, "welcome:1:step:1")
    again = offer(merchant_a, ana, "welcome:1:step:1", subject="Another subject")

    assert again.pk == first.pk
    assert again.subject == "Double points this weekend"
    assert Message.objects.filter(member=ana).count() == 1
    assert kinds(first) == ["queued"]


@pytest.mark.django_db
def test_another_merchants_member_is_not_queued(merchant_a, merchant_b):
    stranger = subscriber(merchant_b)

    assert offer(merchant_a, stranger) is None
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_broadcast_is_queued_in_bulk_once(merchant_a, merchant_b, django_assert_max_num_queries):
    members = MemberFactory.create_batch(1200, merchant=merchant_a, email_marketing=True)
    stranger = MemberFactory(merchant=merchant_b)
    drafts = [
        Draft(member_id=m.pk, channel=Channel.EMAIL, send_key="broadcast:7", subject="Hi")
        for m in [*members, stranger]
    ]
    with django_assert_max_num_queries(20):  # a few statements per thousand, not one per member
        assert queue_many(merchant_a, drafts) == 1200

    assert queue_many(merchant_a, drafts) == 0
    assert Message.objects.filter(send_key="broadcast:7").count() == 1200
    assert MessageEvent.objects.filter(kind="queued").count() == 1200
    assert not Message.objects.filter(member=stranger).exists()


@pytest.mark.django_db
def test_holdout_members_receive_nothing(merchant_a, smtp_server):
    treated = subscriber(merchant_a, email="treated@example.com")
    held = subscriber(merchant_a, email="held@example.com")
    draft = {"channel": Channel.EMAIL, "send_key": "broadcast:9", "subject": "Offer"}
    with at(2026, 3, 10, 12, 0):
        queue_many(merchant_a, [Draft(member_id=treated.pk, **draft)])
        assert record_holdout(merchant_a, [Draft(member_id=held.pk, **draft)]) == 1
        send_due_messages()

    assert [m["To"] for m in smtp_server.received] == ["treated@example.com"]
    message = Message.objects.get(member=held)
    assert (message.status, message.reason) == (MessageStatus.SUPPRESSED, "holdout")
    assert list(message.events.values_list("kind", "reason")) == [("suppressed", "holdout")]


@pytest.mark.django_db
def test_sms_goes_through_the_sms_backend(merchant_a, settings):
    settings.SMS_BACKEND = "members.sms.LocmemBackend"
    sms.outbox.clear()
    ana = subscriber(merchant_a, phone="+40721000111")
    with at(2026, 3, 10, 12, 0):
        offer(merchant_a, ana, channel=Channel.SMS, body_text="Double points on Saturday")
        send_due_messages()

    assert sms.outbox == [sms.SmsMessage(to="+40721000111", body="Double points on Saturday")]


def _audience(merchant, count: int) -> list[int]:
    members = MemberFactory.create_batch(count, merchant=merchant, email_marketing=True)
    drafts = [
        Draft(member_id=m.pk, channel=Channel.EMAIL, send_key="broadcast:2", subject="Hi")
        for m in members
    ]
    queue_many(merchant, drafts)
    return sorted(Message.objects.values_list("pk", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_message_once(merchant_a, smtp_server):
    with at(2026, 3, 10, 12, 0):
        ids = _audience(merchant_a, 300)
        barrier = threading.Barrier(2)
        counts = []

        def worker() -> None:
            try:
                connection.ensure_connection()
                barrier.wait(timeout=30)
                counts.append(send.send_due_messages(batch=25))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert sorted(smtp_server.ids()) == ids  # every message once, none twice
    assert sum(counts) == 300
    assert all(count > 0 for count in counts), counts  # both workers took part
    assert MessageEvent.objects.filter(kind="sent").count() == 300
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 300


@pytest.mark.django_db
def test_a_retried_task_sends_nothing_twice(merchant_a, smtp_server):
    with at(2026, 3, 10, 12, 0):
        ids = _audience(merchant_a, 30)
        assert send_due_messages() == 30
        assert send_due_messages() == 0

    assert smtp_server.ids() == ids


@pytest.mark.django_db
def test_a_refused_message_does_not_stop_the_batch(merchant_a, smtp_server):
    smtp_server.answers = {3: "451 4.3.0 Try again later", 5: "554 5.6.0 Content refused"}
    with at(2026, 3, 10, 12, 0):
        ids = _audience(merchant_a, 8)
        assert send_due_messages() == 6
    assert smtp_server.ids() == [ids[i] for i in (0, 1, 2, 4, 6, 7)]
    later = Message.objects.get(pk=ids[3])
    assert later.status == MessageStatus.QUEUED and later.not_before is not None
    refused = Message.objects.get(pk=ids[5])
    assert refused.status == MessageStatus.FAILED
    assert refused.events.get(kind="failed").detail.startswith("554 5.6.0")

    with time_machine.travel(later.not_before, tick=True):
        assert send_due_messages() == 1
    assert sorted(smtp_server.ids()) == sorted([*ids[:5], *ids[6:]])


@pytest.mark.django_db
def test_a_refused_recipient_bounces_and_is_never_tried_again(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="gone@example.com")
    smtp_server.refuse["gone@example.com"] = "550 5.1.1 No such user"
    with at(2026, 3, 10, 12, 0):
        first = offer(merchant_a, ana, "broadcast:1")
        send_due_messages()
        second = offer(merchant_a, ana, "broadcast:2")
        send_due_messages()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.reason) == (MessageStatus.FAILED, SuppressionReason.BOUNCED)
    assert kinds(first) == ["queued", "bounced"]
    assert (second.status, second.reason) == (MessageStatus.SUPPRESSED, "bounced")
    assert smtp_server.received == []


@pytest.mark.django_db
def test_a_lost_connection_mid_batch_resumes_with_the_rest(merchant_a, smtp_server):
    smtp_server.drop_at = {4}
    with at(2026, 3, 10, 12, 0):
        ids = _audience(merchant_a, 10)
        assert send_due_messages() == 4
        assert smtp_server.ids() == ids[:4]
        in_flight = Message.objects.get(pk=ids[4])
        # The server might have taken it before the connection went: at most once.
        assert (in_flight.status, in_flight.reason) == ("failed", "interrupted")
        assert send_due_messages() == 5

    assert smtp_server.ids() == [*ids[:4], *ids[5:]]


@pytest.mark.django_db
def test_a_worker_that_dies_mid_batch_is_resumed_without_sending_twice(
    merchant_a, smtp_server, settings
):
    # It dies after the server took message 13; 1-10 were recorded as sent (one group).
    DyingBackend.die_after, DyingBackend.handed = 13, 0
    group = send.SENT_GROUP
    with at(2026, 3, 10, 12, 0) as clock:
        ids = _audience(merchant_a, 30)
        smtp_backend = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = "tests.campaigns.sending_kit.DyingBackend"
        with pytest.raises(WorkerDied):
            send_due_messages()
        settings.EMAIL_BACKEND = smtp_backend
        assert smtp_server.ids() == ids[:13]
        assert Message.objects.filter(status=MessageStatus.SENT).count() == group
        # Within the lease, a retried task leaves the dead worker's claim alone.
        assert send_due_messages() == 0

        clock.shift(send.LEASE.total_seconds() + 1)
        assert send_due_messages() == 30 - 2 * group

    # What the server may have taken (the next group) is never sent again; the rest is.
    assert smtp_server.ids() == [*ids[:13], *ids[2 * group :]]
    interrupted = Message.objects.filter(reason="interrupted").order_by("pk")
    assert list(interrupted.values_list("pk", flat=True)) == ids[group : 2 * group]
    assert {m.status for m in interrupted} == {MessageStatus.FAILED}


@pytest.mark.django_db
def test_one_click_unsubscribe_without_a_session(merchant_a, smtp_server):
    ana = subscriber(merchant_a, email="ana.stop@example.com")
    with at(2026, 3, 10, 12, 0):
        message = offer(merchant_a, ana, "broadcast:1")
        send_due_messages()
        url = smtp_server.received[0]["List-Unsubscribe"].strip().strip("<>")
        path = url.removeprefix("http://127.0.0.1:8000")

        browser = Client(enforce_csrf_checks=True)
        page = browser.get(path)
        assert page.status_code == 200 and b"Stop Email offers from Aroma" in page.content
        ana.refresh_from_db()
        assert ana.email_marketing  # looking is not unsubscribing

        answer = Client(enforce_csrf_checks=True).post(
            path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert answer.status_code == 200
        ana.refresh_from_db()
        assert not ana.email_marketing
        assert Consent.objects.filter(member=ana, source="unsubscribe", granted=False).count() == 1
        assert kinds(message) == ["queued", "sent", "unsubscribed"]

        following = offer(merchant_a, ana, "broadcast:2")
        send_due_messages()

    following.refresh_from_db()
    assert (following.status, following.reason) == ("suppressed", "unsubscribed")
    assert len(smtp_server.received) == 1


@pytest.mark.django_db
def test_a_forged_or_foreign_unsubscribe_link_is_a_404(merchant_a, merchant_b):
    ana = subscriber(merchant_a)
    url = unsubscribe_url(merchant_a, ana.pk, Channel.EMAIL, "broadcast:1")
    path = url.removeprefix("http://127.0.0.1:8000")

    assert Client().post(path[:-3] + "xyz").status_code == 404
    assert Client().post(path.replace("/m/aroma/", f"/m/{merchant_b.slug}/")).status_code == 404
    ana.refresh_from_db()
    assert ana.email_marketing
