"""The campaigns app's background jobs (django-q2 runs them by their dotted path)."""

from campaigns.automations.recap_mail import send_all_recaps
from campaigns.automations.triggers import enter_scheduled_everywhere


def enter_scheduled_automations() -> int:
    """Nightly: members whose lapse, birthday, anniversary or risk starts an automation."""
    return enter_scheduled_everywhere()


def send_monthly_recaps() -> int:
    """Daily: on each merchant's first day of a month, last month's recap to its owners."""
    return send_all_recaps()
