"""Running a campaign: each entry's due steps once (messages queued and rendered for the
member, bonus points with their ledger reference), held-out members recorded and never sent
to, and the emails arriving at a real SMTP server through the sending pipeline."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from campaigns.automations.audience import enter
from campaigns.automations.runner import run_campaigns, run_due_steps
from campaigns.automations.services import VariantSpec, create_campaign, launch
from campaigns.messaging.send import send_due_messages
from campaigns.models import (
    ActionKind,
    CampaignEntry,
    CampaignKind,
    Channel,
    Message,
    MessageStatus,
    Step,
    SuppressionReason,
    Trigger,
)
from loyalty.models.points import PointsEntry
from rewards.models import Reward, Voucher
from tests.campaigns.sending_kit import at, subscriber

pytestmark = pytest.mark.django_db

SPECS = [
    VariantSpec("A", Channel.EMAIL, "Autumn tasting, {{ first_name }}", "Come taste the beans."),
    VariantSpec(
        "B", Channel.EMAIL, "50 points for you", "Come taste: {{ points }} now.", bonus_points=50
    ),
]


@pytest.fixture
def broadcast(merchant_a):
    members = [
        subscriber(merchant_a, first_name=f"Reader{n}", email=f"reader{n}@example.com")
        for n in range(40)
    ]
    with at(2026, 3, 2, 10, 0):
        campaign = create_campaign(
            merchant=merchant_a,
            actor=None,
            name="Autumn",
            kind=CampaignKind.BROADCAST,
            variants=SPECS,
            holdout_percent=20,
        )
        launch(campaign=campaign, actor=None)
    return campaign, members


def test_every_treated_member_gets_their_variant_once_and_the_holdout_nothing(broadcast):
    campaign, members = broadcast
    with at(2026, 3, 2, 10, 1):
        run_due_steps(campaign)
        run_due_steps(campaign)  # again: nothing twice

    entries = CampaignEntry.objects.filter(campaign=campaign).select_related("variant")
    held = {e.member_id for e in entries if e.variant_id is None}
    in_b = {e.member_id for e in entries if e.variant and e.variant.name == "B"}
    messages = Message.objects.filter(source_type="campaign", source_id=campaign.pk)
    queued = messages.filter(status=MessageStatus.QUEUED)
    assert held and in_b
    assert set(queued.values_list("member_id", flat=True)) == {m.pk for m in members} - held
    assert queued.count() == len(members) - len(held)
    suppressed = messages.filter(status=MessageStatus.SUPPRESSED)
    assert set(suppressed.values_list("member_id", flat=True)) == held
    assert set(suppressed.values_list("reason", flat=True)) == {SuppressionReason.HOLDOUT}
    bonus = PointsEntry.objects.filter(reference__startswith=f"campaign:{campaign.pk}:")
    assert set(bonus.values_list("member_id", flat=True)) == in_b
    assert set(bonus.values_list("points", flat=True)) == {50}
    first = queued.filter(variant="A").order_by("pk").first()
    assert first.subject == f"Autumn tasting, {first.member.first_name}"
    assert "Come taste the beans." in first.body_text and "<html" in first.body_html


def test_the_messages_arrive_at_the_smtp_server_and_never_for_the_holdout(broadcast, smtp_server):
    campaign, members = broadcast
    with at(2026, 3, 2, 10, 1):
        run_campaigns()
        send_due_messages()

    held = set(
        CampaignEntry.objects.filter(campaign=campaign, variant__isnull=True).values_list(
            "member__email", flat=True
        )
    )
    arrived = {message["To"] for message in smtp_server.received}
    assert arrived == {m.email for m in members} - held
    one = smtp_server.received[0]
    assert one["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_welcome_series_goes_step_by_step(merchant_a):
    ana = subscriber(merchant_a, first_name="Ana", email="ana@example.com")
    with at(2026, 3, 2, 10, 0):
        welcome = create_campaign(
            merchant=merchant_a,
            actor=None,
            name="Welcome",
            kind=CampaignKind.AUTOMATION,
            trigger=Trigger.JOINED,
            variants=[SPECS[0]],
            holdout_percent=0,
        )
        Step.objects.create(
            merchant=merchant_a,
            variant=welcome.variants.get(),
            position=2,
            delay_days=3,
            action=ActionKind.BONUS_POINTS,
            bonus_points=25,
        )
        launch(campaign=welcome, actor=None)
        enter(welcome, [ana.pk])
        run_due_steps(welcome)
    entry = CampaignEntry.objects.get(campaign=welcome)
    assert entry.steps_done == 1
    assert not PointsEntry.objects.filter(member=ana, reference__startswith="campaign:").exists()

    with at(2026, 3, 5, 10, 30):
        run_due_steps(welcome)

    entry.refresh_from_db()
    assert entry.steps_done == 2
    assert PointsEntry.objects.get(member=ana, reference__startswith="campaign:").points == 25


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers need PostgreSQL")
def test_two_workers_running_at_once_do_each_step_once(merchant_a):
    members = [subscriber(merchant_a, email=f"w{n}@example.com") for n in range(60)]
    campaign = create_campaign(
        merchant=merchant_a,
        actor=None,
        name="Race",
        kind=CampaignKind.BROADCAST,
        variants=[SPECS[1]],
        holdout_percent=0,
    )
    launch(campaign=campaign, actor=None)
    campaign.refresh_from_db()
    later = campaign.launched_at + timedelta(minutes=1)
    errors = []

    def work():
        try:
            run_due_steps(campaign, later)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert Message.objects.filter(source_id=campaign.pk).count() == len(members)
    bonus = PointsEntry.objects.filter(reference__startswith=f"campaign:{campaign.pk}:")
    assert bonus.count() == len(members)


def test_a_voucher_step_gives_each_member_one_voucher(merchant_a):
    coffee = Reward.objects.for_merchant(merchant_a).live().order_by("points_cost").first()
    members = [subscriber(merchant_a, email=f"v{n}@example.com") for n in range(5)]
    spec = VariantSpec("A", Channel.EMAIL, "For you", "A coffee on us.", reward=coffee)
    campaign = create_campaign(
        merchant=merchant_a,
        actor=None,
        name="Coffee",
        kind=CampaignKind.BROADCAST,
        variants=[spec],
        holdout_percent=0,
    )
    launch(campaign=campaign, actor=None)

    run_due_steps(campaign)
    run_due_steps(campaign)

    vouchers = Voucher.objects.for_merchant(merchant_a).filter(reward=coffee)
    assert sorted(vouchers.values_list("member_id", flat=True)) == sorted(m.pk for m in members)
    assert set(
        CampaignEntry.objects.filter(campaign=campaign).values_list("steps_done", flat=True)
    ) == {2}
