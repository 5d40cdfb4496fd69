"""The POS page, the shop it works at, and finding a member (search, scan, a voucher's QR)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty.http import posted_id
from loyalty.models import Role, Shop
from loyalty.pos.forms import (
    EnrolForm,
    SearchForm,
    VoucherLookupForm,
)
from loyalty.pos.queries import short_name
from loyalty.pos.shell import (
    INVALID,
    current_shop,
    found_member,
    member_context,
    pos_shop,
    pos_view,
    remember_found,
    render_panel,
)
from loyalty.pos.views import rewards as reward_views
from loyalty.pos.views.enrol import contact_from
from loyalty.staff_flags import record_identification
from loyalty.tenancy.middleware import POS_SHOP_SESSION_KEY
from members.models import Member
from members.queries import NAME_RESULTS, find_member, find_members_by_name

# The members the last name search listed: only they can be picked from it.
NAME_MATCHES_SESSION_KEY = "pos_name_matches"


@require_GET
@pos_view(Role.CASHIER)
def home(request: HttpRequest) -> HttpResponse:
    shop = pos_shop(request)
    if shop is None:
        shops = []
        if request.staff.has_role(Role.MANAGER):
            shops = list(Shop.objects.for_merchant(request.merchant).active())
        return render(request, "pos/home.html", {"shop": None, "shops": shops})
    return render_panel(request, "start")


@require_POST
@pos_view(Role.MANAGER)
def choose_shop(request: HttpRequest) -> HttpResponse:
    shop = get_object_or_404(
        Shop.objects.for_merchant(request.merchant).active(), pk=posted_id(request, "shop")
    )
    request.session[POS_SHOP_SESSION_KEY] = shop.pk
    return redirect("pos:home")


@require_http_methods(["GET", "POST"])
@pos_view(Role.CASHIER)
def find(request: HttpRequest) -> HttpResponse:
    """A scan or whatever the cashier typed: the member's panel, or the offer to enrol.

    The page sends it by POST, so that what was typed or scanned (a phone, an email, a
    voucher's code) stays out of URLs and access logs.
    """
    shop = current_shop(request)
    form = SearchForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return render_panel(request, "start", {"search_form": form}, status=INVALID)
    text = form.cleaned_data["q"]
    member = find_member(request.merchant, text)
    if member is None:
        # Names before vouchers: "Andreea P" reads as a code too, and a failed code look-up
        # counts towards the guesses' limit. A code is random: no name starts with it.
        matches = find_members_by_name(request.merchant, text, limit=NAME_RESULTS)
        if matches:
            return names_panel(request, form, matches)
        if reward_views.looks_like_voucher(text):
            lookup = VoucherLookupForm({"code": text})
            if lookup.is_valid():
                return reward_views.voucher_panel(request, lookup)
        return render_panel(
            request,
            "not_found",
            {
                "search_form": form,
                "text": text,
                "enrol_form": EnrolForm(initial=contact_from(text)),
            },
        )
    return identified(request, shop, member, {"search_form": form})


def identified(request: HttpRequest, shop: Shop, member: Member, context: dict) -> HttpResponse:
    """A member found (a scan, a number, a name picked): counted, remembered, their panel."""
    record_identification(shop=shop, member=member, actor=request.user)
    remember_found(request, member)
    return render_panel(request, "member", {**context, **member_context(member)})


def names_panel(request: HttpRequest, form: SearchForm, matches: list[Member]) -> HttpResponse:
    """The members whose name starts so (NAME_RESULTS at most): the cashier picks one."""
    shown = matches[:NAME_RESULTS]
    request.session[NAME_MATCHES_SESSION_KEY] = [member.pk for member in shown]
    rows = [{"member": m, "name": short_name(m), "contact": masked_contact(m)} for m in shown]
    context = {"search_form": form, "matches": rows, "more": len(matches) > NAME_RESULTS}
    return render_panel(request, "names", context)


def masked_contact(member: Member) -> str:
    """“••• ••• 123”: enough of the phone for the customer to say “yes, that's me”."""
    if member.phone:
        return f"••• ••• {member.phone[-3:]}"
    return member.masked_email or f"•••{member.card_number[-4:]}"


@require_POST
@pos_view(Role.CASHIER)
def pick(request: HttpRequest) -> HttpResponse:
    """The member picked from a name search; counted in the staff flags as any find.

    Only a member the session's last name search listed: another id is a 404, as another
    merchant's member is.
    """
    member_id = posted_id(request, "member")
    if member_id not in request.session.get(NAME_MATCHES_SESSION_KEY, []):
        raise Http404
    member = get_object_or_404(
        Member.objects.for_merchant(request.merchant).select_related("tier"), pk=member_id
    )
    return identified(request, current_shop(request), member, {})


@require_GET
@pos_view(Role.CASHIER)
def member(request: HttpRequest, member_id: int) -> HttpResponse:
    """A member's panel again (after a redemption, an enrolment, an undo)."""
    found = found_member(request, member_id)
    current_shop(request)
    return render_panel(request, "member", member_context(found))
