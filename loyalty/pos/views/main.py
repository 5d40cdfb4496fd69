"""The cashier's POS page: find a member, record a sale, redeem, use a voucher, enrol, undo.

One page (`pos/home.html`) whose panel HTMX swaps; each panel is a named partial of it, and a
request without HTMX gets the whole page with that panel, so every link and form also works
without JavaScript. The shop is the cashier's own, or the one a manager chose for the session;
it never comes from a form. Every form that changes something carries a one-time token.
"""

from allauth.account.adapter import get_adapter
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from loyalty.errors import DomainError
from loyalty.models import Role, Shop
from loyalty.models.points import Purchase
from loyalty.points.ledger import adjust_points, get_program
from loyalty.points.refunds import reverse_purchase
from loyalty.portal.views.start import POS_SHOP_SESSION_KEY, _posted_id
from loyalty.pos import queries as pos_queries
from loyalty.pos import services as pos_services
from loyalty.pos.forms import (
    AdjustForm,
    EnrolForm,
    PurchaseForm,
    ReverseForm,
    SearchForm,
    UndoForm,
    VoucherLookupForm,
)
from loyalty.tenancy.permissions import staff_required
from members.models import Member, MemberStatus
from members.queries import find_member
from members.services.enrolment import DuplicateMember, enrol_member
from rewards import services as rewards_services

# Answers that HTMX swaps although they are not 2xx (pos.js lets them through): a form with
# errors (422), a refused action (403 within the merchant), a conflict (409), too many tries.
INVALID = 422
VOUCHER_ERRORS = {
    "voucher_not_found",
    "voucher_used",
    "voucher_expired",
    "voucher_cancelled",
    "minimum_not_met",
    "too_many_attempts",
}


def pos_shop(request: HttpRequest) -> Shop | None:
    """The shop the POS works at: the cashier's own, or the one a manager picked."""
    staff = request.staff
    if staff.shop_id is not None:
        return staff.shop
    shop_id = request.session.get(POS_SHOP_SESSION_KEY)
    if shop_id is None:
        return None
    return Shop.objects.for_merchant(request.merchant).active().filter(pk=shop_id).first()


