"""Rewards and vouchers over the API: the catalogue, redeeming, looking up and using codes.

A voucher code is a bearer secret: every look-up by code goes through rewards.throttle, scoped
to the key and to the caller's address, so a till guessing codes is stopped (429).
"""

from allauth.account.adapter import get_adapter
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status

from loyalty.api import presenters
from loyalty.api import serializers as s
from loyalty.api.idempotency import idempotent
from loyalty.api.views import (
    IDEMPOTENCY_PARAMETER,
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    ApiView,
    _problems,
    raise_invalid,
)
from loyalty.errors import DomainError
from rewards import services as rewards
from rewards import throttle
from rewards.models import Reward
from rewards.queries import active_rewards

MAX_CODE_LENGTH = 32


def scopes(request) -> list[str]:
    # Behind a proxy: the client's address as the TRUSTED_PROXY_* settings say (allauth's rule).
    return [f"key:{request.auth.pk}", f"ip:{get_adapter().get_client_ip(request) or ''}"]


def _plausible(code: str) -> bool:
    return 0 < len(code) <= MAX_CODE_LENGTH and code.isascii() and code.isalnum()


def normalized_codes(raw_codes: list[str]) -> list[str]:
    codes = [rewards.normalize_voucher_code(code) for code in raw_codes]
    if len(set(codes)) != len(codes):
        raise_invalid({"vouchers": [_("A voucher code is listed twice.")]})
    return codes


def _named(code: str, error: DomainError) -> DomainError:
    """The error of one code in a list, saying which code it is about."""
    error.api_voucher_code = code
    error.message = _("Voucher %(code)s: %(why)s") % {"code": code, "why": error.message}
    return error


def find(request, code: str, *, scopes_=None):
    def lookup():
        normalized = rewards.normalize_voucher_code(code)
        if not _plausible(normalized):
            raise rewards.VoucherNotFound(_("No voucher with this code. Check it and try again."))
        return rewards.find_voucher(merchant=request.merchant, code=normalized)

    return throttle.guarded(scopes_ or scopes(request), lookup, merchant=request.merchant)


def check(request, code: str, *, amount, member, scopes) -> None:
    def lookup():
        if not _plausible(code):
            raise rewards.VoucherNotFound(_("No voucher with this code. Check it and try again."))
        return rewards.check_voucher(
            merchant=request.merchant, code=code, amount=amount, member=member
        )

    try:
        throttle.guarded(scopes, lookup, merchant=request.merchant)
    except DomainError as error:
        raise _named(code, error) from None


def use(request, code: str, *, purchase):
    try:
        return rewards.use_voucher(code=code, shop=request.shop, purchase=purchase)
    except DomainError as error:
        raise _named(code, error) from None


class RewardsView(ApiView):
    @extend_schema(
        operation_id="rewards",
        summary="The active rewards members can redeem",
        responses={200: s.RewardListOutput, **_problems(401, 429)},
    )
    def get(self, request):
        rewards_ = [presenters.reward(reward) for reward in active_rewards(request.merchant)]
        return self.answer(s.RewardListOutput, {"results": rewards_})


class RedemptionsView(ApiView):
    @extend_schema(
        operation_id="member_redeem",
        summary="Spend a member's points on a reward: answers the voucher",
        request=s.RedemptionInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.VoucherOutput, **_problems(*WRITE_PROBLEMS)},
    )
    @idempotent
    def post(self, request, card_number: str):
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
        responses={200: s.VoucherOutput, **_problems(*READ_PROBLEMS)},
    )
    def get(self, request, code: str):
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
            **_problems(*WRITE_PROBLEMS),
        },
    )
    @idempotent
    def post(self, request, code: str):
        data = self.valid(s.VoucherUseInput)
        purchase = self.purchase_or_404(data["purchase"]) if data["purchase"] else None
        voucher = find(request, code)
        voucher = rewards.use_voucher(code=voucher.code, shop=request.shop, purchase=purchase)
        voucher = rewards.find_voucher(merchant=request.merchant, code=voucher.code)
        return self.answer(s.VoucherOutput, presenters.voucher(voucher))
