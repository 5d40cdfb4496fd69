"""`membership.renewal_due` starts the campaigns' "Club membership up for renewal" automation,
once per term that ends: the reminder the issue asks for."""

from datetime import timedelta

from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry, CampaignKind, CampaignStatus, Trigger, Variant
from loyalty.tasks import drain_outbox
from rewards.engagement import club as engine
from tests.rewards.engagement.clubs import buy, make_club


def test_the_renewal_reminder_enters_the_member_once(shop_a, member_a):
    merchant = shop_a.merchant
    campaign = Campaign.objects.create(
        merchant=merchant,
        name="Renew your club",
        kind=CampaignKind.AUTOMATION,
        trigger=Trigger.CLUB_RENEWAL_DUE,
        status=CampaignStatus.RUNNING,
        launched_at=timezone.now() - timedelta(days=1),
        holdout_percent=0,
    )
    Variant.objects.create(merchant=merchant, campaign=campaign, name="A")
    club = make_club(merchant, notice_days=14)
    buy(shop_a, member_a)
    now = timezone.now()

    engine.run_club_dates(now + timedelta(days=352))
    engine.run_club_dates(now + timedelta(days=353))
    drain_outbox()
    drain_outbox()

    entry = CampaignEntry.objects.get(campaign=campaign)
    ends = member_a.club_memberships.get().ends_on
    assert (entry.member, entry.occasion) == (member_a, f"club:{club.pk}:{ends.isoformat()}")
