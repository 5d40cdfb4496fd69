"""Running campaigns: every entry's due steps, exactly once, and scheduled broadcasts.

`run_due_steps(campaign)` takes, step by step, the entries whose earlier steps are done and
whose step is due (`entered_at + delay_days`), a batch at a time with `SELECT ... FOR UPDATE
SKIP LOCKED` on PostgreSQL (two workers share the work instead of doing it twice; SQLite has
one writer), performs the step for the batch and advances `steps_done` in the same
transaction. What a step writes (messages queued, ledger entries, vouchers, a member's
multiplier) commits with the advance or not at all, so a retried or duplicated run performs
nothing twice, and each write has its own key besides (the message's send key, the ledger
reference). Messages are only queued here, rendered for each member with the step's template;
the sending pipeline (`campaigns.messaging.send`) applies consent, the cap and quiet hours.

Held-out members get nothing; for the first message step of the campaign they get a message
recorded as suppressed with reason "holdout" (`queue.record_holdout`), so every suppression
has its reason and the results can count them.
"""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from campaigns.automations.services import launch
from campaigns.messaging.queue import Draft, queue_many, record_holdout
from campaigns.messaging.render import render
from campaigns.messaging.unsubscribe import unsubscribe_url
from campaigns.models import (
    ActionKind,
    Campaign,
    CampaignEntry,
    CampaignKind,
    CampaignStatus,
    Channel,
    Message,
    Purpose,
    Step,
)
from campaigns.promotions.services import start_member_multiplier
from loyalty.events import emit
from loyalty.models.points import EntryKind, PointsEntry
from loyalty.points.ledger import credit, get_program, lock_member
from members.models import Member
from rewards.models import VoucherSource
from rewards.services import issue_voucher

BATCH = 200
SOURCE_TYPE = "campaign"
HOLDOUT_DONE = 1000  # steps_done of a held-out entry once its holdout record is written


def step_key(step: Step, entry: CampaignEntry) -> str:
    """The send key and ledger reference of a step for an entry (once per occasion)."""
    return step.send_key(entry.occasion)


def _locked(entries: QuerySet[CampaignEntry]) -> QuerySet[CampaignEntry]:
    entries = entries.order_by("pk")
    if connection.vendor == "postgresql":
        return entries.select_for_update(skip_locked=True, of=("self",))
    return entries


def _due(step: Step, now: datetime) -> QuerySet[CampaignEntry]:
    return CampaignEntry.objects.filter(
        campaign_id=step.variant.campaign_id,
        variant_id=step.variant_id,
        steps_done=step.position - 1,
        entered_at__lte=now - timedelta(days=step.delay_days),
    )


def _queue_messages(campaign: Campaign, step: Step, entries: list[CampaignEntry]) -> None:
    """Queue the step's message for each entry, rendered for its member with the message
    itself (so links are tracked through it), in the caller's transaction."""
    template = step.template
    keys = {entry.member_id: step_key(step, entry) for entry in entries}
    drafts = [
        Draft(
            member_id=entry.member_id,
            channel=template.channel,
            send_key=keys[entry.member_id],
            purpose=template.purpose,
            priority=campaign.priority,
            expires_at=entry.converts_until,
            source_type=SOURCE_TYPE,
            source_id=campaign.pk,
            variant=step.variant.name,
        )
        for entry in entries
    ]
    queue_many(campaign.merchant, drafts)
    members = {
        member.pk: member
        for member in Member.objects.filter(pk__in=keys).select_related("tier", "merchant")
    }
    messages = Message.objects.filter(
        member_id__in=keys, send_key__in=set(keys.values()), sent_at__isnull=True
    ).filter(body_text="", body_html="")
    rendered = []
    for message in messages:
        member = members[message.member_id]
        link = None
        if template.purpose == Purpose.MARKETING and template.channel == Channel.EMAIL:
            link = unsubscribe_url(campaign.merchant, member.pk, Channel.EMAIL, message.send_key)
        words = render(template, member, unsubscribe_url=link, message=message)
        message.subject = words.subject[:200]
        message.body_text = words.sms if template.channel == Channel.SMS else words.text
        message.body_html = words.html
        message.language = words.language
        rendered.append(message)
    Message.objects.bulk_update(rendered, ["subject", "body_text", "body_html", "language"])


