"""The campaigns app's background jobs (django-q2 runs them by their dotted path)."""

from campaigns.segments.affinity import recompute_affinity
from campaigns.segments.rfm import recompute_rfm
from loyalty.models import Merchant


def recompute_segments() -> int:
    """Nightly: every merchant's RFM scores, segment counts and category affinity, as of its
    own today, each merchant in its own transactions. Returns the members scored."""
    scored = 0
    for merchant in Merchant.objects.order_by("pk"):
        scored += recompute_rfm(merchant)
        recompute_affinity(merchant)
    return scored
