"""The owner's monthly recap: what each campaign did in the month, which RFM segments grew or
shrank, and three suggestions with the most expected value.

Expected value is a deliberately simple, stated estimate, not a promise: members who could be
reached x the lift in conversion a campaign usually brings x the audience's average basket.
The lift is the merchant's own, measured: the best lower bound of a finished campaign's
interval when it has one above zero; without one, `ASSUMED_LIFT` (3 points, the low end of
what loyalty win-back studies report), and the page says which. A campaign whose verdict is
"stop" is a suggestion too: stopping it saves its measured loss.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from campaigns.automations import stats
from campaigns.automations.results import Results, results
from campaigns.models import Campaign, CampaignStatus, RfmSegment, RfmSegmentCount
from loyalty.analytics.scores import at_risk_count
from loyalty.clock import midnight
from loyalty.models import Merchant
from members.models import Member, MemberStatus
from rewards.models import Reward

ASSUMED_LIFT = 0.03
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SegmentMove:
    segment: str
    label: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class Suggestion:
    title: str
    why: str
    expected_value: Decimal


@dataclass
class Recap:
    month: date  # its first day
    campaigns: list[Results] = field(default_factory=list)
    segments: list[SegmentMove] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    lift: float = ASSUMED_LIFT
    lift_measured: bool = False
    average_basket: Decimal = Decimal("0.00")  # the members' spend per visit, lifetime

    @property
    def lift_points(self) -> float:
        return self.lift * 100


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_campaigns(merchant: Merchant, month: date) -> list[Campaign]:
    """Campaigns running at any time in the month (launched before its end, not finished
    before its start)."""
    start = midnight(month, merchant.tzinfo)
    end = midnight(_next_month(month), merchant.tzinfo)
    return list(
        Campaign.objects.for_merchant(merchant)
        .filter(launched_at__lt=end)
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=start))
        .order_by("launched_at", "pk")
    )


def segment_moves(merchant: Merchant, month: date) -> list[SegmentMove]:
    """Each named segment's size at the last count before the month and at its last count."""
    counts = RfmSegmentCount.objects.for_merchant(merchant)
    end = _next_month(month)
    before_day = counts.filter(day__lt=month).order_by("-day").values_list("day", flat=True)[:1]
    after_day = counts.filter(day__lt=end).order_by("-day").values_list("day", flat=True)[:1]
    before = dict(counts.filter(day__in=before_day).values_list("segment", "members"))
    after = dict(counts.filter(day__in=after_day).values_list("segment", "members"))
    moves = [
        SegmentMove(value, str(label), before.get(value, 0), after.get(value, 0))
        for value, label in RfmSegment.choices
        if before.get(value) or after.get(value)
    ]
    return sorted(moves, key=lambda move: -abs(move.change))


def measured_lift(finished: list[Results]) -> float | None:
    """The best lower bound above zero among the campaigns' lift intervals, if any."""
    lows = [r.lift.low for r in finished if r.lift is not None and r.lift.low > 0]
    return max(lows) if lows else None


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


def suggestions(merchant: Merchant, recap: Recap) -> list[Suggestion]:
    """Candidates with their expected value; the three largest, largest first."""
    active = Member.objects.for_merchant(merchant).filter(status=MemberStatus.ACTIVE)
    basket = active.filter(purchase_count__gt=0).aggregate(
        spend=Sum("lifetime_spend"), visits=Sum("purchase_count")
    )
    average = float(basket["spend"] or 0) / basket["visits"] if basket["visits"] else 0.0
    recap.average_basket = _money(average)
    found: list[Suggestion] = []
    risky = at_risk_count(merchant)
    if risky:
        found.append(
            Suggestion(
                _("Win back the members at risk"),
                _(
                    "%(count)s valuable members are slipping away. A win-back offer to them, "
                    "with a holdout, shows what it brings back."
                )
                % {"count": risky},
                _money(risky * recap.lift * average),
            )
        )
    cheapest = Reward.objects.for_merchant(merchant).live().order_by("points_cost").first()
    if cheapest:
        can_redeem = active.filter(points_balance__gte=cheapest.points_cost).count()
        if can_redeem:
            found.append(
                Suggestion(
                    _("Tell members what their points already buy"),
                    _("%(count)s members have enough points for “%(reward)s” and may not know.")
                    % {"count": can_redeem, "reward": cheapest.name},
                    _money(can_redeem * recap.lift * average),
                )
            )
    for move in recap.segments:
        if move.segment in (RfmSegment.ABOUT_TO_SLEEP, RfmSegment.NEED_ATTENTION) and move.after:
            found.append(
                Suggestion(
                    _("Reach “%(segment)s” before they drift") % {"segment": move.label},
                    _("%(count)s members (%(change)+d this month).")
                    % {"count": move.after, "change": move.change},
                    _money(move.after * recap.lift * average),
                )
            )
    for result in recap.campaigns:
        if result.verdict == stats.Verdict.STOP and result.net_return is not None:
            found.append(
                Suggestion(
                    _("Stop “%(name)s”") % {"name": result.campaign.name},
                    _("Against its holdout it cost more than it earned."),
                    _money(-result.net_return.estimate),
                )
            )
    return sorted(found, key=lambda s: -s.expected_value)[:3]


def recap(merchant: Merchant, month: date) -> Recap:
    """The recap of a local month (its first day)."""
    answer = Recap(month=month)
    answer.campaigns = [results(campaign) for campaign in month_campaigns(merchant, month)]
    finished = [
        results(campaign)
        for campaign in Campaign.objects.for_merchant(merchant).filter(
            status__in=(CampaignStatus.RUNNING, CampaignStatus.FINISHED)
        )[:20]
    ]
    lift = measured_lift(finished)
    if lift is not None:
        answer.lift, answer.lift_measured = lift, True
    answer.segments = segment_moves(merchant, month)
    answer.suggestions = suggestions(merchant, answer)
    return answer