def _give_points(step: Step, entries: list[CampaignEntry], now: datetime) -> None:
    program = get_program(step.merchant)
    for entry in entries:
        reference = step_key(step, entry)
        member = lock_member(entry.member_id)
        if PointsEntry.objects.filter(member=member, reference=reference).exists():
            continue
        credit(
            member=member,
            program=program,
            kind=EntryKind.BONUS,
            points=step.bonus_points,
            now=now,
            reference=reference,
            reason=step.variant.campaign.name[:200],
        )
        emit(
            member.merchant_id,
            [("points.earned", {"member": member.pk, "points": step.bonus_points})],
            now,
        )


def _perform(campaign: Campaign, step: Step, entries: list[CampaignEntry], now) -> None:
    if step.action == ActionKind.MESSAGE and step.template_id:
        _queue_messages(campaign, step, entries)
    elif step.action == ActionKind.BONUS_POINTS and step.bonus_points:
        _give_points(step, entries, now)
    elif step.action == ActionKind.VOUCHER and step.reward_id:
        for entry in entries:
            entry.voucher = issue_voucher(
                merchant=campaign.merchant,
                reward=step.reward,
                source=VoucherSource.CAMPAIGN,
                member=entry.member,
                now=now,
            )
            entry.save(update_fields=["voucher"])
    elif step.action == ActionKind.MULTIPLIER and step.multiplier:
        for entry in entries:
            start_member_multiplier(
                merchant=campaign.merchant,
                member=entry.member,
                multiplier=step.multiplier,
                starts_at=now,
                ends_at=now + timedelta(days=step.multiplier_days or 7),
                name=campaign.name[:80],
            )


def _record_holdouts(campaign: Campaign, now: datetime) -> int:
    """Held-out entries get the first message step recorded as suppressed (holdout)."""
    first = (
        Step.objects.filter(
            variant__campaign=campaign, action=ActionKind.MESSAGE, template__isnull=False
        )
        .select_related("template", "variant")
        .order_by("position", "variant__name")
        .first()
    )
    done = 0
    while True:
        with transaction.atomic():
            entries = list(
                _locked(
                    CampaignEntry.objects.filter(
                        campaign=campaign, variant__isnull=True, steps_done=0
                    )
                )[:BATCH]
            )
            if not entries:
                return done
            if first is not None:
                record_holdout(
                    campaign.merchant,
                    [
                        Draft(
                            member_id=entry.member_id,
                            channel=first.template.channel,
                            send_key=step_key(first, entry),
                            purpose=first.template.purpose,
                            source_type=SOURCE_TYPE,
                            source_id=campaign.pk,
                        )
                        for entry in entries
                    ],
                )
            CampaignEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
                steps_done=HOLDOUT_DONE
            )
            done += len(entries)


def run_due_steps(campaign: Campaign, now: datetime | None = None) -> int:
    """Perform every due step of the campaign's entries; answers how many were performed."""
    now = now or timezone.now()
    performed = _record_holdouts(campaign, now)
    steps = (
        Step.objects.filter(variant__campaign=campaign)
        .select_related("template", "variant__campaign__merchant", "reward", "merchant")
        .order_by("variant__name", "position")
    )
    for step in steps:
        while True:
            with transaction.atomic():
                entries = list(_locked(_due(step, now)).select_related("member")[:BATCH])
                if not entries:
                    break
                _perform(campaign, step, entries, now)
                CampaignEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
                    steps_done=step.position
                )
                performed += len(entries)
    return performed


def run_campaigns(now: datetime | None = None) -> int:
    """The job: launch the scheduled broadcasts that are due, then run every running
    campaign's due steps."""
    now = now or timezone.now()
    for campaign in Campaign.objects.filter(
        kind=CampaignKind.BROADCAST, status=CampaignStatus.SCHEDULED, scheduled_at__lte=now
    ).order_by("pk"):
        launch(campaign=campaign, actor=None, now=now)
    performed = 0
    for campaign in (
        Campaign.objects.filter(status=CampaignStatus.RUNNING)
        .select_related("merchant")
        .order_by("pk")
    ):
        performed += run_due_steps(campaign, now)
    return performed
