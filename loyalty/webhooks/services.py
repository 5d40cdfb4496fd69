"""Write paths of webhooks: endpoints (owners), the outbox consumer, recording attempts.

Each is one transaction; the HTTP request itself is made by `loyalty.webhooks.delivery`,
outside any transaction.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.errors import Conflict, ValidationFailed
from loyalty.events import WEBHOOK_EVENT_TYPES, emit
from loyalty.languages import by_language
from loyalty.models import Event, Merchant, Role, StaffMember, User
from loyalty.models.webhooks import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from loyalty.webhooks.safety import check_url

# Retries go on for this long after the first try; an endpoint failing this long is disabled.
RETRY_WINDOW = timedelta(hours=24)
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=4)
MAX_ENDPOINTS = 20
TEST_EVENT = "webhook.test"


def _clean_events(events: list[str]) -> list[str]:
    chosen = [name for name in dict.fromkeys(events) if name]
    unknown = [name for name in chosen if name not in WEBHOOK_EVENT_TYPES]
    if unknown:
        raise ValidationFailed(
            _("Unknown event type: %(types)s.") % {"types": ", ".join(unknown)},
            code="unknown_event_type",
        )
    if not chosen:
        raise ValidationFailed(_("Choose at least one event."), code="no_events")
    return chosen


def create_endpoint(
    *, merchant: Merchant, actor: User | None, url: str, events: list[str], description: str = ""
) -> WebhookEndpoint:
    url = url.strip()
    check_url(url)  # a DNS look-up: before the transaction, not inside it
    events = _clean_events(events)
    with transaction.atomic():
        return _create_endpoint(merchant, actor, url, events, description)


def _create_endpoint(
    merchant: Merchant, actor: User | None, url: str, events: list[str], description: str
) -> WebhookEndpoint:
    if WebhookEndpoint.objects.for_merchant(merchant).count() >= MAX_ENDPOINTS:
        raise Conflict(
            _("A business may have at most %(count)d webhook endpoints.")
            % {"count": MAX_ENDPOINTS},
            code="too_many_webhooks",
        )
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant,
        url=url,
        events=events,
        description=description,
        secret=WebhookEndpoint.generate_secret(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    log_action(
        merchant=merchant,
        actor=actor,
        action="loyalty.webhook.created",
        target=endpoint,
        data={"events": events},
    )
    return endpoint


def update_endpoint(
    *,
    endpoint: WebhookEndpoint,
    actor: User,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
) -> WebhookEndpoint:
    url = url.strip()
    # A new address, or one switched back on, is checked again (a DNS look-up: before the
    # transaction, not inside it).
    if url != endpoint.url or (is_active and not endpoint.is_active):
        check_url(url)
    events = _clean_events(events)
    with transaction.atomic():
        return _update_endpoint(endpoint.pk, actor, url, events, description, is_active)


def _update_endpoint(
    pk: int, actor: User, url: str, events: list[str], description: str, is_active: bool
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=pk)
    changes = {}
    for field, value in (
        ("url", url),
        ("events", events),
        ("description", description),
        ("is_active", is_active),
    ):
        if getattr(endpoint, field) != value:
            changes[field] = value
            setattr(endpoint, field, value)
    if changes.get("is_active") is True:
        # Switched back on: the owner has looked at it; it starts with a clean record.
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.failing_since = None
    if changes:
        endpoint.save()
        log_action(
            merchant=endpoint.merchant,
            actor=actor,
            action="loyalty.webhook.updated",
            target=endpoint,
            data={"changed": sorted(changes)},
        )
    return endpoint


@transaction.atomic
def rotate_secret(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    """A new secret, effective for every delivery sent from now on (retries included)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = WebhookEndpoint.generate_secret()
    endpoint.save(update_fields=["secret"])
    log_action(
        merchant=endpoint.merchant,
        actor=actor,
        action="loyalty.webhook.secret_rotated",
        target=endpoint,
    )
    return endpoint


@transaction.atomic
def delete_endpoint(*, endpoint: WebhookEndpoint, actor: User) -> None:
    log_action(
        merchant=endpoint.merchant,
        actor=actor,
        action="loyalty.webhook.deleted",
        target=endpoint,
        data={"url": endpoint.url},
    )
    endpoint.delete()


