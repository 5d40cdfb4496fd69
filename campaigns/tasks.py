"""The campaigns app's background jobs (django-q2 runs them by their dotted path)."""

from campaigns.automations.recap_mail import send_all_recaps
from campaigns.automations.runner import run_campaigns
from campaigns.automations.triggers import enter_scheduled_everywhere
from campaigns.messaging import send
from campaigns.segments.affinity import recompute_affinity
from campaigns.segments.rfm import recompute_rfm
from loyalty.models import Merchant


def enter_scheduled_automations() -> int:
    """Nightly: members whose lapse, birthday, anniversary or risk starts an automation."""
    return enter_scheduled_everywhere()


def send_monthly_recaps() -> int:
    """Daily: on each merchant's first day of a month, last month's recap to its owners."""
    return send_all_recaps()


def recompute_segments() -> int:
    """Nightly: every merchant's RFM scores, segment counts and category affinity, as of its
    own today, each merchant in its own transactions. Returns the members scored."""
    scored = 0
    for merchant in Merchant.objects.order_by("pk"):
        scored += recompute_rfm(merchant)
        recompute_affinity(merchant)
    return scored


def send_due_messages() -> int:
    """Every minute: send the due messages (consent, cap and quiet hours checked), each once."""
    return send.send_due_messages()


def run_campaign_steps() -> int:
    """Every minute: launch the scheduled broadcasts that are due and perform the due steps of
    every running campaign (messages are queued; `send_due_messages` sends them)."""
    return run_campaigns()
