"""The outbox consumer: one delivery per (endpoint, event), whatever happens twice."""

from loyalty.events import CONSUMERS
from loyalty.models import Event
from loyalty.models.webhooks import WebhookDelivery
from loyalty.tasks import drain_outbox
from loyalty.webhooks import services
from members.services.enrolment import enrol_member


def _joined(merchant, shop, email="ana@example.com") -> Event:
    member = enrol_member(merchant=merchant, email=email, shop=shop)
    return Event.objects.get(merchant=merchant, type="member.joined", payload__member=member.pk)


def test_the_consumer_is_registered_for_every_webhook_event():
    for event_type in ("member.joined", "purchase.recorded", "voucher.used", "points.expiring"):
        assert services.enqueue_deliveries in CONSUMERS[event_type]


def test_draining_the_same_event_twice_creates_one_delivery(merchant_a, shop_a, endpoint_a):
    event = _joined(merchant_a, shop_a)
    drain_outbox()
    # As if the worker died after the consumer ran but before the event was marked processed.
    Event.objects.filter(pk=event.pk).update(processed_at=None)
    drain_outbox()
    services.enqueue_deliveries(event)

    assert WebhookDelivery.objects.filter(endpoint=endpoint_a, event=event).count() == 1


def test_each_active_endpoint_that_wants_the_event_gets_one_delivery(
    merchant_a, shop_a, owner_a, endpoint_a, insecure
):
    second = services.create_endpoint(
        merchant=merchant_a, actor=owner_a, url="http://127.0.0.1:9/a", events=["member.joined"]
    )
    paused = services.create_endpoint(
        merchant=merchant_a, actor=owner_a, url="http://127.0.0.1:9/b", events=["member.joined"]
    )
    services.update_endpoint(
        endpoint=paused, actor=owner_a, url=paused.url, events=paused.events, is_active=False
    )
    event = _joined(merchant_a, shop_a)
    drain_outbox()

    assert set(WebhookDelivery.objects.filter(event=event).values_list("endpoint", flat=True)) == {
        endpoint_a.pk,
        second.pk,
    }


def test_another_merchants_endpoints_get_nothing(merchant_a, shop_a, merchant_b, owner_b, insecure):
    services.create_endpoint(
        merchant=merchant_b, actor=owner_b, url="http://127.0.0.1:9/", events=["member.joined"]
    )
    _joined(merchant_a, shop_a)
    drain_outbox()

    assert not WebhookDelivery.objects.exists()