@transaction.atomic
def resend_delivery(
    *, delivery: WebhookDelivery, actor: User, now: datetime | None = None
) -> WebhookDelivery:
    """Queue a delivery to be sent again at once, with a fresh 24 hours of retries."""
    now = now or timezone.now()
    delivery = (
        WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    )
    if not delivery.endpoint.is_active:
        raise Conflict(
            _("This endpoint is switched off; switch it on before sending again."),
            code="webhook_disabled",
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.retry_until = now + RETRY_WINDOW
    delivery.save(update_fields=["status", "next_attempt_at", "retry_until"])
    log_action(
        merchant=delivery.endpoint.merchant,
        actor=actor,
        action="loyalty.webhook.resent",
        target=delivery.endpoint,
        data={"event": delivery.event_id, "type": delivery.event_type},
    )
    return delivery


@transaction.atomic
def send_test_event(
    *, endpoint: WebhookEndpoint, actor: User, now: datetime | None = None
) -> WebhookDelivery:
    """Queue a `webhook.test` event for this endpoint only, due at once and tried once.

    The event goes through the outbox like any other (no consumer takes it), and its delivery
    is sent by the normal sender, signed with the endpoint's secret. A test is not retried: the
    owner is watching and can press the button again.
    """
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not endpoint.is_active:
        raise Conflict(
            _("This endpoint is switched off; switch it on before sending a test event."),
            code="webhook_disabled",
        )
    payload = {
        "test": True,
        "endpoint": endpoint.pk,
        "merchant": endpoint.merchant.name,
        "message": "A test event from Fidela: your receiver is connected.",
    }
    [event] = emit(endpoint.merchant_id, [(TEST_EVENT, payload)], now)
    delivery = WebhookDelivery.objects.create(
        merchant_id=endpoint.merchant_id,
        endpoint=endpoint,
        event=event,
        event_type=event.type,
        next_attempt_at=now,
        retry_until=now,
        created_at=now,
    )
    log_action(
        merchant=endpoint.merchant,
        actor=actor,
        action="loyalty.webhook.test_sent",
        target=endpoint,
        data={"event": event.pk},
    )
    return delivery


# --- The outbox consumer ---------------------------------------------------------------------


def enqueue_deliveries(event: Event) -> int:
    """Outbox consumer: one delivery per active endpoint of the merchant that wants the event.

    Runs inside the outbox's transaction. Idempotent: a delivery is unique by (endpoint, event),
    so handing the same event over twice creates nothing new.
    """
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            merchant_id=event.merchant_id, is_active=True
        )
        if endpoint.wants(event.type)
    ]
    if not endpoints:
        return 0
    now = timezone.now()
    created = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                merchant_id=event.merchant_id,
                endpoint=endpoint,
                event=event,
                event_type=event.type,
                next_attempt_at=now,
                retry_until=now + RETRY_WINDOW,
                created_at=now,
            )
            for endpoint in endpoints
        ],
        ignore_conflicts=True,
    )
    return len(created)


# --- Recording an attempt --------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4, 8 … minutes, at most 4 hours."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@transaction.atomic
def record_attempt(
    *,
    delivery: WebhookDelivery,
    ok: bool,
    response_code: int | None,
    duration_ms: int,
    error: str = "",
    now: datetime | None = None,
) -> WebhookDelivery:
    """Write down how one attempt went; schedule the next or give up; disable a dead endpoint."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = response_code
    delivery.duration_ms = duration_ms
    delivery.error = error[:300]
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        response_code=response_code,
        error=delivery.error,
        duration_ms=duration_ms,
    )
    if ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since"])
    else:
        if now >= delivery.retry_until:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            # The last retry falls on the end of the window, so no delivery gives up early.
            delivery.next_attempt_at = min(now + backoff(delivery.attempts), delivery.retry_until)
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            endpoint.save(update_fields=["failing_since"])
        elif endpoint.is_active and now - endpoint.failing_since >= RETRY_WINDOW:
            _disable(endpoint, now=now, error=delivery.error)
    delivery.save()
    return delivery


def _disable(endpoint: WebhookEndpoint, *, now: datetime, error: str) -> None:
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = (
        _("Every delivery failed for 24 hours. Last error: %(error)s") % {"error": error}
    )[:200]
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    merchant = endpoint.merchant
    log_action(
        merchant=merchant,
        actor=None,
        action="loyalty.webhook.disabled",
        target=endpoint,
        data={"failing_since": endpoint.failing_since.isoformat(), "error": error},
    )
    owners = list(
        StaffMember.objects.for_merchant(merchant)
        .filter(role=Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", "user__language")
    )
    if not owners:
        return
    context = {
        "merchant": merchant,
        "endpoint": endpoint,
        "link": settings.SITE_URL + reverse("portal:webhook", args=[endpoint.pk]),
    }
    # Each owner reads it in their own language (a worker has no request to take one from).
    for language, addresses in by_language(owners, merchant).items():
        with translation.override(language):
            subject = _("A webhook of %(merchant)s was switched off") % {"merchant": merchant.name}
            body = render_to_string("portal/webhooks/email_disabled.txt", context)
        _mail_after_commit(subject, body, addresses)


def _mail_after_commit(subject: str, body: str, addresses: list[str]) -> None:
    transaction.on_commit(
        lambda: send_mail(
            subject, body, settings.DEFAULT_FROM_EMAIL, addresses, fail_silently=False
        )
    )
