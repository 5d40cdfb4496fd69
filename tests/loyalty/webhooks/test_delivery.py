"""Sending deliveries: a real receiver on 127.0.0.1, the outbox drained, the send task run.

`send_due_deliveries` is the function the django-q2 schedule runs; the clock is moved by hand.
"""

import json
from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.utils import timezone

from loyalty.models import AuditEvent
from loyalty.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from loyalty.points.purchases import record_purchase
from loyalty.tasks import drain_outbox
from loyalty.webhooks import services
from loyalty.webhooks.delivery import send_due_deliveries
from loyalty.webhooks.signing import VERIFY_SNIPPET
from members.services.enrolment import enrol_member


def _verify(secret: str, body: bytes, signature: str) -> bool:
    """The snippet the portal page shows, run as it stands."""
    namespace: dict = {}
    exec(VERIFY_SNIPPET, namespace)
    return namespace["verify_fidela_webhook"](secret, body, signature)


def _enrol(merchant, shop, email="ana@example.com"):
    return enrol_member(merchant=merchant, email=email, shop=shop)


def test_the_receiver_gets_each_event_once_with_a_signature_that_verifies(
    clock, merchant_a, shop_a, endpoint_a, receiver
):
    member = _enrol(merchant_a, shop_a)
    record_purchase(shop=shop_a, member=member, external_id="S-1", amount=Decimal("20.00"))
    drain_outbox()

    assert send_due_deliveries() == 2

    assert [json.loads(r.body)["type"] for r in receiver.requests] == [
        "member.joined",
        "purchase.recorded",
    ]
    for request in receiver.requests:
        body = json.loads(request.body)
        assert set(body) == {"id", "type", "created_at", "data"}
        assert request.headers["Fidela-Event-Id"] == str(body["id"])
        assert request.headers["Fidela-Event-Type"] == body["type"]
        assert request.headers["Content-Type"] == "application/json"
        assert request.path == "/hooks/fidela"
        signature = request.headers["Fidela-Signature"]
        assert signature.startswith(f"t={request.headers['Fidela-Timestamp']},v1=")
        assert _verify(endpoint_a.secret, request.body, signature)
        assert not _verify("whsec_another", request.body, signature)
        assert not _verify(endpoint_a.secret, request.body + b" ", signature)
    joined = json.loads(receiver.requests[0].body)
    assert joined["data"]["member"] == member.pk
    assert len({json.loads(r.body)["id"] for r in receiver.requests}) == 2
    deliveries = WebhookDelivery.objects.for_merchant(merchant_a)
    assert {d.status for d in deliveries} == {DeliveryStatus.SUCCEEDED}
    assert all(d.attempts == 1 and d.response_code == 204 for d in deliveries)

    # Delivered: nothing is due any more, a day later or after another drain.
    assert send_due_deliveries() == 0
    clock.shift(timedelta(hours=30))
    drain_outbox()
    assert send_due_deliveries() == 0
    assert len(receiver.requests) == 2


def test_an_old_signature_does_not_verify(clock, merchant_a, shop_a, endpoint_a, receiver):
    _enrol(merchant_a, shop_a)
    drain_outbox()
    send_due_deliveries()
    request = receiver.requests[0]

    clock.shift(timedelta(minutes=10))

    assert not _verify(endpoint_a.secret, request.body, request.headers["Fidela-Signature"])


def test_only_events_the_endpoint_chose_are_sent(clock, merchant_a, shop_a, owner_a, insecure):
    member = _enrol(merchant_a, shop_a)
    drain_outbox()
    services.create_endpoint(
        merchant=merchant_a, actor=owner_a, url="http://127.0.0.1:9/", events=["voucher.used"]
    )
    record_purchase(shop=shop_a, member=member, external_id="S-1", amount=Decimal("5"))
    drain_outbox()

    assert not WebhookDelivery.objects.for_merchant(merchant_a).exists()


def test_a_receiver_that_fails_three_times_gets_the_event_on_the_fourth_try(
    clock, merchant_a, shop_a, endpoint_a, receiver
):
    receiver.statuses = [500, 503, 429, 200]
    _enrol(merchant_a, shop_a)
    drain_outbox()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)

    waits = []
    for _try in range(3):
        assert send_due_deliveries() == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.PENDING
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        # Not yet due: nothing is sent.
        clock.shift(waits[-1] - timedelta(seconds=1))
        assert send_due_deliveries() == 0
        clock.shift(timedelta(seconds=1))
    assert send_due_deliveries() == 1

    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert len(receiver.requests) == 4
    assert len({r.headers["Fidela-Event-Id"] for r in receiver.requests}) == 1
    # Each try is signed afresh, with its own timestamp.
    stamps = [int(r.headers["Fidela-Timestamp"]) for r in receiver.requests]
    assert stamps == sorted(set(stamps))
    last = receiver.requests[-1]
    assert _verify(endpoint_a.secret, last.body, last.headers["Fidela-Signature"])
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 4
    assert delivery.response_code == 200
    assert delivery.error == ""
    endpoint_a.refresh_from_db()
    assert endpoint_a.failing_since is None


