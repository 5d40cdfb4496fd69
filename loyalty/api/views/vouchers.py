"""Rewards and vouchers over the API: the catalogue, redeeming, looking up and using codes.

A voucher code is a bearer secret: every look-up by code goes through loyalty/api/voucher_codes.py
and so through rewards.throttle (429 for a till guessing codes).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from loyalty.api import presenters
from loyalty.api import serializers as s
from loyalty.api.base import (
    IDEMPOTENCY_PARAMETER,
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    ApiView,
    problems,
)
from loyalty.api.idempotency import idempotent
from loyalty.api.voucher_codes import find
from rewards import services as rewards
from rewards.models import Reward
from rewards.queries import active_rewards


class RewardsView(ApiView):
    @extend_schema(
        operation_id="rewards",
        summary="The active rewards members can redeem",
        responses={200: s.RewardListOutput, **problems(401, 429)},
    )
    def get(self, request: Request) -> Response:
        rewards_ = [presenters.reward(reward) for reward in active_rewards(request.merchant)]
        return self.answer(s.RewardListOutput, {"results": rewards_})


class RedemptionsView(ApiView):
    @extend_schema(
        operation_id="member_redeem",
        summary="Spend a member's points on a reward: answers the voucher",
        request=s.RedemptionInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.VoucherOutput, **problems(*WRITE_PROBLEMS)},
    )
    @idempotent
    def post(self, request: Request, card_number: str) -> Response:
        member = self.member_or_404(card_number)
        data = self.valid(s.RedemptionInput)
        reward = Reward.objects.for_merchant(request.merchant).filter(pk=data["reward"]).first()
        if reward is None:
            raise rewards.RewardNotFound(_("No such reward."))
        voucher = rewards.redeem_reward(member=member, reward=reward, shop=request.shop)
        voucher = rewards.find_voucher(merchant=request.merchant, code=voucher.code)
        return self.answer(s.VoucherOutput, presenters.voucher(voucher), status.HTTP_201_CREATED)


class VoucherView(ApiView):
    @extend_schema(
        operation_id="voucher",
        summary="A voucher by its code: what it gives, its state and conditions",
        responses={200: s.VoucherOutput, **problems(*READ_PROBLEMS)},
    )
    def get(self, request: Request, code: str) -> Response:
        voucher = find(request, code)
        return self.answer(s.VoucherOutput, presenters.voucher(voucher))


class VoucherUseView(ApiView):
    @extend_schema(
        operation_id="voucher_use",
        summary="Use a voucher, once, optionally on a purchase of this shop",
        request=s.VoucherUseInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: OpenApiResponse(s.VoucherOutput, _("The voucher, now used.")),
            **problems(*WRITE_PROBLEMS),
        },
    )
    @idempotent
    def post(self, request: Request, code: str) -> Response:
        data = self.valid(s.VoucherUseInput)
        purchase = self.purchase_or_404(data["purchase"]) if data["purchase"] else None
        voucher = find(request, code)
        voucher = rewards.use_voucher(code=voucher.code, shop=request.shop, purchase=purchase)
        voucher = rewards.find_voucher(merchant=request.merchant, code=voucher.code)
        return self.answer(s.VoucherOutput, presenters.voucher(voucher))
