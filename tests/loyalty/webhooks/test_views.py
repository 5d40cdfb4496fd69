"""The portal's webhook pages: owners only; another merchant's endpoints are a 404."""

import pytest

from loyalty.models import AuditEvent
from loyalty.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from loyalty.tasks import drain_outbox
from loyalty.webhooks import services
from loyalty.webhooks.delivery import send_due_deliveries
from members.services.enrolment import enrol_member


@pytest.fixture
def delivery_a(endpoint_a, merchant_a, shop_a):
    enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    drain_outbox()
    return WebhookDelivery.objects.get(endpoint=endpoint_a)


def _pages(endpoint, delivery):
    return [
        ("get", "/portal/webhooks/"),
        ("get", "/portal/webhooks/new/"),
        ("get", f"/portal/webhooks/{endpoint.pk}/"),
        ("get", f"/portal/webhooks/{endpoint.pk}/edit/"),
        ("get", f"/portal/webhooks/{endpoint.pk}/rotate/"),
        ("get", f"/portal/webhooks/{endpoint.pk}/delete/"),
        ("post", f"/portal/webhooks/{endpoint.pk}/test/"),
        ("post", f"/portal/webhooks/deliveries/{delivery.pk}/resend/"),
    ]


def test_owner_adds_an_endpoint_and_sees_its_secret(owner_client, merchant_a, receiver, insecure):
    answer = owner_client.post(
        "/portal/webhooks/new/",
        {"url": receiver.url, "description": "CRM", "events": ["member.joined", "voucher.used"]},
    )

    endpoint = WebhookEndpoint.objects.for_merchant(merchant_a).get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/portal/webhooks/{endpoint.pk}/"
    assert endpoint.events == ["member.joined", "voucher.used"]
    page = owner_client.get(answer["Location"])
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert endpoint.secret in html
    assert "def verify_fidela_webhook" in html
    assert (
        AuditEvent.objects.for_merchant(merchant_a)
        .filter(action="loyalty.webhook.created", target_id=str(endpoint.pk))
        .exists()
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/", "must start with https://"),
        ("https://10.0.0.1/hook", "private or local address"),
        ("https://localhost/hook", "private or local address"),
        ("https://169.254.169.254/", "private or local address"),
    ],
)
def test_the_form_refuses_an_unsafe_url(owner_client, merchant_a, url, message):
    answer = owner_client.post("/portal/webhooks/new/", {"url": url, "events": ["member.joined"]})

    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not WebhookEndpoint.objects.for_merchant(merchant_a).exists()


def test_the_form_needs_at_least_one_event(owner_client, merchant_a, insecure):
    answer = owner_client.post("/portal/webhooks/new/", {"url": "http://127.0.0.1:9/"})

    assert answer.status_code == 200
    assert not WebhookEndpoint.objects.for_merchant(merchant_a).exists()


def test_owner_edits_pauses_and_switches_back_on(owner_client, endpoint_a):
    url = f"/portal/webhooks/{endpoint_a.pk}/edit/"
    owner_client.post(url, {"url": endpoint_a.url, "events": ["tier.changed"]})
    endpoint_a.refresh_from_db()
    assert endpoint_a.events == ["tier.changed"]
    assert endpoint_a.is_active is False  # the box was not ticked

    owner_client.post(url, {"url": endpoint_a.url, "events": ["tier.changed"], "is_active": "on"})
    endpoint_a.refresh_from_db()
    assert endpoint_a.is_active is True


def test_owner_makes_a_new_secret(owner_client, endpoint_a, merchant_a):
    old = endpoint_a.secret

    answer = owner_client.post(f"/portal/webhooks/{endpoint_a.pk}/rotate/")

    assert answer.status_code == 302
    endpoint_a.refresh_from_db()
    assert endpoint_a.secret != old
    assert (
        AuditEvent.objects.for_merchant(merchant_a)
        .filter(action="loyalty.webhook.secret_rotated")
        .exists()
    )


