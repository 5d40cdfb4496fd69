"""Portal settings: merchant profile (with the members' links and the counter poster), shops,
staff, API keys and the audit log (owners only)."""

from datetime import datetime, time

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty import queries
from loyalty.errors import DomainError
from loyalty.models import ApiKey, Invitation, Role, Shop, StaffMember
from loyalty.portal.audit_labels import action_label
from loyalty.portal.forms.settings import (
    ApiKeyForm,
    AuditFilterForm,
    InviteForm,
    MerchantProfileForm,
    RoleForm,
    ShopForm,
)
from loyalty.qr import qr_svg
from loyalty.tenancy.permissions import staff_required
from loyalty.tenancy.services import (
    archive_shop,
    change_role,
    create_api_key,
    create_shop,
    invite_staff,
    remove_staff,
    restore_shop,
    revoke_api_key,
    revoke_invitation,
    update_merchant,
    update_shop,
)
from members.branding import brand_colours

AUDIT_PAGE_SIZE = 50
POSTER_QR_SCALE = 10  # module size in the SVG's own units; the print stylesheet sizes it


@require_GET
@staff_required(Role.MANAGER)
def settings_index(request: HttpRequest) -> HttpResponse:
    if request.staff.is_owner:
        return redirect("portal:settings_profile")
    return render(request, "portal/settings/index.html", {})


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def profile(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    # The form validates a copy, so a rejected value never shows up in the page around it.
    form = MerchantProfileForm(
        request.POST or None,
        request.FILES or None,
        instance=type(merchant).objects.get(pk=merchant.pk),
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes.get("logo") is False:  # the "clear" box of the file input
            changes["logo"] = ""
        update_merchant(merchant=merchant, actor=request.user, changes=changes)
        messages.success(request, _("Profile saved."))
        return redirect("portal:settings_profile")
    context = {"form": form, "section": "profile", **_member_links(request)}
    return render(request, "portal/settings/profile.html", context)


# --- Area B (issue 17): the members' links and the counter poster -----------------------------


def _member_links(request: HttpRequest) -> dict[str, str]:
    """The member page and its join page as absolute links, from the address the owner used."""
    slug = request.merchant.slug
    return {
        "member_url": request.build_absolute_uri(reverse("member:card", args=[slug])),
        "join_url": request.build_absolute_uri(reverse("member:join", args=[slug])),
    }


def _poster_qr(url: str, title: str) -> str:
    """The join link as an inline SVG QR code: black on white, as scanners need; CSS sizes it."""
    return qr_svg(url, title, css_class="poster-qr", scale=POSTER_QR_SCALE)


@require_GET
@staff_required(Role.OWNER)
def counter_poster(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    links = _member_links(request)
    context = {
        **links,
        # The short link under the code, for whoever types it: no scheme, no trailing slash.
        "short_link": links["join_url"].split("://", 1)[-1],
        "qr_svg": _poster_qr(links["join_url"], _("QR code of the join page")),
        "brand": brand_colours(merchant),
        "section": "profile",
    }
    return render(request, "portal/settings/poster.html", context)


# --- Shops -------------------------------------------------------------------------------------


@require_GET
@staff_required(Role.OWNER)
def shops(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/settings/shops.html",
        {"shops": Shop.objects.for_merchant(request.merchant), "section": "shops"},
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def shop_form(request: HttpRequest, shop_id: int | None = None) -> HttpResponse:
    shop = None
    initial = None
    if shop_id is not None:
        shop = get_object_or_404(Shop.objects.for_merchant(request.merchant), pk=shop_id)
        initial = {"name": shop.name, "address": shop.address}
    form = ShopForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if shop is None:
                shop = create_shop(
                    merchant=request.merchant, actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("Shop “%(name)s” created.") % {"name": shop.name})
            else:
                update_shop(shop=shop, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Shop “%(name)s” saved.") % {"name": shop.name})
        except DomainError as exc:
            form.add_error("name", exc.message)
        else:
            return redirect("portal:settings_shops")
    return render(
        request, "portal/settings/shop_form.html", {"form": form, "shop": shop, "section": "shops"}
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def shop_archive(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = get_object_or_404(Shop.objects.for_merchant(request.merchant), pk=shop_id)
    if request.method == "POST":
        try:
            if shop.is_archived:
                restore_shop(shop=shop, actor=request.user)
                messages.success(request, _("Shop “%(name)s” reopened.") % {"name": shop.name})
            else:
                archive_shop(shop=shop, actor=request.user)
                messages.success(request, _("Shop “%(name)s” archived.") % {"name": shop.name})
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("portal:settings_shops")
    return render(request, "portal/settings/shop_archive.html", {"shop": shop, "section": "shops"})


# --- Staff -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def staff(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    form = InviteForm(request.POST or None, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invite_staff(
                merchant=merchant, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("portal:settings_staff")
    context = {
        "form": form,
        "members": StaffMember.objects.for_merchant(merchant).select_related("user", "shop"),
        "invitations": queries.open_invitations(merchant),
        "section": "staff",
    }
    return render(request, "portal/settings/staff.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def staff_edit(request: HttpRequest, staff_id: int) -> HttpResponse:
    member = get_object_or_404(
        StaffMember.objects.for_merchant(request.merchant).select_related("user"), pk=staff_id
    )
    form = RoleForm(
        request.POST or None,
        merchant=request.merchant,
        initial={"role": member.role, "shop": member.shop_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            change_role(staff=member, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("role", exc.message)
        else:
            messages.success(request, _("%(email)s updated.") % {"email": member.user.email})
            return redirect("portal:settings_staff")
    return render(
        request,
        "portal/settings/staff_edit.html",
        {"form": form, "member": member, "section": "staff"},
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def staff_remove(request: HttpRequest, staff_id: int) -> HttpResponse:
    member = get_object_or_404(
        StaffMember.objects.for_merchant(request.merchant).select_related("user"), pk=staff_id
    )
    if request.method == "POST":
        try:
            remove_staff(staff=member, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("%(email)s no longer has access.") % {"email": member.user.email}
            )
            if member.user_id == request.user.pk:
                return redirect("start")
        return redirect("portal:settings_staff")
    return render(
        request, "portal/settings/staff_remove.html", {"member": member, "section": "staff"}
    )


@require_POST
@staff_required(Role.OWNER)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.for_merchant(request.merchant), pk=invitation_id
    )
    revoke_invitation(invitation=invitation, actor=request.user)
    messages.success(
        request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
    )
    return redirect("portal:settings_staff")


# --- API keys ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def api_keys(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    form = ApiKeyForm(request.POST or None, merchant=merchant)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, new_key = create_api_key(
                merchant=merchant, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error("shop", exc.message)
        else:
            form = ApiKeyForm(merchant=merchant)
    context = {
        "form": form,
        "new_key": new_key,
        "keys": ApiKey.objects.for_merchant(merchant).select_related("shop"),
        "section": "api_keys",
    }
    response = render(request, "portal/settings/api_keys.html", context)
    if new_key:
        # The key is shown once; it must not linger in any cache.
        response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@staff_required(Role.OWNER)
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    key = get_object_or_404(
        ApiKey.objects.for_merchant(request.merchant).select_related("shop"), pk=key_id
    )
    if request.method == "POST":
        revoke_api_key(key=key, actor=request.user)
        messages.success(request, _("The key %(hint)s… is revoked.") % {"hint": key.hint})
        return redirect("portal:settings_api_keys")
    return render(
        request, "portal/settings/api_key_revoke.html", {"key": key, "section": "api_keys"}
    )


# --- Audit log ---------------------------------------------------------------------------------


@require_GET
@staff_required(Role.OWNER)
def audit_log(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    form = AuditFilterForm(
        request.GET or None,
        actions=queries.audit_actions(merchant),
        actors=queries.audit_actors(merchant),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    tz = merchant.tzinfo
    events = queries.audit_events(
        merchant,
        action=filters.get("action") or None,
        actor_id=int(filters["actor"]) if filters.get("actor") else None,
        since=datetime.combine(filters["since"], time.min, tz) if filters.get("since") else None,
        until=datetime.combine(filters["until"], time.max, tz) if filters.get("until") else None,
    )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.label = action_label(event.action)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "section": "audit"}
    template = "portal/settings/audit.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)
