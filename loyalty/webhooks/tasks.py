"""django-q2 entry points for webhooks."""

from loyalty.webhooks import delivery


def send_due_deliveries() -> int:
    return delivery.send_due_deliveries()