def test_a_failed_attempt_records_code_error_and_duration(
    clock, merchant_a, shop_a, endpoint_a, receiver
):
    receiver.statuses = [500]
    _enrol(merchant_a, shop_a)
    drain_outbox()
    send_due_deliveries()

    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)
    assert delivery.response_code == 500
    assert delivery.error == "HTTP 500"
    assert delivery.attempts == 1
    assert delivery.duration_ms is not None
    endpoint_a.refresh_from_db()
    assert endpoint_a.failing_since == delivery.last_attempt_at


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    clock, merchant_a, shop_a, endpoint_a, receiver
):
    receiver.statuses = [302, 200]
    _enrol(merchant_a, shop_a)
    drain_outbox()
    send_due_deliveries()

    assert [r.path for r in receiver.requests] == ["/hooks/fidela"]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.error == "HTTP 302"


def test_a_receiver_that_is_down_is_tried_again(clock, merchant_a, shop_a, owner_a, insecure):
    # Nothing listens on the discard port of the loopback address: the connection is refused.
    endpoint = services.create_endpoint(
        merchant=merchant_a, actor=owner_a, url="http://127.0.0.1:9/", events=["member.joined"]
    )
    _enrol(merchant_a, shop_a)
    drain_outbox()
    send_due_deliveries()

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_code is None
    assert "ConnectionError" in delivery.error
    assert delivery.next_attempt_at == delivery.last_attempt_at + timedelta(minutes=1)


def test_an_endpoint_failing_for_24_hours_is_disabled_and_the_owner_told(
    clock,
    merchant_a,
    shop_a,
    endpoint_a,
    receiver,
    owner_client,
    django_capture_on_commit_callbacks,
):
    receiver.statuses = [500]
    started = timezone.now()
    _enrol(merchant_a, shop_a)
    drain_outbox()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)

    with django_capture_on_commit_callbacks(execute=True):
        while True:
            send_due_deliveries()
            endpoint_a.refresh_from_db()
            delivery.refresh_from_db()
            if not endpoint_a.is_active or delivery.next_attempt_at is None:
                break
            assert not mail.outbox
            clock.move_to(delivery.next_attempt_at)

    # Retries stopped at the end of the day: the last try is the one that switched it off.
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_attempt_at - started == timedelta(hours=24)
    assert 10 <= delivery.attempts == len(receiver.requests) <= 20
    assert endpoint_a.is_active is False
    assert endpoint_a.disabled_at == delivery.last_attempt_at
    assert "HTTP 500" in endpoint_a.disabled_reason

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner.a@example.com"]
    assert "switched off" in message.subject
    assert endpoint_a.url in message.body
    assert f"/portal/webhooks/{endpoint_a.pk}/" in message.body
    audit = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.webhook.disabled")
    assert audit.actor is None
    assert audit.target_id == str(endpoint_a.pk)

    page = owner_client.get(f"/portal/webhooks/{endpoint_a.pk}/").content.decode()
    assert "deliveries to this endpoint failed for 24 hours" in page

    # A disabled endpoint gets nothing, not even new events.
    _enrol(merchant_a, shop_a, email="bo@example.com")
    drain_outbox()
    clock.shift(timedelta(hours=1))
    assert send_due_deliveries() == 0
    assert WebhookDelivery.objects.filter(endpoint=endpoint_a).count() == 1


def test_a_success_in_between_resets_the_failing_clock(
    clock, merchant_a, shop_a, endpoint_a, receiver
):
    receiver.statuses = [500, 200, 500]
    _enrol(merchant_a, shop_a)
    drain_outbox()
    send_due_deliveries()
    clock.shift(timedelta(minutes=1))
    send_due_deliveries()  # the retry succeeds
    clock.shift(timedelta(hours=23))
    _enrol(merchant_a, shop_a, email="bo@example.com")
    drain_outbox()
    send_due_deliveries()  # fails: failing since now, not since a day ago

    endpoint_a.refresh_from_db()
    assert endpoint_a.is_active
    assert endpoint_a.failing_since is not None
    assert endpoint_a.failing_since == timezone.now()


def test_send_again_delivers_a_failed_delivery(
    clock, merchant_a, shop_a, endpoint_a, receiver, owner_a
):
    receiver.statuses = [500]
    _enrol(merchant_a, shop_a)
    drain_outbox()
    send_due_deliveries()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)

    receiver.statuses = [200]
    services.resend_delivery(delivery=delivery, actor=owner_a)
    assert send_due_deliveries() == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2
    assert len(receiver.requests) == 2
    assert (
        AuditEvent.objects.for_merchant(merchant_a).filter(action="loyalty.webhook.resent").exists()
    )


def test_a_rotated_secret_signs_the_next_deliveries(
    clock, merchant_a, shop_a, endpoint_a, receiver, owner_a
):
    old_secret = endpoint_a.secret
    endpoint = services.rotate_secret(endpoint=endpoint_a, actor=owner_a)
    _enrol(merchant_a, shop_a)
    drain_outbox()
    send_due_deliveries()

    request = receiver.requests[0]
    assert endpoint.secret != old_secret
    assert endpoint.secret.startswith(WebhookEndpoint.SECRET_PREFIX)
    assert _verify(endpoint.secret, request.body, request.headers["Fidela-Signature"])
    assert not _verify(old_secret, request.body, request.headers["Fidela-Signature"])


def test_a_delivery_claimed_by_one_sender_is_not_claimed_by_another(
    clock, merchant_a, shop_a, endpoint_a, receiver
):
    from loyalty.webhooks.delivery import claim

    _enrol(merchant_a, shop_a)
    drain_outbox()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)
    due = delivery.next_attempt_at

    first = claim(delivery.pk, due, due)
    second = claim(delivery.pk, due, due)

    assert first is not None
    assert second is None
