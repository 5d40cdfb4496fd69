"""Portal pages of webhooks (owners only): endpoints, their secret, the delivery log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from loyalty.tenancy.permissions import staff_required
from loyalty.webhooks import delivery as sender
from loyalty.webhooks import services
from loyalty.webhooks.forms import EndpointEditForm, EndpointForm
from loyalty.webhooks.safety import UnsafeWebhookURL
from loyalty.webhooks.signing import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    VERIFY_SNIPPET,
)

LOG_PAGE_SIZE = 50


def _endpoint(request: HttpRequest, webhook_id: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.for_merchant(request.merchant), pk=webhook_id)


def _error_field(exc: DomainError) -> str | None:
    if isinstance(exc, UnsafeWebhookURL):
        return "url"
    if exc.code in ("no_events", "unknown_event_type"):
        return "events"
    return None


def _no_store(response: HttpResponse) -> HttpResponse:
    # The pages show the signing secret: it must not linger in any cache.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@staff_required(Role.OWNER)
def webhooks(request: HttpRequest) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.for_merchant(request.merchant)
    context = {
        "endpoints": endpoints,
        "nav": "webhooks",
        "snippet": VERIFY_SNIPPET,
        "headers": {
            "signature": SIGNATURE_HEADER,
            "timestamp": TIMESTAMP_HEADER,
            "event_id": EVENT_ID_HEADER,
            "event_type": EVENT_TYPE_HEADER,
        },
    }
    return render(request, "portal/webhooks/list.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def webhook_new(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.create_endpoint(
                merchant=request.merchant, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(_error_field(exc), exc.message)
        else:
            messages.success(
                request, _("Endpoint added. Copy its signing secret to your receiver.")
            )
            return redirect("portal:webhook", endpoint.pk)
    return render(request, "portal/webhooks/form.html", {"form": form, "nav": "webhooks"})


@require_GET
@staff_required(Role.OWNER)
def webhook(request: HttpRequest, webhook_id: int) -> HttpResponse:
    endpoint = _endpoint(request, webhook_id)
    deliveries = (
        WebhookDelivery.objects.for_merchant(request.merchant)
        .filter(endpoint=endpoint)
        .order_by("-created_at", "-id")
        .prefetch_related(
            Prefetch(
                "attempt_log", queryset=WebhookAttempt.objects.order_by("-attempted_at", "-id")
            )
        )
    )
    page = Paginator(deliveries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "page": page,
        "nav": "webhooks",
        "snippet": VERIFY_SNIPPET,
        "signature_header": SIGNATURE_HEADER,
    }
    template = "portal/webhooks/detail.html"
    if request.htmx:
        template += "#log"
    return _no_store(render(request, template, context))


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def webhook_edit(request: HttpRequest, webhook_id: int) -> HttpResponse:
    endpoint = _endpoint(request, webhook_id)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
    }
    form = EndpointEditForm(request.POST or None, initial=initial, endpoint=endpoint)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(endpoint=endpoint, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(_error_field(exc), exc.message)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("portal:webhook", endpoint.pk)
    context = {"form": form, "endpoint": endpoint, "nav": "webhooks"}
    return render(request, "portal/webhooks/form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def webhook_rotate(request: HttpRequest, webhook_id: int) -> HttpResponse:
    endpoint = _endpoint(request, webhook_id)
    if request.method == "POST":
        services.rotate_secret(endpoint=endpoint, actor=request.user)
        messages.success(request, _("New secret made. Deliveries are signed with it from now on."))
        return redirect("portal:webhook", endpoint.pk)
    return render(request, "portal/webhooks/rotate.html", {"endpoint": endpoint, "nav": "webhooks"})


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    endpoint = _endpoint(request, webhook_id)
    if request.method == "POST":
        services.delete_endpoint(endpoint=endpoint, actor=request.user)
        messages.success(request, _("Endpoint %(url)s deleted.") % {"url": endpoint.url})
        return redirect("portal:webhooks")
    return render(request, "portal/webhooks/delete.html", {"endpoint": endpoint, "nav": "webhooks"})


@require_POST
@staff_required(Role.OWNER)
def webhook_test(request: HttpRequest, webhook_id: int) -> HttpResponse:
    """Send a `webhook.test` event to this endpoint only, at once, and say how it went."""
    endpoint = _endpoint(request, webhook_id)
    try:
        delivery = services.send_test_event(endpoint=endpoint, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:webhook", endpoint.pk)
    # The request is made here, after the commit, outside any transaction (the schedule would
    # send it within a minute otherwise).
    sent = sender.send_now(delivery)
    if sent is None:
        messages.success(request, _("Test event sent; its result appears in the log below."))
    elif sent.status == DeliveryStatus.SUCCEEDED:
        messages.success(
            request,
            _("Test event sent: your receiver answered %(code)s.") % {"code": sent.response_code},
        )
    else:
        messages.error(
            request, _("Test event sent, but it failed: %(error)s") % {"error": sent.error}
        )
    return redirect(f"{reverse('portal:webhook', args=[endpoint.pk])}#delivery-log")


@require_POST
@staff_required(Role.OWNER)
def delivery_resend(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(
        WebhookDelivery.objects.for_merchant(request.merchant).select_related("endpoint"),
        pk=delivery_id,
    )
    try:
        services.resend_delivery(delivery=delivery, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Event %(event)s will be sent again within a minute.") % {"event": delivery.event_id},
        )
    return redirect("portal:webhook", delivery.endpoint_id)
