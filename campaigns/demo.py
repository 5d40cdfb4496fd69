"""The demo merchant's campaigns: segments, promotions and messages, seeded through the real
services (registered as demo steps in `campaigns.apps`)."""

from datetime import timedelta

from campaigns.segments.affinity import recompute_affinity
from campaigns.segments.rfm import COMPARE_DAYS, recompute_rfm
from loyalty.clock import local_today
from loyalty.models import Merchant


def seed_segments(merchant: Merchant, stdout=None) -> None:
    """RFM scores and category affinity of the demo's history (registered after the points'
    step, so the two years of purchases exist). The scores are computed as of 30 days ago
    first (that day's purchases only, as the nightly job would have then), then as of today,
    so the segments page has a month-old count to compare with."""
    today = local_today(merchant)
    recompute_rfm(merchant, today - timedelta(days=COMPARE_DAYS))
    scored = recompute_rfm(merchant, today)
    shares = recompute_affinity(merchant, today)
    if stdout is not None:
        stdout.write(
            f"  RFM segments of {scored} members, counted today and {COMPARE_DAYS} days ago, and "
            f"{shares} category shares (Portal → Campaigns → RFM segments)."
        )
