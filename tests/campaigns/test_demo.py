"""The demo's campaigns: sent through the real pipeline (the tests' email backend), with a
finished broadcast whose results come from the demo's purchases."""

import pytest
from django.core import mail

from campaigns.automations.results import results
from campaigns.models import (
    Campaign,
    CampaignStatus,
    CategoryAffinity,
    Message,
    MessageStatus,
    Promotion,
)
from loyalty.demo.seed import seed_demo
from tests.loyalty.points.helpers import assert_reconciled

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 160)
    merchant, created = seed_demo()
    assert created
    return merchant


def test_the_demo_runs_campaigns_through_the_pipeline(demo):
    campaigns = {c.name: c for c in Campaign.objects.for_merchant(demo)}

    assert set(campaigns) == {"Welcome series", "Happy birthday", "We miss you", "Autumn tasting"}
    assert campaigns["Welcome series"].status == CampaignStatus.RUNNING
    broadcast = campaigns["Autumn tasting"]
    assert broadcast.status == CampaignStatus.FINISHED
    answer = results(broadcast)
    assert [group.name for group in answer.variants] == ["A", "B"]
    assert answer.holdout.members > 0 and answer.treated.members > answer.holdout.members
    assert answer.treated.delivered > 0 and answer.holdout.delivered == 0
    assert answer.treated.converted > 0
    sent = Message.objects.for_merchant(demo).filter(status=MessageStatus.SENT)
    assert sent.filter(source_id=broadcast.pk).exists()
    assert len(mail.outbox) >= sent.filter(channel="email").count() > 0
    assert Promotion.objects.for_merchant(demo).filter(name="Double points weekend").exists()
    # The sales carry line items: members have a favourite category.
    categories = set(CategoryAffinity.objects.for_merchant(demo).values_list("category", flat=True))
    assert {"coffee", "pastries"} <= categories
    assert_reconciled(demo)
