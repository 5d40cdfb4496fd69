"""Portal pages of the visit streaks (managers and owners): the programs with their results,
the form for a new or an existing program, and switching one off."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required
from rewards.models import StreakProgram
from rewards.portal.streak_forms import StreakProgramForm
from rewards.streak_programs import (
    deactivate_streak_program,
    programs_with_results,
    save_streak_program,
)


def _program_or_404(request: HttpRequest, program_id: int) -> StreakProgram:
    programs = StreakProgram.objects.for_merchant(request.merchant).select_related("merchant")
    return get_object_or_404(programs, pk=program_id)


@require_GET
@staff_required(Role.MANAGER)
def streak_list(request: HttpRequest) -> HttpResponse:
    results = programs_with_results(request.merchant)
    context = {
        "results": results,
        "has_active": any(r.program.active for r in results),
        "nav": "rewards",
        "tab": "streaks",
    }
    return render(request, "portal/rewards/streaks.html", context)


def _form_page(request: HttpRequest, program: StreakProgram | None) -> HttpResponse:
    merchant = request.merchant
    form = StreakProgramForm(
        request.POST or None,
        instance=_program_or_404(request, program.pk) if program else None,  # edits a copy
        merchant=merchant,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_streak_program(
                merchant=merchant, actor=request.user, program=program, **form.fields_to_save()
            )
        except DomainError as error:  # another manager got there between the check and now
            form.add_error(None, error.message)
        else:
            if program is None:
                message = _("Streak “%(name)s” created.")
            else:
                message = _("Streak “%(name)s” saved.")
            messages.success(request, message % {"name": saved.name})
            return redirect("portal:streaks")
    context = {"form": form, "program": program, "nav": "rewards", "tab": "streaks"}
    return render(request, "portal/rewards/streaks_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def streak_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def streak_edit(request: HttpRequest, program_id: int) -> HttpResponse:
    return _form_page(request, _program_or_404(request, program_id))


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def streak_deactivate(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program_or_404(request, program_id)
    if not program.active:
        messages.info(request, _("“%(name)s” is already switched off.") % {"name": program.name})
        return redirect("portal:streaks")
    if request.method == "POST":
        deactivate_streak_program(program=program, actor=request.user)
        messages.success(
            request,
            _("“%(name)s” is switched off: visits no longer count on it.") % {"name": program.name},
        )
        return redirect("portal:streaks")
    context = {"program": program, "nav": "rewards", "tab": "streaks"}
    return render(request, "portal/rewards/streaks_deactivate.html", context)
