"""Read paths of the catalogue and vouchers: member page, POS, portal and API."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from loyalty.models import Merchant
from members.models import Member
from rewards.models import Reward, Voucher, VoucherSource, VoucherStatus
from rewards.services import availability_problem, tier_allows

CENT = Decimal("0.01")


@dataclass
class Offer:
    """A reward as one member sees it: can they redeem it now, and if not, why."""

    reward: Reward
    available: bool
    locked_by_tier: bool
    affordable: bool
    points_missing: int
    reason: str

    @property
    def redeemable(self) -> bool:
        return self.available and not self.locked_by_tier and self.affordable


def active_rewards(merchant: Merchant, *, now: datetime | None = None) -> QuerySet[Reward]:
    """The catalogue members see: live and within their window (out-of-stock ones included)."""
    now = now or timezone.now()
    return (
        Reward.objects.for_merchant(merchant)
        .live()
        .filter(Q(available_until__isnull=True) | Q(available_until__gt=now))
        .select_related("min_tier", "merchant")
    )


def offer_for(member: Member, reward: Reward, *, now: datetime | None = None) -> Offer:
    """One reward as this member sees it now."""
    problem = availability_problem(reward, now or timezone.now())
    missing = max(0, reward.points_cost - max(member.points_balance, 0))
    return Offer(
        reward=reward,
        available=problem is None,
        locked_by_tier=not tier_allows(reward, member),
        affordable=missing == 0 and member.points_balance >= 0,
        points_missing=missing,
        reason=str(problem) if problem is not None else "",
    )


def catalogue_for_member(member: Member, *, now: datetime | None = None) -> list[Offer]:
    now = now or timezone.now()
    return [
        offer_for(member, reward, now=now) for reward in active_rewards(member.merchant, now=now)
    ]


def affordable_rewards(member: Member, *, now: datetime | None = None) -> list[Reward]:
    return [offer.reward for offer in catalogue_for_member(member, now=now) if offer.redeemable]


def next_reward(member: Member, *, now: datetime | None = None) -> Offer | None:
    """The reward to show on the card: the dearest they can afford, else the nearest to reach."""
    offers = [
        offer
        for offer in catalogue_for_member(member, now=now)
        if offer.available and not offer.locked_by_tier
    ]
    affordable = [offer for offer in offers if offer.affordable]
    if affordable:
        return max(affordable, key=lambda offer: offer.reward.points_cost)
    if offers:
        return min(offers, key=lambda offer: offer.points_missing)
    return None


def unused_vouchers(member: Member, *, now: datetime | None = None) -> list[Voucher]:
    now = now or timezone.now()
    return list(
        Voucher.objects.for_merchant(member.merchant_id)
        .filter(member=member, status=VoucherStatus.ISSUED, expires_at__gt=now)
        .select_related("merchant")
        .order_by("expires_at", "id")
    )


def member_vouchers(member: Member) -> QuerySet[Voucher]:
    return (
        Voucher.objects.for_merchant(member.merchant_id)
        .filter(member=member)
        .select_related("merchant", "used_shop")
        .order_by("-issued_at", "-id")
    )


def redemption_report(
    merchant: Merchant, *, start: datetime | None = None, end: datetime | None = None
) -> list[dict]:
    """Per reward: vouchers redeemed in the period, points spent, their cost in money, used."""
    program = merchant.program
    window = Q(vouchers__source=VoucherSource.REDEMPTION)
    if start is not None:
        window &= Q(vouchers__issued_at__gte=start)
    if end is not None:
        window &= Q(vouchers__issued_at__lt=end)
    live = window & ~Q(vouchers__status=VoucherStatus.CANCELLED)
    rows = (
        Reward.objects.for_merchant(merchant)
        .annotate(
            redeemed=Count("vouchers", filter=live),
            points_spent=Sum("vouchers__points_cost", filter=live),
            used=Count("vouchers", filter=live & Q(vouchers__status=VoucherStatus.USED)),
            cancelled=Count(
                "vouchers", filter=window & Q(vouchers__status=VoucherStatus.CANCELLED)
            ),
        )
        .order_by("archived_at", "position", "id")
    )
    report = []
    for reward in rows:
        points = reward.points_spent or 0
        report.append(
            {
                "reward": reward,
                "redeemed": reward.redeemed,
                "used": reward.used,
                "cancelled": reward.cancelled,
                "points_spent": points,
                "points_money": (points * program.point_value).quantize(CENT),
                "stock_left": reward.stock_left,
            }
        )
    return report


# --- Area B (issue 17): the portal's vouchers list ------------------------------------------------


def voucher_list(
    merchant: Merchant,
    *,
    status: str | None = None,
    reward: Reward | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> QuerySet[Voucher]:
    """The merchant's vouchers, newest first, filtered by status, reward and [start, end) of
    their issue time.

    "Issued" means still usable and "expired" includes the issued ones past their end that the
    nightly expiry has not marked yet, so the list agrees with each voucher's own page.
    """
    now = now or timezone.now()
    vouchers = Voucher.objects.for_merchant(merchant).select_related("member", "reward")
    if status == VoucherStatus.ISSUED:
        vouchers = vouchers.filter(status=VoucherStatus.ISSUED, expires_at__gt=now)
    elif status == VoucherStatus.EXPIRED:
        vouchers = vouchers.filter(
            Q(status=VoucherStatus.EXPIRED) | Q(status=VoucherStatus.ISSUED, expires_at__lte=now)
        )
    elif status:
        vouchers = vouchers.filter(status=status)
    if reward is not None:
        vouchers = vouchers.filter(reward=reward)
    if start is not None:
        vouchers = vouchers.filter(issued_at__gte=start)
    if end is not None:
        vouchers = vouchers.filter(issued_at__lt=end)
    return vouchers.order_by("-issued_at", "-id")
