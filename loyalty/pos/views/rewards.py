"""The POS page's rewards: redeem a reward for a member, check and use a voucher.

Panels of pos/home.html like the rest of the POS (loyalty/pos/shell.py); look-ups by code go
through the rewards throttle, per staff member and per address. Codes travel by POST only and
show masked: a voucher the till has seen (a member's, found in this session, or one whose code
was typed or scanned) is then used by its id.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.pos import services as pos_services
from loyalty.pos.forms import PurchaseForm, RedeemForm, UseVoucherForm, VoucherLookupForm
from loyalty.pos.shell import (
    INVALID,
    client_ip,
    current_shop,
    found_member,
    member_context,
    pos_view,
    render_panel,
    was_found,
)
from rewards import services as rewards_services
from rewards.models import VOUCHER_ALPHABET, VOUCHER_CODE_LENGTH, Reward, Voucher

# --- Rewards and vouchers -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@pos_view(Role.CASHIER)
def redeem(request: HttpRequest, member_id: int) -> HttpResponse:
    """GET: confirm the reward; POST: redeem it, once per token; the voucher is usable at once."""
    found = found_member(request, member_id)
    shop = current_shop(request)
    rewards = Reward.objects.for_merchant(request.merchant)
    if request.method == "GET":
        reward = get_object_or_404(rewards, pk=_id_or_404(request.GET.get("reward")))
        return render_panel(
            request,
            "redeem_confirm",
            {**member_context(found), "reward": reward, "redeem_form": RedeemForm()},
        )
    form = RedeemForm(request.POST)
    if not form.is_valid():
        return render_panel(request, "member", member_context(found), status=INVALID)
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
        return render_panel(
            request, "member", member_context(found, redeem_error=exc.message), status=409
        )
    found.refresh_from_db()
    voucher = Voucher.objects.for_merchant(request.merchant).get(pk=once.result["voucher"])
    return render_panel(
        request,
        "member",
        member_context(
            found,
            issued=voucher,
            replayed=once.replayed,
            purchase_form=PurchaseForm(initial={"voucher": voucher.display_code}),
        ),
    )


def _id_or_404(raw) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        raise Http404 from None
    if not 0 < value < 2**63:
        raise Http404
    return value


# Vouchers whose code this POS session typed or scanned, newest last: they may be used by id.
KNOWN_VOUCHERS_SESSION_KEY = "pos_known_vouchers"
KNOWN_VOUCHERS_LIMIT = 50


def _remember_voucher(request: HttpRequest, voucher: Voucher) -> None:
    known = [pk for pk in request.session.get(KNOWN_VOUCHERS_SESSION_KEY, []) if pk != voucher.pk]
    known.append(voucher.pk)
    request.session[KNOWN_VOUCHERS_SESSION_KEY] = known[-KNOWN_VOUCHERS_LIMIT:]


def _seen_voucher(request: HttpRequest, voucher_id: int) -> Voucher:
    """A voucher of the merchant this till has seen: its code typed, or its member found."""
    found = get_object_or_404(
        Voucher.objects.for_merchant(request.merchant).select_related("merchant", "member"),
        pk=voucher_id,
    )
    if found.pk in request.session.get(KNOWN_VOUCHERS_SESSION_KEY, []) or (
        was_found(request, found.member_id)
    ):
        return found
    raise Http404


@require_http_methods(["GET", "POST"])
@pos_view(Role.CASHIER)
def voucher(request: HttpRequest) -> HttpResponse:
    """A typed or scanned voucher code (POST): what it gives, its conditions, the use button."""
    current_shop(request)
    if request.method == "GET":
        return render_panel(request, "voucher", {"voucher_form": VoucherLookupForm()})
    form = VoucherLookupForm(request.POST)
    if not form.is_valid():
        return render_panel(request, "voucher", {"voucher_form": form}, status=INVALID)
    return voucher_panel(request, form)


@require_POST
@pos_view(Role.CASHIER)
def member_voucher(request: HttpRequest, member_id: int) -> HttpResponse:
    """One of the found member's vouchers, by id: the voucher panel, to use it on this sale."""
    found = found_member(request, member_id)
    current_shop(request)
    vouchers = Voucher.objects.for_merchant(request.merchant).filter(member=found)
    chosen = get_object_or_404(
        vouchers.select_related("merchant", "member"), pk=_id_or_404(request.POST.get("voucher"))
    )
    try:
        rewards_services.check_voucher(merchant=request.merchant, code=chosen.code)
    except DomainError as exc:
        return render_panel(
            request,
            "voucher",
            {"voucher_form": VoucherLookupForm(), "error": exc.message},
            status=INVALID,
        )
    return render_panel(request, "voucher", _voucher_context(chosen))


def _voucher_context(found: Voucher) -> dict:
    return {
        "voucher_form": VoucherLookupForm(),
        "found": found,
        "use_form": UseVoucherForm(initial={"voucher": found.pk}),
    }


def voucher_panel(request: HttpRequest, form: VoucherLookupForm) -> HttpResponse:
    """The voucher panel for a valid look-up form (also for a voucher scanned into the search)."""
    try:
        found = pos_services.look_up_voucher(
            merchant=request.merchant,
            code=form.cleaned_data["code"],
            actor=request.user,
            ip=client_ip(request),
        )
    except DomainError as exc:
        status = 429 if exc.code == "too_many_attempts" else INVALID
        return render_panel(
            request, "voucher", {"voucher_form": form, "error": exc.message}, status=status
        )
    _remember_voucher(request, found)
    return render_panel(request, "voucher", _voucher_context(found))


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
@pos_view(Role.CASHIER)
def voucher_use(request: HttpRequest) -> HttpResponse:
    """Mark a voucher used at this shop, once per token."""
    shop = current_shop(request)
    form = UseVoucherForm(request.POST)
    if not form.is_valid():
        return render_panel(
            request,
            "voucher",
            {"voucher_form": VoucherLookupForm(), "error": _("Try again.")},
            status=INVALID,
        )
    data = form.cleaned_data
    chosen = _seen_voucher(request, data["voucher"])
    try:
        once = pos_services.run_once(
            merchant=request.merchant,
            user=request.user,
            token=data["token"],
            action="voucher",
            perform=lambda: {
                "voucher": pos_services.use_voucher_at_till(
                    shop=shop,
                    code=chosen.code,
                    amount=data["amount"],
                    actor=request.user,
                    ip=client_ip(request),
                ).pk
            },
        )
    except DomainError as exc:
        status = 429 if exc.code == "too_many_attempts" else 409
        return render_panel(
            request,
            "voucher",
            {"voucher_form": VoucherLookupForm(), "error": exc.message},
            status=status,
        )
    used = Voucher.objects.for_merchant(request.merchant).get(pk=once.result["voucher"])
    return render_panel(request, "voucher_used", {"used": used, "replayed": once.replayed})
