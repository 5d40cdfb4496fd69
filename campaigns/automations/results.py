"""What a campaign did, per variant and for the holdout, from its entries.

For each group: members entered, members a message was delivered to, who opened and who
clicked (the campaign's messages, `source_type` "campaign", and their events), members
converted (a purchase, not reversed, between entering and `converts_until`), their revenue net
of refunds, and what the campaign gave (bonus points from the ledger entries referenced
``campaign:<id>:...``, valued at the program's point value, and the vouchers its steps gave,
whose value counts once they are used). Then the treated groups together
against the holdout: the lift, the incremental conversions and revenue with their 95 %
intervals, the net return after the campaign's cost, and the verdict
(`campaigns.automations.stats`). One grouped query over the entries, one over the messages.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from campaigns.automations import stats
from campaigns.models import (
    Campaign,
    CampaignEntry,
    Message,
    MessageEvent,
    MessageEventKind,
    MessageStatus,
)
from loyalty.models.points import PointsEntry, Purchase
from loyalty.points.ledger import get_program
from rewards.models import VoucherStatus

MONEY = DecimalField(max_digits=14, decimal_places=2)
HOLDOUT = "holdout"
SOURCE_TYPE = "campaign"  # Message.source_type of a campaign's messages


@dataclass
class Group:
    """One variant's figures, the holdout's (`name` "holdout"), or all treated together."""

    name: str
    members: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    converted: int = 0
    revenue: Decimal = Decimal("0.00")
    revenue_squares: Decimal = Decimal("0")
    points_given: int = 0
    vouchers_given: int = 0
    vouchers_used: int = 0
    cost: Decimal = Decimal("0.00")  # the points at the point value + the used vouchers' value

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.members if self.members else None

    @property
    def held_out(self) -> bool:
        return self.name == HOLDOUT

    def add(self, other: "Group") -> None:
        for name in (
            "members",
            "delivered",
            "opened",
            "clicked",
            "converted",
            "revenue",
            "revenue_squares",
            "points_given",
            "vouchers_given",
            "vouchers_used",
            "cost",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Results:
    campaign: Campaign
    variants: list[Group] = field(default_factory=list)
    treated: Group = field(default_factory=lambda: Group("treated"))
    holdout: Group = field(default_factory=lambda: Group(HOLDOUT))
    lift: stats.Interval | None = None
    incremental_conversions: stats.Interval | None = None
    incremental_revenue: stats.Interval | None = None
    net_return: stats.Interval | None = None
    verdict: str = stats.Verdict.CHANGE

    @property
    def groups(self) -> list[Group]:
        return [*self.variants, self.holdout]


def _entry_figures(campaign: Campaign) -> dict[str, dict]:
    """Per group name: members, converted, revenue and its squares, points given."""
    purchases = Purchase.objects.filter(
        member=OuterRef("member"),
        occurred_at__gte=OuterRef("entered_at"),
        occurred_at__lt=OuterRef("converts_until"),
        reversed_at__isnull=True,
    )
    revenue = Subquery(
        purchases.order_by()
        .values("member")
        .annotate(total=Sum(F("amount") - F("refunded_amount")))
        .values("total")[:1],
        output_field=MONEY,
    )
    points = Subquery(
        PointsEntry.objects.filter(
            member=OuterRef("member"), reference__startswith=f"campaign:{campaign.pk}:"
        )
        .order_by()
        .values("member")
        .annotate(total=Sum("points"))
        .values("total")[:1],
        output_field=IntegerField(),
    )
    entries = (
        CampaignEntry.objects.filter(campaign=campaign)
        .annotate(
            converted=Exists(purchases),
            revenue=Coalesce(revenue, Value(Decimal("0.00")), output_field=MONEY),
            points=Coalesce(points, Value(0), output_field=IntegerField()),
        )
        .order_by()
        .values("variant__name")
        .annotate(
            members=Count("pk"),
            converted_members=Count("pk", filter=Q(converted=True)),
            revenue_total=Sum("revenue"),
            revenue_squares=Sum(F("revenue") * F("revenue"), output_field=MONEY),
            points_total=Sum("points"),
            vouchers_given=Count("voucher"),
            vouchers_used=Count("voucher", filter=Q(voucher__status=VoucherStatus.USED)),
            vouchers_value=Sum("voucher__value", filter=Q(voucher__status=VoucherStatus.USED)),
        )
    )
    return {row["variant__name"] or HOLDOUT: row for row in entries}


def _message_figures(campaign: Campaign) -> dict[str, dict]:
    """Per variant name: members delivered to, who opened, who clicked."""
    events = MessageEvent.objects.filter(message=OuterRef("pk"))
    rows = (
        Message.objects.filter(
            merchant=campaign.merchant, source_type=SOURCE_TYPE, source_id=campaign.pk
        )
        .annotate(
            opened=Exists(events.filter(kind=MessageEventKind.OPENED)),
            clicked=Exists(events.filter(kind=MessageEventKind.CLICKED)),
        )
        .order_by()
        .values("variant")
        .annotate(
            delivered=Count("member", distinct=True, filter=Q(status=MessageStatus.SENT)),
            opened_members=Count("member", distinct=True, filter=Q(opened=True)),
            clicked_members=Count("member", distinct=True, filter=Q(clicked=True)),
        )
    )
    return {row["variant"] or HOLDOUT: row for row in rows}


def results(campaign: Campaign) -> Results:
    """Every figure of the campaign's results page."""
    point_value = get_program(campaign.merchant).point_value
    entries = _entry_figures(campaign)
    messages = _message_figures(campaign)
    answer = Results(campaign=campaign)
    names = [variant.name for variant in campaign.variants.order_by("name")]
    for name in [*names, HOLDOUT]:
        row, sent = entries.get(name, {}), messages.get(name, {})
        points = int(row.get("points_total") or 0)
        group = Group(
            name=name,
            members=row.get("members", 0),
            delivered=sent.get("delivered", 0),
            opened=sent.get("opened_members", 0),
            clicked=sent.get("clicked_members", 0),
            converted=row.get("converted_members", 0),
            revenue=row.get("revenue_total") or Decimal("0.00"),
            revenue_squares=row.get("revenue_squares") or Decimal("0"),
            points_given=points,
            vouchers_given=row.get("vouchers_given", 0),
            vouchers_used=row.get("vouchers_used", 0),
            cost=(
                Decimal(points) * point_value + (row.get("vouchers_value") or Decimal("0"))
            ).quantize(stats.CENT),
        )
        if group.held_out:
            answer.holdout = group
        else:
            answer.variants.append(group)
            answer.treated.add(group)
    _compare(answer)
    return answer


def _compare(answer: Results) -> None:
    treated, holdout = answer.treated, answer.holdout
    answer.lift = stats.lift(treated.members, treated.converted, holdout.members, holdout.converted)
    if answer.lift is not None:
        answer.incremental_conversions = answer.lift.scaled(treated.members)
    answer.incremental_revenue = stats.incremental_revenue(
        stats.Revenue(treated.members, treated.revenue, treated.revenue_squares),
        stats.Revenue(holdout.members, holdout.revenue, holdout.revenue_squares),
    )
    if answer.incremental_revenue is not None:
        answer.net_return = answer.incremental_revenue.scaled(1, shift=-float(treated.cost))
    answer.verdict = stats.verdict(answer.net_return)
