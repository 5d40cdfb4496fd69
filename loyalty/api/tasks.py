"""django-q2 entry points of the API."""

from loyalty.api import idempotency


def prune_idempotency_records() -> int:
    """Daily: forget stored answers past their 24-hour retention."""
    return idempotency.prune()
