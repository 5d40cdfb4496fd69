"""The POS page's paid club: "Club member until …", each perk with what is left, "Use".

`loyalty.pos.club_panel.club_context(member)` is what the member panel adds (pos/_club.html is
included in it); the `use_perk` POST records one use of a perk for a member found in this
session, once per form token (a double tap is the first use, answered again). For HTMX it
answers the club section alone (the form swaps #pos-club); without HTMX, the whole member
panel.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.pos import services as pos_services
from loyalty.pos.club_panel import UsePerkForm, club_context
from loyalty.pos.shell import (
    INVALID,
    current_shop,
    found_member,
    member_context,
    pos_view,
    render_panel,
)
from members.models import Member
from rewards.engagement import club as club_engine
from rewards.models import ClubPerk, PerkUse


def _answer(request: HttpRequest, member: Member, *, status: int = 200, **extra) -> HttpResponse:
    context = club_context(member, **extra)
    if request.htmx:
        html = render_to_string("pos/_club.html", {"member": member, **context}, request)
        return HttpResponse(html, status=status)
    return render_panel(request, "member", member_context(member, **context), status=status)


@require_POST
@pos_view(Role.CASHIER)
def use_perk(request: HttpRequest, member_id: int) -> HttpResponse:
    """Record one use of a club perk (the perk's id in the body), once per token."""
    found = found_member(request, member_id)
    shop = current_shop(request)
    form = UsePerkForm(request.POST)
    if not form.is_valid():
        return _answer(request, found, status=INVALID, perk_error=_("Try again."))
    perk = get_object_or_404(
        ClubPerk.objects.for_merchant(request.merchant).select_related("club"),
        pk=form.cleaned_data["perk"],
    )
    try:
        once = pos_services.run_once(
            merchant=request.merchant,
            user=request.user,
            token=form.cleaned_data["token"],
            action="perk",
            perform=lambda: {
                "use": club_engine.use_perk(perk, found, shop, request.user).pk,
            },
        )
    except DomainError as exc:
        return _answer(request, found, status=409, perk_error=exc.message)
    used = (
        PerkUse.objects.for_merchant(request.merchant)
        .select_related("perk")
        .get(pk=once.result["use"])
    )
    return _answer(request, found, perk_used=used, replayed=once.replayed)
