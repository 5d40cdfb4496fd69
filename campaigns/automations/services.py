"""Creating, planning and launching campaigns (the portal's write paths).

`plan` answers, before launch, how many members the campaign reaches, how many the holdout
keeps back, the conversion rate to expect without it (the audience's own: the share who
bought in the last `conversion_days` days) and the smallest lift the test can detect
(`stats.detectable_lift`), so a small shop knows whether a test can tell anything.
`launch` puts a broadcast's audience into the campaign (entries, in their groups) and marks it
running; an automation starts running and members enter it when its trigger fires.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.automations import stats
from campaigns.automations.audience import audience, enter
from campaigns.messaging.templates import ContentInput, save_template
from campaigns.models import (
    ActionKind,
    Campaign,
    CampaignKind,
    CampaignStatus,
    MessageTemplate,
    Purpose,
    Segment,
    Step,
    Variant,
)
from campaigns.segments.rules import matching, segment_members
from loyalty.audit import log_action
from loyalty.errors import DomainError
from loyalty.models import Merchant, User
from loyalty.models.points import Purchase
from rewards.models import Reward


class CampaignNotDraft(DomainError):
    code = "campaign_not_draft"


@dataclass(frozen=True)
class VariantSpec:
    """What one variant sends: a message on a channel, and optionally bonus points."""

    name: str
    channel: str
    subject: str
    body: str
    weight: int = 1
    bonus_points: int | None = None
    reward: Reward | None = None  # a voucher for it, with the message


@dataclass(frozen=True)
class Plan:
    audience: int
    treated: int
    holdout: int
    baseline: float | None  # the expected conversion rate without the campaign
    detectable_lift: float | None  # absolute, in rate (0.05 = five points)

    @property
    def can_tell(self) -> bool:
        return self.detectable_lift is not None

    @property
    def baseline_percent(self) -> float | None:
        return None if self.baseline is None else self.baseline * 100

    @property
    def detectable_points(self) -> float | None:
        """The detectable lift in percentage points (0.05 -> 5.0)."""
        return None if self.detectable_lift is None else self.detectable_lift * 100


@transaction.atomic
def create_campaign(
    *,
    merchant: Merchant,
    actor: User | None,
    name: str,
    kind: str,
    variants: list[VariantSpec],
    segment: Segment | None = None,
    trigger: str = "",
    trigger_days: int | None = None,
    holdout_percent: int = 10,
    conversion_days: int = 14,
    priority: int = 0,
    scheduled_at: datetime | None = None,
) -> Campaign:
    """A draft campaign with its variants, each a message step (then a bonus, a voucher). Each
    variant's words become a message template ("<campaign> · A") in the merchant's language,
    so the Messages tab can translate and preview them."""
    campaign = Campaign.objects.create(
        merchant=merchant,
        name=name,
        kind=kind,
        trigger=trigger if kind == CampaignKind.AUTOMATION else "",
        trigger_days=trigger_days,
        segment=segment,
        holdout_percent=holdout_percent,
        conversion_days=conversion_days,
        priority=priority,
        scheduled_at=scheduled_at,
        created_by=actor,
    )
    for spec in variants:
        variant = Variant.objects.create(
            merchant=merchant, campaign=campaign, name=spec.name, weight=spec.weight
        )
        template = save_template(
            template=MessageTemplate(
                merchant=merchant,
                name=f"{name} · {spec.name}"[:120],
                channel=spec.channel,
                purpose=Purpose.MARKETING,
            ),
            contents=[
                ContentInput(
                    language=merchant.default_language or settings.LANGUAGE_CODE,
                    subject=spec.subject,
                    body=spec.body,
                )
            ],
            actor=actor,
        )
        Step.objects.create(
            merchant=merchant,
            variant=variant,
            position=1,
            action=ActionKind.MESSAGE,
            template=template,
        )
        extras = []
        if spec.bonus_points:
            extras.append({"action": ActionKind.BONUS_POINTS, "bonus_points": spec.bonus_points})
        if spec.reward is not None:
            extras.append({"action": ActionKind.VOUCHER, "reward": spec.reward})
        for position, extra in enumerate(extras, start=2):
            Step.objects.create(merchant=merchant, variant=variant, position=position, **extra)
    log_action(
        merchant=merchant,
        actor=actor,
        action="campaigns.campaign.created",
        target=campaign,
        data={"kind": kind, "variants": [spec.name for spec in variants]},
    )
    return campaign


def plan(
    merchant: Merchant,
    *,
    segment: Segment | None,
    holdout_percent: int,
    conversion_days: int,
    now: datetime | None = None,
) -> Plan:
    """The audience and what a test on it can detect (two counting queries)."""
    now = now or timezone.now()
    members = segment_members(segment) if segment else matching(merchant, {})
    bought = Purchase.objects.filter(
        member=OuterRef("pk"),
        occurred_at__gte=now - timedelta(days=conversion_days),
        reversed_at__isnull=True,
    )
    size = members.count()
    buyers = members.filter(Exists(bought)).count() if size else 0
    holdout = round(size * holdout_percent / 100)
    treated = size - holdout
    baseline = buyers / size if size else None
    lift = (
        stats.detectable_lift(treated, holdout, baseline)
        if baseline is not None and baseline < 1
        else None
    )
    return Plan(size, treated, holdout, baseline, lift)


@transaction.atomic
def launch(*, campaign: Campaign, actor: User | None, now: datetime | None = None) -> int:
    """Start the campaign; a broadcast's audience enters now, or, for a broadcast scheduled
    later, at its time (the runner launches it then). Answers how many entered."""
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise CampaignNotDraft(_("This campaign was launched already."))
    if (
        campaign.kind == CampaignKind.BROADCAST
        and campaign.status == CampaignStatus.DRAFT
        and campaign.scheduled_at is not None
        and campaign.scheduled_at > now
    ):
        # The runner launches it when its time comes.
        campaign.status = CampaignStatus.SCHEDULED
        campaign.save(update_fields=["status"])
        log_action(
            merchant=campaign.merchant,
            actor=actor,
            action="campaigns.campaign.scheduled",
            target=campaign,
            data={"at": campaign.scheduled_at.isoformat()},
        )
        return 0
    entered = 0
    if campaign.kind == CampaignKind.BROADCAST:
        member_ids = audience(campaign).order_by("pk").values_list("pk", flat=True)
        entered = enter(campaign, member_ids.iterator(chunk_size=5000), now=now)
    campaign.status = CampaignStatus.RUNNING
    campaign.launched_at = now
    campaign.save(update_fields=["status", "launched_at"])
    log_action(
        merchant=campaign.merchant,
        actor=actor,
        action="campaigns.campaign.launched",
        target=campaign,
        data={"entered": entered},
    )
    return entered


def lift_percent(value: float | None) -> Decimal | None:
    """A rate difference as percentage points with one decimal (0.0734 -> 7.3)."""
    if value is None:
        return None
    return (Decimal(str(value)) * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class StepSpec:
    """A step added to a variant: what it does and how long after entering."""

    action: str
    delay_days: int = 0
    channel: str = ""
    subject: str = ""
    body: str = ""
    bonus_points: int | None = None
    reward: Reward | None = None
    multiplier: Decimal | None = None
    multiplier_days: int | None = None


def _editable(campaign: Campaign) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise CampaignNotDraft(_("A launched campaign's steps can no longer change."))
    return campaign


@transaction.atomic
def add_step(*, variant: Variant, spec: StepSpec, actor: User | None) -> Step:
    """A step at the end of the variant (a welcome series: 0, 3, 10 days); a message step's
    words become a template named after the campaign, the variant and the step."""
    campaign = _editable(variant.campaign)
    position = (
        variant.steps.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    template = None
    if spec.action == ActionKind.MESSAGE:
        template = save_template(
            template=MessageTemplate(
                merchant=campaign.merchant,
                name=f"{campaign.name} · {variant.name} · {position}"[:120],
                channel=spec.channel,
                purpose=Purpose.MARKETING,
            ),
            contents=[
                ContentInput(
                    language=campaign.merchant.default_language or settings.LANGUAGE_CODE,
                    subject=spec.subject,
                    body=spec.body,
                )
            ],
            actor=actor,
        )
    step = Step.objects.create(
        merchant=campaign.merchant,
        variant=variant,
        position=position,
        delay_days=spec.delay_days,
        action=spec.action,
        template=template,
        bonus_points=spec.bonus_points if spec.action == ActionKind.BONUS_POINTS else None,
        reward=spec.reward if spec.action == ActionKind.VOUCHER else None,
        multiplier=spec.multiplier if spec.action == ActionKind.MULTIPLIER else None,
        multiplier_days=spec.multiplier_days if spec.action == ActionKind.MULTIPLIER else None,
    )
    log_action(
        merchant=campaign.merchant,
        actor=actor,
        action="campaigns.step.added",
        target=campaign,
        data={"variant": variant.name, "position": position, "action": spec.action},
    )
    return step


@transaction.atomic
def remove_step(*, step: Step, actor: User | None) -> None:
    """Take a step out of a draft's variant; the later steps move up."""
    campaign = _editable(step.variant.campaign)
    variant, position = step.variant, step.position
    step.delete()
    for later in variant.steps.filter(position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])
    log_action(
        merchant=campaign.merchant,
        actor=actor,
        action="campaigns.step.removed",
        target=campaign,
        data={"variant": variant.name, "position": position},
    )
