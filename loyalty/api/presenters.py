"""The API's answers as plain data, built from the models and the read paths."""

from datetime import datetime
from decimal import Decimal

from loyalty.content import localized
from loyalty.models import Merchant
from loyalty.models.points import Program, Purchase, Refund, Tier, TierBasis
from loyalty.points.ledger import get_program, tiers_of
from loyalty.points.purchases import PurchaseResult
from loyalty.queries import tier_progress
from members.models import Member
from rewards.engagement.club import club_status
from rewards.engagement.queries import (
    StreakStatus,
    member_challenges,
    member_stamp_cards,
    member_streak,
)
from rewards.models import Voucher


class MemberPresenter:
    """Members of one merchant; the program and tiers are read once for all of them."""

    def __init__(self, merchant: Merchant):
        self.merchant = merchant
        self._program: Program | None = None
        self._tiers: list[Tier] | None = None

    def know(self, program: Program, tiers: list[Tier] | None) -> None:
        """The program and tiers, already read (by the sale that was just recorded)."""
        self._program = program
        if tiers is not None:
            self._tiers = tiers

    def member_detail(self, member: Member) -> dict:
        """The member with their stamp cards, streak, challenges, badges and club (GET members/
        {card})."""
        engagement = member_challenges(member)
        return self.member(member) | {
            "challenges": [
                {
                    "id": item.challenge.pk,
                    "name": localized(item.challenge, "name"),
                    "kind": item.challenge.kind,
                    "progress": str(item.value),
                    "goal": str(item.goal),
                    "label": item.label,
                    "completed": item.completed,
                    "ends_on": item.challenge.ends_on,
                }
                for item in [*engagement.visible, *engagement.revealed]
            ],
            "badges": [
                {
                    "id": held.badge.pk,
                    "name": localized(held.badge, "name"),
                    "icon": held.badge.icon,
                    "awarded_at": held.awarded_at,
                }
                for held in engagement.badges
            ],
            "stamp_cards": [
                {
                    "id": progress.card.pk,
                    "name": localized(progress.card, "name"),
                    "stamps": progress.stamps,
                    "stamps_needed": progress.needed,
                    "stamps_left": progress.left,
                    "cards_filled": progress.filled,
                    "reward": localized(progress.card.reward, "name"),
                }
                for progress in member_stamp_cards(member)
            ],
            "streak": streak_output(member_streak(member)),
            "club": self.club(member),
        }

    def club(self, member: Member) -> dict | None:
        status = club_status(member)
        if status is None:
            return None
        return {
            "id": status.club.pk,
            "name": localized(status.club, "name"),
            "until": status.until,
            "multiplier": status.club.multiplier,
            "perks": [
                {
                    "id": perk.pk,
                    "name": perk.name,
                    "period": perk.perk.period,
                    "left": perk.left,
                    "usable_today": perk.usable,
                }
                for perk in status.perks
            ],
        }

    @property
    def program(self) -> Program:
        if self._program is None:
            self._program = get_program(self.merchant)
        return self._program

    @property
    def tiers(self) -> list[Tier]:
        if self._tiers is None:
            self._tiers = tiers_of(self.merchant)
        return self._tiers

    def member(
        self, member: Member, *, value: Decimal | None = None, now: datetime | None = None
    ) -> dict:
        """`value` and `now`: the member's qualifying value for tiers at that moment, when
        known (a sale just recorded), so that nothing is read."""
        progress = tier_progress(
            member, program=self.program, tiers=self.tiers, now=now, value=value, localize=True
        )
        next_tier = progress["next_tier"]
        basis = "points" if self.program.tier_basis == TierBasis.POINTS else "spend"
        current = progress["tier"]
        return {
            "card_number": member.card_number,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "email": member.email,
            "phone": member.phone,
            "status": member.status,
            "points_balance": member.points_balance,
            "pending_points": member.pending_points,
            "tier": {"name": localized(current, "name")} if current is not None else None,
            "next_tier": (
                {
                    "name": localized(next_tier, "name"),
                    "remaining": str(progress["remaining"]),
                    "basis": basis,
                }
                if next_tier is not None
                else None
            ),
            "joined_at": member.joined_at,
        }

    def member_by_pk(self, member_id: int | None) -> dict | None:
        """A member as the database has it now (after a sale or a refund changed them)."""
        if member_id is None:
            return None
        member = Member.objects.select_related("merchant").get(pk=member_id)
        return self.member(member)