def test_owner_deletes_an_endpoint(owner_client, endpoint_a, delivery_a, merchant_a):
    answer = owner_client.post(f"/portal/webhooks/{endpoint_a.pk}/delete/")

    assert answer.status_code == 302
    assert not WebhookEndpoint.objects.filter(pk=endpoint_a.pk).exists()
    assert not WebhookDelivery.objects.filter(pk=delivery_a.pk).exists()
    assert (
        AuditEvent.objects.for_merchant(merchant_a)
        .filter(action="loyalty.webhook.deleted")
        .exists()
    )


def test_the_log_shows_attempts_and_send_again_delivers(
    clock, owner_client, endpoint_a, delivery_a, receiver
):
    receiver.statuses = [500]
    send_due_deliveries()
    page = owner_client.get(f"/portal/webhooks/{endpoint_a.pk}/").content.decode()
    assert "HTTP 500" in page
    assert "Send again" in page
    assert "Deliveries have been failing since" in page

    receiver.statuses = [200]
    answer = owner_client.post(f"/portal/webhooks/deliveries/{delivery_a.pk}/resend/")
    assert answer.status_code == 302
    send_due_deliveries()

    delivery_a.refresh_from_db()
    assert delivery_a.status == DeliveryStatus.SUCCEEDED
    assert delivery_a.attempts == 2
    log = owner_client.get(f"/portal/webhooks/{endpoint_a.pk}/", headers={"HX-Request": "true"})
    html = log.content.decode()
    assert html.lstrip().startswith('<div id="log"')
    assert "Delivered" in html


def test_the_nav_shows_webhooks_to_owners_only(owner_client, manager_client):
    assert 'href="/portal/webhooks/"' in owner_client.get("/portal/").content.decode()
    assert 'href="/portal/webhooks/"' not in manager_client.get("/portal/").content.decode()


def test_a_manager_may_not_use_webhooks(manager_client, endpoint_a, delivery_a):
    for method, url in _pages(endpoint_a, delivery_a):
        assert getattr(manager_client, method)(url).status_code == 403, url


def test_a_cashier_may_not_use_webhooks(cashier_client, endpoint_a, delivery_a):
    for method, url in _pages(endpoint_a, delivery_a):
        assert getattr(cashier_client, method)(url).status_code == 403, url


def test_another_merchants_owner_gets_404(outsider_client, endpoint_a, delivery_a, merchant_a):
    secret = endpoint_a.secret
    for method, url in _pages(endpoint_a, delivery_a):
        if "/webhooks/new/" in url or url == "/portal/webhooks/":
            answer = outsider_client.get(url)
            assert answer.status_code == 200
            assert endpoint_a.url not in answer.content.decode()
            continue
        assert getattr(outsider_client, method)(url).status_code == 404, url
        if url.endswith(("/edit/", "/rotate/", "/delete/")):  # these take a POST too
            assert outsider_client.post(url).status_code == 404, url
    endpoint_a.refresh_from_db()
    assert endpoint_a.secret == secret
    delivery_a.refresh_from_db()
    assert delivery_a.status == DeliveryStatus.PENDING


def test_a_business_has_at_most_twenty_endpoints(owner_client, merchant_a, owner_a, insecure):
    for number in range(services.MAX_ENDPOINTS):
        services.create_endpoint(
            merchant=merchant_a,
            actor=owner_a,
            url=f"http://127.0.0.1:9/{number}",
            events=["member.joined"],
        )

    answer = owner_client.post(
        "/portal/webhooks/new/", {"url": "http://127.0.0.1:9/x", "events": ["member.joined"]}
    )

    assert answer.status_code == 200
    assert "at most 20 webhook endpoints" in answer.content.decode()
    assert WebhookEndpoint.objects.for_merchant(merchant_a).count() == services.MAX_ENDPOINTS
