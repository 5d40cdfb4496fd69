"""Portal pages of the paid club (managers and owners): the clubs, a club's settings with its
perks, its members (active, ending soon, lapsed), and a perk's form and removal."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.clock import local_today
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required
from rewards import clubs
from rewards.models import Club, ClubPerk
from rewards.portal.club_forms import ClubForm, ClubPerkForm

TAB = {"nav": "rewards", "tab": "clubs"}


def _club_or_404(request: HttpRequest, club_id: int) -> Club:
    found = Club.objects.for_merchant(request.merchant).select_related("merchant")
    return get_object_or_404(found, pk=club_id)


def _perk_or_404(club: Club, perk_id: int) -> ClubPerk:
    return get_object_or_404(ClubPerk.objects.for_merchant(club.merchant), club=club, pk=perk_id)


@require_GET
@staff_required(Role.MANAGER)
def club_list(request: HttpRequest) -> HttpResponse:
    day = local_today(request.merchant)
    rows = [
        (club, clubs.club_counts(club, day))
        for club in Club.objects.for_merchant(request.merchant).order_by("-active", "name", "id")
    ]
    return render(request, "portal/rewards/clubs.html", {"rows": rows, **TAB})


def _club_form(request: HttpRequest, club: Club | None) -> HttpResponse:
    form = ClubForm(
        request.POST or None,
        instance=_club_or_404(request, club.pk) if club else None,  # the form edits a copy
        merchant=request.merchant,
    )
    if request.method == "POST" and form.is_valid():
        saved = clubs.save_club(
            merchant=request.merchant, actor=request.user, club=club, **form.fields_to_save()
        )
        message = _("Club “%(name)s” created.") if club is None else _("Club “%(name)s” saved.")
        messages.success(request, message % {"name": saved.name})
        return redirect("portal:club_edit", club_id=saved.pk)
    perks = list(club.perks.filter(active=True)) if club else []
    context = {"form": form, "club": club, "perks": perks, **TAB}
    return render(request, "portal/rewards/club_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def club_new(request: HttpRequest) -> HttpResponse:
    return _club_form(request, None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def club_edit(request: HttpRequest, club_id: int) -> HttpResponse:
    return _club_form(request, _club_or_404(request, club_id))


@require_GET
@staff_required(Role.MANAGER)
def club_members(request: HttpRequest, club_id: int) -> HttpResponse:
    club = _club_or_404(request, club_id)
    show = request.GET.get("show", clubs.ACTIVE)
    if show not in (clubs.ACTIVE, clubs.ENDING, clubs.LAPSED):
        show = clubs.ACTIVE
    day = local_today(request.merchant)
    context = {
        "club": club,
        "show": show,
        "rows": clubs.club_members(club, day, show),
        "counts": clubs.club_counts(club, day),
        **TAB,
    }
    return render(request, "portal/rewards/club_members.html", context)


def _perk_form(request: HttpRequest, club: Club, perk: ClubPerk | None) -> HttpResponse:
    form = ClubPerkForm(request.POST or None, instance=perk, club=club)
    if request.method == "POST" and form.is_valid():
        saved = clubs.save_perk(club=club, actor=request.user, perk=perk, **form.fields_to_save())
        messages.success(request, _("Perk “%(name)s” saved.") % {"name": saved.name})
        return redirect("portal:club_edit", club_id=club.pk)
    context = {"form": form, "club": club, "perk": perk, **TAB}
    return render(request, "portal/rewards/club_perk_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def perk_new(request: HttpRequest, club_id: int) -> HttpResponse:
    return _perk_form(request, _club_or_404(request, club_id), None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def perk_edit(request: HttpRequest, club_id: int, perk_id: int) -> HttpResponse:
    club = _club_or_404(request, club_id)
    return _perk_form(request, club, _perk_or_404(club, perk_id))


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def perk_remove(request: HttpRequest, club_id: int, perk_id: int) -> HttpResponse:
    club = _club_or_404(request, club_id)
    perk = _perk_or_404(club, perk_id)
    if request.method == "POST":
        clubs.remove_perk(perk=perk, actor=request.user)
        messages.success(request, _("Perk “%(name)s” removed.") % {"name": perk.name})
        return redirect("portal:club_edit", club_id=club.pk)
    context = {"club": club, "perk": perk, **TAB}
    return render(request, "portal/rewards/club_perk_remove.html", context)
