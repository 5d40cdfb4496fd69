"""The POS page's rewards: redeem a reward for a member, check and use a voucher by its code.

Panels of pos/home.html like the rest of the POS (loyalty/pos_views.py); look-ups by code go
through the rewards throttle, per staff member and per address.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.pos import services as pos_services
from loyalty.pos.forms import PurchaseForm, RedeemForm, UseVoucherForm, VoucherLookupForm
from loyalty.pos.views.main import (
    INVALID,
    _ip,
    _member_context,
    _member_of,
    _render,
    _to_home,
    pos_shop,
)
from loyalty.tenancy.permissions import staff_required
from rewards import services as rewards_services
from rewards.models import VOUCHER_ALPHABET, VOUCHER_CODE_LENGTH, Reward, Voucher

# --- Rewards and vouchers -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(Role.CASHIER)
def redeem(request: HttpRequest, member_id: int) -> HttpResponse:
    """GET: confirm the reward; POST: redeem it, once per token; the voucher is usable at once."""
    found = _member_of(request, member_id)
    shop = pos_shop(request)
    if shop is None:
        return _to_home(request)
    rewards = Reward.objects.for_merchant(request.merchant)
    if request.method == "GET":
        reward = get_object_or_404(rewards, pk=_reward_id(request.GET.get("reward")))
        return _render(
            request,
            "redeem_confirm",
            {**_member_context(found), "reward": reward, "redeem_form": RedeemForm()},
        )
    form = RedeemForm(request.POST)
    if not form.is_valid():
        return _render(request, "member", _member_context(found), status=INVALID)
    reward = get_object_or_404(rewards, pk=form.cleaned_data["reward"])
    try:
        once = pos_services.run_once(
            merchant=request.merchant,
            user=request.user,
            token=form.cleaned_data["token"],
            action="redeem",
            perform=lambda: {
                "voucher": rewards_services.redeem_reward(
                    member=found, reward=reward, actor=request.user, shop=shop
                ).pk
            },
            together=False,
        )
    except DomainError as exc:
        return _render(
            request, "member", _member_context(found, redeem_error=exc.message), status=409
        )
    found.refresh_from_db()
    voucher = Voucher.objects.for_merchant(request.merchant).get(pk=once.result["voucher"])
    return _render(
        request,
        "member",
        _member_context(
            found,
            issued=voucher,
            replayed=once.replayed,
            purchase_form=PurchaseForm(initial={"voucher": voucher.display_code}),
        ),
    )


def _reward_id(raw) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        raise Http404 from None
    if not 0 < value < 2**63:
        raise Http404
    return value


@require_GET
@staff_required(Role.CASHIER)
def voucher(request: HttpRequest) -> HttpResponse:
    """A typed or scanned voucher code: what it gives, its conditions, and the button to use it."""
    shop = pos_shop(request)
    if shop is None:
        return _to_home(request)
    form = VoucherLookupForm(request.GET)
    if not form.is_valid():
        return _render(request, "voucher", {"voucher_form": form}, status=INVALID)
    return voucher_panel(request, form)


def voucher_panel(request: HttpRequest, form: VoucherLookupForm) -> HttpResponse:
    """The voucher panel for a valid look-up form (also for a voucher scanned into the search)."""
    try:
        found = pos_services.look_up_voucher(
            merchant=request.merchant,
            code=form.cleaned_data["code"],
            actor=request.user,
            ip=_ip(request),
        )
    except DomainError as exc:
        status = 429 if exc.code == "too_many_attempts" else INVALID
        return _render(
            request, "voucher", {"voucher_form": form, "error": exc.message}, status=status
        )
    return _render(
        request,
        "voucher",
        {
            "voucher_form": form,
            "found": found,
            "use_form": UseVoucherForm(initial={"code": found.code}),
        },
    )


def looks_like_voucher(text: str) -> bool:
    """A voucher's code, typed or scanned from its QR, as the search field may get it.

    Only after no member matched, and with a letter in it, so that a mistyped number never
    counts as a failed voucher look-up.
    """
    code = rewards_services.normalize_voucher_code(text)
    return (
        len(code) == VOUCHER_CODE_LENGTH
        and all(ch in VOUCHER_ALPHABET for ch in code)
        and any(ch.isalpha() for ch in code)
    )


@require_POST
@staff_required(Role.CASHIER)
def voucher_use(request: HttpRequest) -> HttpResponse:
    """Mark a voucher used at this shop, once per token."""
    shop = pos_shop(request)
    if shop is None:
        return _to_home(request)
    form = UseVoucherForm(request.POST)
    if not form.is_valid():
        return _render(
            request,
            "voucher",
            {"voucher_form": VoucherLookupForm(), "error": _("Try again.")},
            status=INVALID,
        )
    data = form.cleaned_data
    try:
        once = pos_services.run_once(
            merchant=request.merchant,
            user=request.user,
            token=data["token"],
            action="voucher",
            perform=lambda: {
                "voucher": pos_services.use_voucher_at_till(
                    shop=shop,
                    code=data["code"],
                    amount=data["amount"],
                    actor=request.user,
                    ip=_ip(request),
                ).pk
            },
        )
    except DomainError as exc:
        status = 429 if exc.code == "too_many_attempts" else 409
        return _render(
            request,
            "voucher",
            {
                "voucher_form": VoucherLookupForm(initial={"code": data["code"]}),
                "error": exc.message,
            },
            status=status,
        )
    used = Voucher.objects.for_merchant(request.merchant).get(pk=once.result["voucher"])
    return _render(request, "voucher_used", {"used": used, "replayed": once.replayed})