def program(merchant: Merchant) -> dict:
    program = get_program(merchant)
    return {
        "currency": merchant.currency,
        "points_per_unit": program.points_per_unit,
        "point_value": program.point_value,
        "tier_basis": program.tier_basis,
        "tiers": [
            {
                "name": localized(tier, "name"),
                "threshold": tier.threshold,
                "multiplier": tier.multiplier,
            }
            for tier in tiers_of(merchant)
        ],
    }


def voucher(voucher) -> dict:
    return {
        "code": voucher.code,
        "status": voucher.status,
        "kind": voucher.kind,
        "title": localized(voucher, "title"),
        "description": voucher.describe(),
        "value": voucher.value,
        "conditions": voucher.conditions()
        | {
            "expires_at": voucher.expires_at.astimezone(voucher.merchant.tzinfo).isoformat(
                timespec="seconds"
            )
        },
        "issued_at": voucher.issued_at,
        "expires_at": voucher.expires_at,
        "used_at": voucher.used_at,
        "member": voucher.member.card_number if voucher.member_id else None,
    }


def purchase(
    purchase: Purchase, members: MemberPresenter, *, result: PurchaseResult | None = None
) -> dict:
    """A sale as the API answers it. With the `result` of a sale this request recorded
    without vouchers, nothing is read back: the member as the sale left them, the program
    and tiers it was earned under, and no voucher used."""
    if result is not None and result.created:
        member = None
        if result.member is not None and result.program is not None:
            members.know(result.program, result.tiers)
            member = members.member(result.member, value=result.tier_value, now=result.recorded_at)
        elif purchase.member_id is not None:
            member = members.member_by_pk(purchase.member_id)
        used = []
    else:
        member = members.member_by_pk(purchase.member_id)
        used = Voucher.objects.filter(used_purchase=purchase).select_related("merchant", "member")
    return {
        "external_id": purchase.external_id,
        "shop": purchase.shop.name,
        "amount": purchase.amount,
        "currency": purchase.currency,
        "refunded_amount": purchase.refunded_amount,
        "occurred_at": purchase.occurred_at,
        "items": purchase.items,
        "points_earned": purchase.points_earned,
        "points_breakdown": [
            {"kind": part["kind"], "points": part["points"], "label": str(part["label"])}
            for part in purchase.breakdown
        ],
        "reversed": purchase.reversed_at is not None,
        "member": member,
        "vouchers_used": [voucher(v) for v in used],
        "claim_code": purchase.claim_code if purchase.member_id is None else None,
    }


def refund(refund: Refund, members: MemberPresenter) -> dict:
    return {
        "external_id": refund.external_id,
        "purchase": refund.purchase.external_id,
        "amount": refund.amount,
        "points_clawed_back": refund.points_clawed_back,
        "created_at": refund.created_at,
        "member": members.member_by_pk(refund.purchase.member_id),
    }


def reward(reward) -> dict:
    return {
        "id": reward.pk,
        "name": localized(reward, "name"),
        "description": localized(reward, "description"),
        "kind": reward.kind,
        "value": reward.value,
        "points_cost": reward.points_cost,
        "min_tier": localized(reward.min_tier, "name") if reward.min_tier_id else None,
        "stock_left": reward.stock_left if reward.stock is not None else None,
        "available_from": reward.available_from,
        "available_until": reward.available_until,
    }


def streak_output(status: StreakStatus | None) -> dict | None:
    """A member's streak as the API shows it (None without an active streak)."""
    if status is None:
        return None
    milestone = status.next_milestone
    return {
        "name": localized(status.program, "name"),
        "period": status.program.period,
        "length": status.length,
        "best": status.best,
        "alive": status.alive,
        "at_risk": status.at_risk,
        "grace_left": status.grace_left,
        "next_milestone": (
            {"length": milestone.length, "points": milestone.points} if milestone else None
        ),
        "periods_to_next": status.periods_to_next,
    }
