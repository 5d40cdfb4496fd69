"""Hooks the webhook deliveries onto the event outbox."""

from loyalty.events import WEBHOOK_EVENT_TYPES, register_consumer
from loyalty.webhooks.services import enqueue_deliveries


def register() -> None:
    """Called by the app's `ready()`: every event an endpoint may subscribe to gets delivered."""
    for event_type in sorted(WEBHOOK_EVENT_TYPES):
        register_consumer(event_type, enqueue_deliveries)