def _to_home(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(str(_home_url()))
    return redirect("pos:home")


def _home_url() -> str:
    from django.urls import reverse

    return reverse("pos:home")


# The members this POS session found, scanned or enrolled, newest last. Only they open a panel,
# take a sale or a redemption: walking /pos/members/<id>/ reads nobody's balance or vouchers.
FOUND_SESSION_KEY = "pos_found_members"
FOUND_LIMIT = 50


def remember_found(request: HttpRequest, member: Member) -> None:
    """Let this POS session open the member's panel (the last FOUND_LIMIT members)."""
    found = request.session.get(FOUND_SESSION_KEY, [])
    if found[-1:] == [member.pk]:
        return  # found again at once: the session need not be written
    found = [pk for pk in found if pk != member.pk] + [member.pk]
    request.session[FOUND_SESSION_KEY] = found[-FOUND_LIMIT:]


def was_found(request: HttpRequest, member_id: int | None) -> bool:
    return member_id is not None and member_id in request.session.get(FOUND_SESSION_KEY, [])


def _member_of(request: HttpRequest, member_id: int) -> Member:
    """A member this session found; anyone else is a 404, like another merchant's member."""
    if not was_found(request, member_id):
        raise Http404
    return get_object_or_404(
        Member.objects.for_merchant(request.merchant).select_related("tier", "merchant"),
        pk=member_id,
    )


def _render(
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


def _member_context(member: Member, **extra) -> dict:
    context = pos_queries.member_panel(member)
    context.update(_rewards_of(member))
    context.setdefault("purchase_form", PurchaseForm())
    context.setdefault("adjust_form", AdjustForm())
    context.update(extra)
    return context


def _rewards_of(member: Member) -> dict:
    """What the member can redeem now and the vouchers they hold (the rewards app)."""
    from rewards import queries as rewards_queries

    if member.status != MemberStatus.ACTIVE:
        return {"affordable": [], "vouchers": []}
    return {
        "affordable": rewards_queries.affordable_rewards(member),
        "vouchers": rewards_queries.unused_vouchers(member),
    }


# --- The page and the shop ------------------------------------------------------------------


@require_GET
@staff_required(Role.CASHIER)
def home(request: HttpRequest) -> HttpResponse:
    shop = pos_shop(request)
    if shop is None:
        shops = []
        if request.staff.has_role(Role.MANAGER):
            shops = list(Shop.objects.for_merchant(request.merchant).active())
        return render(request, "pos/home.html", {"shop": None, "shops": shops})
    return _render(request, "start")


@require_POST
@staff_required(Role.MANAGER)
def choose_shop(request: HttpRequest) -> HttpResponse:
    shop = get_object_or_404(
        Shop.objects.for_merchant(request.merchant).active(), pk=_posted_id(request, "shop")
    )
    request.session[POS_SHOP_SESSION_KEY] = shop.pk
    return redirect("pos:home")


# --- Finding a member -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(Role.CASHIER)
def find(request: HttpRequest) -> HttpResponse:
    """A scan or whatever the cashier typed: the member's panel, or the offer to enrol.

    The page sends it by POST, so that what was typed or scanned (a phone, an email, a
    voucher's code) stays out of URLs and access logs.
    """
    shop = pos_shop(request)
    if shop is None:
        return _to_home(request)
    form = SearchForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return _render(request, "start", {"search_form": form}, status=INVALID)
    text = form.cleaned_data["q"]
    member = find_member(request.merchant, text)
    if member is None:
        from loyalty.pos.views import rewards as pos_reward_views  # it imports this module

        if pos_reward_views.looks_like_voucher(text):
            lookup = VoucherLookupForm({"code": text})
            if lookup.is_valid():
                return pos_reward_views.voucher_panel(request, lookup)
        return _render(
            request,
            "not_found",
            {"search_form": form, "text": text, "enrol_form": EnrolForm(initial=_contact(text))},
        )
    pos_services.record_identification(shop=shop, member=member, actor=request.user)
    remember_found(request, member)
    return _render(request, "member", {"search_form": form, **_member_context(member)})


def _contact(text: str) -> dict:
    """What the enrolment form can start from: the phone or the email the cashier typed."""
    text = text.strip()
    if "@" in text:
        return {"email": text}
    if sum(ch.isdigit() for ch in text) >= 6 and not text.upper().startswith("FDL"):
        return {"phone": text}
    return {}


@require_GET
@staff_required(Role.CASHIER)
def member(request: HttpRequest, member_id: int) -> HttpResponse:
    """A member's panel again (after a redemption, an enrolment, an undo)."""
    found = _member_of(request, member_id)
    if pos_shop(request) is None:
        return _to_home(request)
    return _render(request, "member", _member_context(found))


# --- Sales ----------------------------------------------------------------------------------


@require_GET
@staff_required(Role.CASHIER)
def sale(request: HttpRequest) -> HttpResponse:
    """A sale without a member: the receipt gets a code the customer can claim later."""
    if pos_shop(request) is None:
        return _to_home(request)
    return _render(request, "sale", {"purchase_form": PurchaseForm()})


@require_POST
@staff_required(Role.CASHIER)
def purchase(request: HttpRequest, member_id: int | None = None) -> HttpResponse:
    """Record a sale at this shop, for the member in the URL or for nobody, once per token."""
    found = _member_of(request, member_id) if member_id is not None else None
    shop = pos_shop(request)
    if shop is None:
        return _to_home(request)
    if request.POST.get("change"):
        # "Change" on the unusual-amount question: the form again, to correct, same token.
        return _sale_panel(request, found, _to_correct(request.POST))
    form = PurchaseForm(request.POST, program=get_program(request.merchant))
    if form.is_valid() and form.needs_confirmation:
        return _sale_panel(request, found, form, confirm_sale=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = pos_services.record_pos_purchase(
                shop=shop,
                member=found,
                amount=data["amount"],
                token=data["token"],
                receipt=data["receipt"],
                voucher=data["voucher"],
                actor=request.user,
                ip=_ip(request),
            )
        except DomainError as exc:
            form.add_error("voucher" if exc.code in VOUCHER_ERRORS else None, exc.message)
        else:
            return _render(request, "result", _result_context(request, done))
    return _sale_panel(request, found, _fresh(form), status=INVALID)


def _sale_panel(
    request: HttpRequest, found: Member | None, form: PurchaseForm, *, status: int = 200, **extra
) -> HttpResponse:
    """The sale form again, in the member's panel or the sale without a member."""
    if found is None:
        return _render(request, "sale", {"purchase_form": form, **extra}, status=status)
    return _render(
        request, "member", _member_context(found, purchase_form=form, **extra), status=status
    )


def _to_correct(posted) -> PurchaseForm:
    """The sale form filled in with what was posted, without errors, the token unspent."""
    names = ("token", "amount", "receipt", "voucher")
    return PurchaseForm(initial={name: posted[name] for name in names if posted.get(name)})


def _fresh(form):
    """The form with its errors and input, and a new token for the corrected send."""
    data = form.data.copy()
    data["token"] = pos_services.new_form_token()
    fresh = form.__class__(data)
    fresh.is_valid()
    for field, errors in form.errors.items():
        for error in errors:
            if error not in fresh.errors.get(field, []):
                fresh.add_error(None if field == "__all__" else field, error)
    return fresh


def _result_context(request: HttpRequest, done: pos_services.PosSale) -> dict:
    sale = done.result.purchase
    context = {
        "result": done.result,
        "sale": sale,
        "replayed": done.replayed,
        "used": done.voucher,
        # Without a receipt number the form's token was the external id: nothing to show.
        "receipt": "" if sale.external_id.startswith("pos-") else sale.external_id,
        "program": get_program(request.merchant),
        "can_undo": pos_services.can_undo(sale, request.user),
        "undo_form": UndoForm(initial={"purchase": sale.pk}),
        "reverse_form": ReverseForm(),
        "undo_minutes": int(pos_services.UNDO_WINDOW.total_seconds() // 60),
    }
    if sale.member_id is not None:
        context["short_name"] = pos_queries.short_name(sale.member)
    return context


def _ip(request: HttpRequest) -> str:
    # Behind a proxy: the client's address as the TRUSTED_PROXY_* settings say (allauth's rule).
    return get_adapter().get_client_ip(request) or "unknown"


@require_POST
@staff_required(Role.CASHIER)
def undo(request: HttpRequest, purchase_id: int) -> HttpResponse:
    """The cashier's own last sale, within minutes: reversed in the ledger, audited."""
    sale = get_object_or_404(
        Purchase.objects.for_merchant(request.merchant).select_related("merchant", "member"),
        pk=purchase_id,
    )
    if pos_shop(request) is None:
        return _to_home(request)
    form = UndoForm(request.POST)
    if not form.is_valid():
        return _render(request, "message", {"error": _("Nothing to undo.")}, status=INVALID)
    try:
        once = pos_services.run_once(
            merchant=request.merchant,
            user=request.user,
            token=form.cleaned_data["token"],
            action="undo",
            perform=lambda: _undone(sale, request),
            together=False,
        )
    except DomainError as exc:
        status = 403 if isinstance(exc, pos_services.UndoRefused) else 409
        return _render(request, "message", {"error": exc.message, "sale": sale}, status=status)
    sale.refresh_from_db()
    vouchers = once.result.get("vouchers", [])
    return _render(
        request, "undone", {"sale": sale, "vouchers": vouchers, **_after_sale(request, sale)}
    )


def _undone(sale: Purchase, request: HttpRequest) -> dict:
    _sale, given_back = pos_services.undo_purchase(purchase=sale, actor=request.user)
    return {"purchase": sale.pk, "vouchers": _voucher_pairs(given_back)}


def _voucher_pairs(given_back: list[tuple]) -> list[dict]:
    # Masked: the till shows which voucher, never enough of its code to use it elsewhere.
    return [
        {"used": old.masked_code, "new": new.masked_code if new else None, "what": old.title}
        for old, new in given_back
    ]


def _after_sale(request: HttpRequest, sale: Purchase) -> dict:
    if sale.member_id is None:
        return {}
    member = Member.objects.select_related("tier", "merchant").get(pk=sale.member_id)
    return {
        "member": member,
        "short_name": pos_queries.short_name(member),
        "member_found": was_found(request, member.pk),
    }


@require_POST
@staff_required(Role.MANAGER)
def reverse(request: HttpRequest, purchase_id: int) -> HttpResponse:
    """A manager reverses a sale from the till (refunds of part of a sale: the portal)."""
    sale = get_object_or_404(
        Purchase.objects.for_merchant(request.merchant).select_related("merchant", "member"),
        pk=purchase_id,
    )
    if pos_shop(request) is None:
        return _to_home(request)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return _render(
            request, "message", {"error": form.errors.as_text(), "sale": sale}, status=INVALID
        )
    reason = form.cleaned_data["reason"]
    try:
        once = pos_services.run_once(
            merchant=request.merchant,
            user=request.user,
            token=form.cleaned_data["token"],
            action="reverse",
            perform=lambda: _reversed(sale, request, reason),
            together=False,
        )
    except DomainError as exc:
        return _render(request, "message", {"error": exc.message, "sale": sale}, status=409)
    sale.refresh_from_db()
    vouchers = once.result.get("vouchers", [])
    return _render(
        request, "undone", {"sale": sale, "vouchers": vouchers, **_after_sale(request, sale)}
    )


def _reversed(sale: Purchase, request: HttpRequest, reason: str) -> dict:
    reverse_purchase(purchase=sale, actor=request.user, reason=reason)
    given_back = rewards_services.give_back_vouchers(purchase=sale, actor=request.user)
    return {"purchase": sale.pk, "vouchers": _voucher_pairs(given_back)}


@require_POST
@staff_required(Role.MANAGER)
def adjust(request: HttpRequest, member_id: int) -> HttpResponse:
    """A manager's manual change of a member's points, with a reason (cashiers: 403)."""
    found = _member_of(request, member_id)
    if pos_shop(request) is None:
        return _to_home(request)
    form = AdjustForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            once = pos_services.run_once(
                merchant=request.merchant,
                user=request.user,
                token=data["token"],
                action="adjust",
                perform=lambda: _adjusted(found, request, data["points"], data["reason"]),
                together=False,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            found.refresh_from_db()
            return _render(
                request,
                "member",
                _member_context(found, adjusted=once.result.get("points"), replayed=once.replayed),
            )
    return _render(
        request, "member", _member_context(found, adjust_form=_fresh(form)), status=INVALID
    )


def _adjusted(member: Member, request: HttpRequest, change: int, reason: str) -> dict:
    adjust_points(member=member, points=change, reason=reason, actor=request.user)
    return {"points": change}


# --- Enrolment ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(Role.CASHIER)
def enrol(request: HttpRequest) -> HttpResponse:
    """Quick enrolment: a phone or an email, a first name, consents unticked by default."""
    shop = pos_shop(request)
    if shop is None:
        return _to_home(request)
    if request.method == "GET":
        return _render(request, "enrol", {"enrol_form": EnrolForm(initial=_contact(""))})
    form = EnrolForm(request.POST)
    duplicate = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            once = pos_services.run_once(
                merchant=request.merchant,
                user=request.user,
                token=data["token"],
                action="enrol",
                perform=lambda: _enrolled(request, shop, data),
            )
        except DuplicateMember as exc:
            # Typing their phone or email found them: the same as a search, and counted so.
            duplicate = exc.member
            pos_services.record_identification(shop=shop, member=duplicate, actor=request.user)
            remember_found(request, duplicate)
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            new = get_object_or_404(
                Member.objects.for_merchant(request.merchant).select_related("tier", "merchant"),
                pk=once.result["member"],
            )
            remember_found(request, new)
            return _render(
                request, "member", _member_context(new, enrolled=True, replayed=once.replayed)
            )
    return _render(
        request,
        "enrol",
        {"enrol_form": _fresh(form), "duplicate": duplicate},
        status=INVALID,
    )


def _enrolled(request: HttpRequest, shop: Shop, data: dict) -> dict:
    member = enrol_member(
        merchant=request.merchant,
        email=data["email"],
        phone=data["phone"],
        first_name=data["first_name"],
        shop=shop,
        actor=request.user,
        email_marketing=data["email_marketing"],
        sms_marketing=data["sms_marketing"],
        consent_wording=_consent_wording(request, data),
    )
    return {"member": member.pk}


def _consent_wording(request: HttpRequest, data: dict) -> str:
    channels = [
        label
        for label, given in (
            (_("email"), data["email_marketing"]),
            (_("SMS"), data["sms_marketing"]),
        )
        if given
    ]
    if not channels:
        return ""
    return _("Agreed at the till to receive offers from %(merchant)s by %(channels)s.") % {
        "merchant": request.merchant.name,
        "channels": " / ".join(channels),
    }


# --- The owner's view of staff flags (portal) ------------------------------------------------


@require_GET
@staff_required(Role.OWNER)
def staff_flags(request: HttpRequest) -> HttpResponse:
    flags = pos_queries.staff_flags(request.merchant)[:200]
    return render(
        request,
        "portal/staff_flags.html",
        {
            "flags": flags,
            "nav": "dashboard",
            "per_day": pos_services.IDENTIFICATIONS_PER_DAY,
            "undos": pos_services.UNDOS_PER_DAY,
        },
    )
