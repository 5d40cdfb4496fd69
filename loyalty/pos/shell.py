"""The POS page's shell: who may use it and at which shop, the members this session found, and
how a panel is rendered. Every POS view is a `@pos_view(role)` and renders with `render_panel`.

A cashier works at the shop they are bound to; a manager or an owner picks one for the session
(`POS_SHOP_SESSION_KEY`). A view asks for the shop with `current_shop(request)` at the point
where it needs it, after loading the objects in its URL, so that another merchant's id is a
404 before anything else.
"""

from collections.abc import Callable
from functools import wraps

from allauth.account.adapter import get_adapter
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from campaigns.promotions.offers import next_best_offer
from loyalty.models import Role, Shop
from loyalty.pos import queries as pos_queries
from loyalty.pos.club_panel import club_context
from loyalty.pos.forms import AdjustForm, PurchaseForm, ReverseForm, SearchForm, StampForm
from loyalty.pos.services import new_form_token
from loyalty.tenancy.middleware import POS_SHOP_SESSION_KEY
from loyalty.tenancy.permissions import staff_required
from members.models import Member, MemberStatus
from rewards import queries as rewards_queries
from rewards.engagement.queries import member_challenges, member_stamp_cards, member_streak

# Answers that HTMX swaps although they are not 2xx (pos.js lets them through): a form with
# errors (422), a refused action (403 within the merchant), a conflict (409), too many tries.
INVALID = 422

# The members this POS session found, scanned or enrolled, newest last. Only they open a panel,
# take a sale or a redemption: walking /pos/members/<id>/ reads nobody's balance or vouchers.
FOUND_SESSION_KEY = "pos_found_members"
FOUND_LIMIT = 50


class NoShop(Exception):
    """The POS has no shop to work at yet: `pos_view` sends the person to choose one."""


def pos_shop(request: HttpRequest) -> Shop | None:
    """The shop the POS works at: the cashier's own, or the one a manager picked."""
    staff = request.staff
    if staff.shop_id is not None:
        shop = staff.shop
    else:
        shop_id = request.session.get(POS_SHOP_SESSION_KEY)
        if shop_id is None:
            return None
        shop = Shop.objects.for_merchant(request.merchant).active().filter(pk=shop_id).first()
    if shop is not None and shop.merchant_id == request.merchant.pk:
        shop.merchant = request.merchant  # the request's merchant, not loaded again
    return shop


def current_shop(request: HttpRequest) -> Shop:
    """The POS's shop; raises NoShop (answered by `pos_view` with the home page) if none."""
    shop = pos_shop(request)
    if shop is None:
        raise NoShop
    return shop


def to_home(request: HttpRequest) -> HttpResponse:
    """Back to the POS home (the shop choice), as a full page even from an HTMX request."""
    if request.htmx:
        return HttpResponseClientRedirect(reverse("pos:home"))
    return redirect("pos:home")


def pos_view(role: str) -> Callable:
    """A POS view: the staff role it needs, and the home page when there is no shop yet."""

    def decorator(view: Callable) -> Callable:
        @staff_required(role)
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except NoShop:
                return to_home(request)

        return wrapper

    return decorator


def remember_found(request: HttpRequest, member: Member) -> None:
    """Let this POS session open the member's panel (the last FOUND_LIMIT members)."""
    found = request.session.get(FOUND_SESSION_KEY, [])
    if found[-1:] == [member.pk]:
        return  # found again at once: the session need not be written
    found = [pk for pk in found if pk != member.pk] + [member.pk]
    request.session[FOUND_SESSION_KEY] = found[-FOUND_LIMIT:]


def was_found(request: HttpRequest, member_id: int | None) -> bool:
    return member_id is not None and member_id in request.session.get(FOUND_SESSION_KEY, [])


def found_member(request: HttpRequest, member_id: int) -> Member:
    """A member this session found; anyone else is a 404, like another merchant's member."""
    if not was_found(request, member_id):
        raise Http404
    return get_object_or_404(
        Member.objects.for_merchant(request.merchant).select_related("tier", "merchant"),
        pk=member_id,
    )


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy: the client's address as the TRUSTED_PROXY_* settings say (allauth's rule).
    return get_adapter().get_client_ip(request) or "unknown"


def render_panel(
    request: HttpRequest, panel: str, context: dict | None = None, *, status: int = 200
) -> HttpResponse:
    """The panel alone for HTMX (with the counter, out of band), else the whole page."""
    context = dict(context or {})
    context.setdefault("shop", pos_shop(request))
    context["panel"] = panel
    context["counter"] = pos_queries.staff_counter(request.merchant, request.user)
    context["is_manager"] = request.staff.has_role(Role.MANAGER)
    context.setdefault("search_form", SearchForm())
    context.setdefault("reverse_form", ReverseForm())
    if request.htmx:
        html = render_to_string(f"pos/home.html#{panel}", context, request)
        html += render_to_string("pos/home.html#counter_oob", context, request)
        return HttpResponse(html, status=status)
    return render(request, "pos/home.html", context, status=status)


def member_context(member: Member, **extra) -> dict:
    """What the member panel shows: the member, what they can redeem, their vouchers, forms."""
    context = pos_queries.member_panel(member)
    if member.status == MemberStatus.ACTIVE:
        catalogue = rewards_queries.catalogue_for_member(member)
        context["affordable"] = [offer.reward for offer in catalogue if offer.redeemable]
        context["vouchers"] = rewards_queries.unused_vouchers(member)
        context["stamp_cards"] = member_stamp_cards(member)
        context["streak"] = member_streak(member)
        context["challenges"] = member_challenges(member)
        context["stamp_form"] = StampForm()
        context.update(club_context(member))
        context["next_offer"] = next_best_offer(
            member, promotions=context["promotions"], catalogue=catalogue
        )
    else:
        context.update(
            affordable=[],
            vouchers=[],
            next_offer=None,
            stamp_cards=[],
            streak=None,
            challenges=None,
        )
    context.setdefault("purchase_form", PurchaseForm())
    context.setdefault("adjust_form", AdjustForm())
    context.update(extra)
    return context


def with_new_token(form):
    """The form with its errors and input, and a new one-time token for the corrected send."""
    data = form.data.copy()
    data["token"] = new_form_token()
    fresh = form.__class__(data)
    fresh.is_valid()
    for field, errors in form.errors.items():
        for error in errors:
            if error not in fresh.errors.get(field, []):
                fresh.add_error(None if field == "__all__" else field, error)
    return fresh
