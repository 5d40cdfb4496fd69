"""The body and the signature of a webhook delivery.

`Fidela-Signature: t=<unix seconds>,v1=<hex>` where hex is HMAC-SHA256 with the endpoint's
secret over `f"{t}.".encode() + body`: the timestamp is signed with the body, so a captured
request cannot be replayed later with a fresh timestamp.
"""

import hashlib
import hmac
import json
from datetime import datetime

from loyalty.models import Event

SIGNATURE_HEADER = "Fidela-Signature"
TIMESTAMP_HEADER = "Fidela-Timestamp"
EVENT_ID_HEADER = "Fidela-Event-Id"
EVENT_TYPE_HEADER = "Fidela-Event-Type"
USER_AGENT = "Fidela-Webhooks/1"

# Shown on the portal page and run by the tests, so the documentation cannot drift.
VERIFY_SNIPPET = '''\
import hashlib
import hmac
import time


def verify_fidela_webhook(secret: str, body: bytes, signature: str, tolerance: int = 300) -> bool:
    """True when `body` (the raw request body) was signed by Fidela with `secret`.

    `signature` is the Fidela-Signature header, "t=<timestamp>,v1=<hex>".
    """
    parts = dict(item.split("=", 1) for item in signature.split(",") if "=" in item)
    timestamp = parts.get("t", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False  # missing, or too old: possibly replayed
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))
'''


def event_body(event: Event, data: object = None) -> bytes:
    """The JSON body: `data` is the payload to send (the event's own when not given)."""
    document = {
        "id": event.pk,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": event.payload if data is None else data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def signed_headers(*, secret: str, event: Event, body: bytes, now: datetime) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: str(event.pk),
        EVENT_TYPE_HEADER: event.type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
