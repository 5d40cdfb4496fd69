"""Webhooks in the portal: the endpoint form's errors at once, the test event, every try in
the log, and payloads a receiving system can use. A real receiver on 127.0.0.1 answers."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty.models import AuditEvent, Event, WebhookAttempt
from loyalty.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from loyalty.tasks import drain_outbox
from loyalty.webhooks import services
from loyalty.webhooks.delivery import send_due_deliveries
from loyalty.webhooks.signing import VERIFY_SNIPPET
from members.services.enrolment import enrol_member
from rewards.models import RewardKind, VoucherSource
from rewards.services import issue_voucher


def _verify(secret: str, body: bytes, signature: str) -> bool:
    namespace: dict = {}
    exec(VERIFY_SNIPPET, namespace)
    return namespace["verify_fidela_webhook"](secret, body, signature)


# --- 1. The form reports all its errors in one round -------------------------------------------


def test_an_unsafe_url_and_no_event_are_both_reported_at_once(owner_client, merchant_a):
    answer = owner_client.post("/portal/webhooks/new/", {"url": "https://10.0.0.1/hook"})

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "private or local address" in html
    assert "This field is required." in html
    form = answer.context["form"]
    assert set(form.errors) == {"url", "events"}
    assert not WebhookEndpoint.objects.for_merchant(merchant_a).exists()


def test_the_edit_form_reports_an_unsafe_url_and_no_event_at_once(owner_client, endpoint_a):
    answer = owner_client.post(
        f"/portal/webhooks/{endpoint_a.pk}/edit/", {"url": "http://10.1.2.3/", "is_active": "on"}
    )

    assert answer.status_code == 200
    assert set(answer.context["form"].errors) == {"url", "events"}
    endpoint_a.refresh_from_db()
    assert endpoint_a.url.startswith("http://127.0.0.1:")


def test_an_unchanged_address_is_not_checked_again_on_edit(owner_client, endpoint_a, settings):
    # The receiver's loopback address is allowed only in development: saved then, it stays.
    settings.WEBHOOKS_ALLOW_INSECURE = False
    answer = owner_client.post(
        f"/portal/webhooks/{endpoint_a.pk}/edit/",
        {"url": endpoint_a.url, "events": ["tier.changed"], "is_active": "on"},
    )

    assert answer.status_code == 302
    endpoint_a.refresh_from_db()
    assert endpoint_a.events == ["tier.changed"]


# --- 2. Send a test event ----------------------------------------------------------------------


def test_the_test_event_reaches_the_receiver_signed_and_is_logged(
    owner_client, merchant_a, endpoint_a, receiver
):
    answer = owner_client.post(f"/portal/webhooks/{endpoint_a.pk}/test/", follow=True)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Test event sent: your receiver answered 204." in html
    assert "webhook.test" in html
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "webhook.test"
    assert body["data"]["test"] is True
    assert body["data"]["endpoint"] == endpoint_a.pk
    assert request.headers["Fidela-Event-Type"] == "webhook.test"
    assert _verify(endpoint_a.secret, request.body, request.headers["Fidela-Signature"])
    delivery = WebhookDelivery.objects.for_merchant(merchant_a).get(event_type="webhook.test")
    assert delivery.status == DeliveryStatus.SUCCEEDED
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.response_code == 204
    assert attempt.error == ""
    assert (
        AuditEvent.objects.for_merchant(merchant_a)
        .filter(action="loyalty.webhook.test_sent", target_id=str(endpoint_a.pk))
        .exists()
    )
    # Through the outbox like any event: drained, it goes to no other endpoint.
    assert drain_outbox() >= 1
    assert Event.objects.get(pk=body["id"]).processed_at is not None
    assert send_due_deliveries() == 0
    assert len(receiver.requests) == 1


def test_the_test_event_goes_to_that_endpoint_only(
    owner_client, merchant_a, owner_a, endpoint_a, receiver
):
    other = services.create_endpoint(
        merchant=merchant_a, actor=owner_a, url=receiver.url + "/other", events=["member.joined"]
    )

    owner_client.post(f"/portal/webhooks/{endpoint_a.pk}/test/")
    drain_outbox()
    send_due_deliveries()

    assert [r.path for r in receiver.requests] == ["/hooks/fidela"]
    assert not WebhookDelivery.objects.filter(endpoint=other).exists()


def test_a_failing_test_event_says_so_and_is_not_retried(
    clock, owner_client, merchant_a, endpoint_a, receiver
):
    receiver.statuses = [500]

    answer = owner_client.post(f"/portal/webhooks/{endpoint_a.pk}/test/", follow=True)

    assert "Test event sent, but it failed: HTTP 500" in answer.content.decode()
    delivery = WebhookDelivery.objects.for_merchant(merchant_a).get(event_type="webhook.test")
    assert delivery.status == DeliveryStatus.FAILED
    clock.shift(timedelta(hours=1))
    assert send_due_deliveries() == 0
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1


def test_a_switched_off_endpoint_sends_no_test_event(owner_client, endpoint_a, receiver):
    WebhookEndpoint.objects.filter(pk=endpoint_a.pk).update(is_active=False)

    answer = owner_client.post(f"/portal/webhooks/{endpoint_a.pk}/test/", follow=True)

    assert "switch it on before sending a test event" in answer.content.decode()
    assert receiver.requests == []


def test_the_test_event_needs_a_post(owner_client, endpoint_a, receiver):
    assert owner_client.get(f"/portal/webhooks/{endpoint_a.pk}/test/").status_code == 405
    assert receiver.requests == []


def test_another_merchants_owner_cannot_send_a_test_event(
    outsider_client, manager_client, endpoint_a, receiver
):
    assert outsider_client.post(f"/portal/webhooks/{endpoint_a.pk}/test/").status_code == 404
    assert manager_client.post(f"/portal/webhooks/{endpoint_a.pk}/test/").status_code == 403
    assert receiver.requests == []
    assert not WebhookDelivery.objects.filter(event_type="webhook.test").exists()


# --- 3. Every try in the log --------------------------------------------------------------------


def test_each_retry_is_its_own_attempt_row_and_all_are_listed(
    clock, owner_client, merchant_a, shop_a, endpoint_a, receiver
):
    receiver.statuses = [500, 503, 200]
    enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    drain_outbox()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)
    for _try in range(3):
        assert send_due_deliveries() == 1
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            clock.shift(delivery.next_attempt_at - delivery.last_attempt_at)

    attempts = list(WebhookAttempt.objects.filter(delivery=delivery))
    assert [a.response_code for a in attempts] == [500, 503, 200]
    assert [a.error for a in attempts] == ["HTTP 500", "HTTP 503", ""]
    assert attempts[0].attempted_at < attempts[1].attempted_at < attempts[2].attempted_at
    assert all(a.duration_ms >= 0 for a in attempts)
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.status == DeliveryStatus.SUCCEEDED
    html = owner_client.get(f"/portal/webhooks/{endpoint_a.pk}/").content.decode()
    assert "HTTP 500" in html and "HTTP 503" in html
    assert html.count('class="webhook-attempt-list"') == 1


def test_an_attempt_is_append_only(merchant_a, shop_a, endpoint_a, receiver):
    enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    drain_outbox()
    send_due_deliveries()
    attempt = WebhookAttempt.objects.get()

    attempt.error = "rewritten"
    with pytest.raises(ValueError):
        attempt.save()


# --- 4. Payloads a receiver can use ------------------------------------------------------------


def _bodies(receiver) -> dict[str, dict]:
    return {json.loads(r.body)["type"]: json.loads(r.body)["data"] for r in receiver.requests}


def test_sale_and_refund_payloads_carry_card_receipt_amounts_and_names(
    merchant_a, owner_a, shop_a, receiver, insecure
):
    services.create_endpoint(
        merchant=merchant_a,
        actor=owner_a,
        url=receiver.url,
        events=["purchase.recorded", "tier.changed"],
    )
    member = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    sale = record_purchase(
        shop=shop_a, member=member, external_id="TILL1-000123", amount=Decimal("1000.00")
    ).purchase
    refund_purchase(purchase=sale, external_id="TILL1-R-1", amount=Decimal("4.50"))
    drain_outbox()
    send_due_deliveries()

    data = _bodies(receiver)
    member.refresh_from_db()
    purchase = data["purchase.recorded"]
    # The keys a receiver read before are all still there, unchanged.
    assert purchase["purchase"] == sale.pk
    assert purchase["member"] == member.pk
    assert purchase["shop"] == shop_a.pk
    assert purchase["amount"] == "1000.00"
    # And what it can use without Fidela's ids.
    assert purchase["card_number"] == member.card_number
    assert purchase["receipt_number"] == "TILL1-000123"
    assert purchase["purchase_amount"] == "1000.00"
    assert purchase["shop_name"] == "Old Town"
    assert purchase["currency"] == sale.currency
    tier = data["tier.changed"]
    assert tier["to"] == tier["tier_name"] == member.tier.name
    assert tier["card_number"] == member.card_number
    assert tier["receipt_number"] == "TILL1-000123"


def test_refund_points_and_voucher_payloads(merchant_a, owner_a, shop_a, receiver, insecure):
    from loyalty.events import WEBHOOK_EVENT_TYPES

    events = ["voucher.issued"]
    assert "purchase.refunded" not in WEBHOOK_EVENT_TYPES  # not offered, enriched all the same
    services.create_endpoint(merchant=merchant_a, actor=owner_a, url=receiver.url, events=events)
    member = enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    reward = merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)
    issue_voucher(merchant=merchant_a, reward=reward, source=VoucherSource.MANUAL, member=member)
    sale = record_purchase(
        shop=shop_a, member=member, external_id="S-9", amount=Decimal("20.00")
    ).purchase
    refund_purchase(purchase=sale, external_id="R-9", amount=Decimal("4.50"))
    drain_outbox()
    send_due_deliveries()

    voucher = _bodies(receiver)["voucher.issued"]
    assert voucher["reward"] == reward.pk
    assert voucher["reward_name"] == reward.name
    assert voucher["card_number"] == member.card_number

    from loyalty.webhooks.payloads import enriched

    refunded = enriched(Event.objects.get(type="purchase.refunded"))
    assert refunded["refund_receipt_number"] == "R-9"
    assert refunded["refund_amount"] == "4.50"
    assert refunded["receipt_number"] == "S-9"
    assert refunded["amount"] == "4.50"
    assert refunded["card_number"] == member.card_number
    earned = enriched(Event.objects.get(type="points.earned", payload__purchase=sale.pk))
    assert earned["card_number"] == member.card_number
    assert earned["receipt_number"] == "S-9"
    assert isinstance(earned["points"], int)


def test_enrichment_reads_the_events_merchant_only(
    merchant_a, merchant_b, shop_a, owner_a, receiver, insecure
):
    from loyalty.webhooks.payloads import enriched

    other = enrol_member(merchant=merchant_b, email="bob@example.com", shop=merchant_b.shops.get())
    [event] = Event.objects.bulk_create(
        [Event(merchant=merchant_a, type="points.earned", payload={"member": other.pk})]
    )

    assert enriched(event) == {"member": other.pk}
