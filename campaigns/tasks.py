"""The campaigns app's background jobs (django-q2 runs them by their dotted path)."""

from campaigns.messaging import send


def send_due_messages() -> int:
    """Every minute: send the due messages (consent, cap and quiet hours checked), each once."""
    return send.send_due_messages()
