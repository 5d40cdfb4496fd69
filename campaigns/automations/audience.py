"""Who enters a campaign, in which group.

Each member's group is drawn from a hash of the campaign and the member, not from a random
generator: the same member always lands in the same group of a campaign (an automation that
meets them again, a retried launch), and the draw needs no stored state. The first draw puts
`holdout_percent` % of the members in the holdout; the second splits the rest among the
variants by their weights.
"""

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry, Variant
from campaigns.segments.rules import matching, segment_members
from members.models import Member

BATCH = 5000


def draw(campaign_id: int, member_id: int, salt: str) -> float:
    """A number in [0, 1) fixed by the campaign, the member and the salt."""
    digest = hashlib.sha256(f"{campaign_id}:{member_id}:{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def group_of(campaign: Campaign, member_id: int, variants: Sequence[Variant]) -> Variant | None:
    """The member's variant, or None for the holdout."""
    if not variants or draw(campaign.pk, member_id, "holdout") < campaign.holdout_percent / 100:
        return None
    total = sum(variant.weight for variant in variants)
    point = draw(campaign.pk, member_id, "variant") * total
    for variant in variants:
        point -= variant.weight
        if point < 0:
            return variant
    return variants[-1]


def audience(campaign: Campaign) -> QuerySet[Member]:
    """The campaign's members now: its segment's, or every active member."""
    if campaign.segment_id:
        return segment_members(campaign.segment)
    return matching(campaign.merchant, {})


def enter(
    campaign: Campaign,
    member_ids: Iterable[int],
    now: datetime | None = None,
    occasion: str = "",
) -> int:
    """Put members into the campaign, each once per occasion (a member already in stays where
    they are); answers how many entered now."""
    now = now or timezone.now()
    variants = list(campaign.variants.order_by("name"))
    entries = CampaignEntry.objects.filter(campaign=campaign)
    before = entries.count()
    batch: list[CampaignEntry] = []

    def flush() -> None:
        # ignore_conflicts: the unique (campaign, member, occasion) keeps the first entry.
        CampaignEntry.objects.bulk_create(batch, ignore_conflicts=True)
        batch.clear()

    for member_id in member_ids:
        batch.append(
            CampaignEntry(
                merchant_id=campaign.merchant_id,
                campaign=campaign,
                member_id=member_id,
                variant=group_of(campaign, member_id, variants),
                occasion=occasion,
                entered_at=now,
                converts_until=now + timedelta(days=campaign.conversion_days),
            )
        )
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return entries.count() - before
