"""Hooks the webhook deliveries onto the event outbox."""

from loyalty.models.webhooks import WEBHOOK_EVENT_TYPES


def register() -> None:
    from loyalty.tasks import register_consumer
    from loyalty.webhooks.services import enqueue_deliveries

    for event_type in sorted(WEBHOOK_EVENT_TYPES):
        register_consumer(event_type, enqueue_deliveries)
