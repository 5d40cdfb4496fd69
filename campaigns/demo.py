"""The demo merchant's campaigns: segments, promotions and messages, seeded through the real
services (registered as demo steps in `campaigns.apps`)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from campaigns.models import Promotion, PromotionScope
from campaigns.promotions.services import save_promotion
from campaigns.segments.affinity import recompute_affinity
from campaigns.segments.rfm import COMPARE_DAYS, recompute_rfm
from loyalty.clock import local_today, midnight
from loyalty.models import Merchant


def seed_promotions(merchant: Merchant, stdout=None) -> None:
    """ "Double points weekend" over the demo's coming weekend (this one, from Saturday, if
    today is Saturday or Sunday) with a budget, and "Coffee beans week" (x3) the week after."""
    now = timezone.now()
    today = local_today(merchant, now)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:  # Sunday: the weekend under way
        saturday = today - timedelta(days=1)
    tz = merchant.tzinfo
    weekend = (midnight(saturday, tz), midnight(saturday + timedelta(days=2), tz))
    save_promotion(
        promotion=Promotion(
            merchant=merchant,
            name="Double points weekend",
            multiplier=Decimal("2"),
            starts_at=weekend[0],
            ends_at=weekend[1],
            points_budget=20000,
        ),
        actor=None,
    )
    save_promotion(
        promotion=Promotion(
            merchant=merchant,
            name="Coffee beans week",
            multiplier=Decimal("3"),
            starts_at=weekend[1],
            ends_at=weekend[1] + timedelta(days=7),
            applies_to=PromotionScope.CATEGORIES,
            categories=["coffee beans"],
        ),
        actor=None,
    )
    if stdout is not None:
        stdout.write("  promotions: a double points weekend and a coffee beans week")


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
