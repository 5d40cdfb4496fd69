"""Sending webhook deliveries: outside any transaction, to the address that was checked.

`send_due_deliveries` is what the django-q2 schedule runs. A delivery is claimed with a
conditional UPDATE of its `next_attempt_at` (a lease), so two workers running at once never send
the same delivery twice; a worker that dies mid-send leaves a lease that runs out, and the
delivery is tried again.
"""

import logging
import time
from datetime import datetime, timedelta

import requests
from django.utils import timezone
from requests.adapters import HTTPAdapter

from loyalty.models.webhooks import DeliveryStatus, WebhookDelivery
from loyalty.webhooks import services
from loyalty.webhooks.payloads import enriched
from loyalty.webhooks.safety import Target, UnsafeWebhookURL, check_url
from loyalty.webhooks.signing import event_body, signed_headers

logger = logging.getLogger(__name__)

# Seconds to connect and to wait for the answer: a receiver should answer at once and do its
# work later.
TIMEOUT = (3.05, 5)
# A claimed delivery is not due again for this long (longer than any one send can take).
LEASE = timedelta(minutes=5)
# One run of the schedule stops claiming new deliveries after this many seconds.
RUN_BUDGET = 60.0
BATCH = 100
# Certificates are checked against the usual public authorities (certifi); tests point this at
# their own authority.
CA_BUNDLE: str | bool = True


class _PinnedAdapter(HTTPAdapter):
    """Connects to a checked IP address while TLS still verifies the certificate of the name."""

    def __init__(self, hostname: str):
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["server_hostname"] = self._hostname
        kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def _post(target: Target, body: bytes, headers: dict[str, str]) -> requests.Response:
    address = f"[{target.address}]" if ":" in target.address else target.address
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    url = f"{target.scheme}://{address}:{target.port}{target.path}"
    with requests.Session() as session:
        session.trust_env = False  # no proxies from the environment: we checked this address
        session.mount(f"{target.scheme}://", _PinnedAdapter(target.host))
        return session.post(
            url,
            data=body,
            headers={**headers, "Host": host_header},
            timeout=TIMEOUT,
            allow_redirects=False,
            verify=CA_BUNDLE,
            stream=True,  # the answer's body is not read: only its status counts
        )


def attempt(delivery: WebhookDelivery) -> WebhookDelivery:
    """One try of one delivery, and its record. Never raises for anything the receiver does."""
    endpoint = delivery.endpoint
    event = delivery.event
    body = event_body(event, enriched(event))
    headers = signed_headers(secret=endpoint.secret, event=event, body=body, now=timezone.now())
    response_code = None
    error = ""
    started = time.perf_counter()
    try:
        target = check_url(endpoint.url)
        response = _post(target, body, headers)
        response.close()
        response_code = response.status_code
        if not 200 <= response_code < 300:
            error = f"HTTP {response_code}"
    except UnsafeWebhookURL as exc:
        error = exc.message
    except requests.Timeout:
        error = "timed out"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.perf_counter() - started) * 1000)
    ok = response_code is not None and not error
    return services.record_attempt(
        delivery=delivery,
        ok=ok,
        response_code=response_code,
        duration_ms=duration_ms,
        error=error,
    )


def claim(pk: int, due: datetime, now: datetime) -> WebhookDelivery | None:
    claimed = WebhookDelivery.objects.filter(
        pk=pk, status=DeliveryStatus.PENDING, next_attempt_at=due
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None  # another worker got there first
    return WebhookDelivery.objects.select_related("endpoint", "event").get(pk=pk)


def send_now(delivery: WebhookDelivery) -> WebhookDelivery | None:
    """Send one due delivery at once (a test event), claimed like the schedule claims it.

    Must run outside any transaction. None when a worker of the schedule got there first: it
    sends the delivery instead, the same way.
    """
    if delivery.next_attempt_at is None:
        return None
    claimed = claim(delivery.pk, delivery.next_attempt_at, timezone.now())
    if claimed is None:
        return None
    return attempt(claimed)


def send_due_deliveries(*, batch: int = BATCH, budget: float = RUN_BUDGET) -> int:
    """Send every delivery that is due, oldest first, within a time budget. Returns how many."""
    started = time.perf_counter()
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", "next_attempt_at")[:batch]
    )
    sent = 0
    for pk, when in due:
        if time.perf_counter() - started > budget:
            break
        delivery = claim(pk, when, timezone.now())
        if delivery is None:
            continue
        try:
            attempt(delivery)
        except Exception:  # one broken delivery must not stop the others; its lease runs out
            logger.exception("webhooks: delivery %s failed unexpectedly", pk)
            continue
        sent += 1
    return sent
