"""Portal pages of the loyalty program: its rules and its tiers (managers and owners)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from loyalty import queries
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.models.points import Program, Tier
from loyalty.points.ledger import get_program
from loyalty.points.program import delete_tier, save_tier, tier_deletion_problem, update_program
from loyalty.portal.forms.program import ProgramForm, TierForm
from loyalty.tenancy.permissions import staff_required
from members.models import Member


def _add_domain_error(form, exc: DomainError) -> None:
    """Show a service's refusal beside the field it is about, or above the form."""
    field = exc.params.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def program_settings(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    program = get_program(merchant)
    # The form validates a copy, so a rejected value never shows up in the page around it.
    form = ProgramForm(
        request.POST or None,
        instance=Program.objects.get(pk=program.pk),
        merchant=merchant,
        saved=program,
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            update_program(program=program, actor=request.user, changes=changes)
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            if changes:
                messages.success(request, _("Program saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("portal:program")
    return render(
        request,
        "portal/program/settings.html",
        {"form": form, "program": program, "nav": "program", "tab": "rules"},
    )


@require_GET
@staff_required(Role.MANAGER)
def tiers(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    return render(
        request,
        "portal/program/tiers.html",
        {
            "tiers": queries.tiers_with_member_counts(merchant),
            "program": get_program(merchant),
            "nav": "program",
            "tab": "tiers",
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def tier_form(request: HttpRequest, tier_id: int | None = None) -> HttpResponse:
    merchant = request.merchant
    program = get_program(merchant)
    tier = None
    initial = None
    if tier_id is not None:
        tier = get_object_or_404(Tier.objects.for_merchant(merchant), pk=tier_id)
        initial = {
            "name": tier.name,
            "threshold": tier.threshold,
            "multiplier": tier.multiplier,
            "benefits": tier.benefits,
        }
    form = TierForm(request.POST or None, initial=initial, program=program, tier=tier)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = save_tier(
                merchant=merchant,
                actor=request.user,
                tier=tier,
                name=data["name"],
                threshold=data["threshold"],
                multiplier=data["multiplier"],
                benefits=data["benefits"],
                translations=form.translations(),
            )
        except Tier.DoesNotExist:
            raise Http404 from None
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            if tier is None:
                messages.success(request, _("Tier “%(name)s” created.") % {"name": saved.name})
            else:
                messages.success(request, _("Tier “%(name)s” saved.") % {"name": saved.name})
            return redirect("portal:tiers")
    return render(
        request,
        "portal/program/tier_form.html",
        {"form": form, "tier": tier, "program": program, "nav": "program", "tab": "tiers"},
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def tier_delete(request: HttpRequest, tier_id: int) -> HttpResponse:
    merchant = request.merchant
    tier = get_object_or_404(Tier.objects.for_merchant(merchant), pk=tier_id)
    if request.method == "POST":
        try:
            moved = delete_tier(tier=tier, actor=request.user)
        except Tier.DoesNotExist:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if moved:
                message = ngettext(
                    "Tier “%(name)s” deleted. Its %(count)s member is placed in a tier by "
                    "tonight's re-evaluation.",
                    "Tier “%(name)s” deleted. Its %(count)s members are placed in a tier by "
                    "tonight's re-evaluation.",
                    moved,
                )
            else:
                message = _("Tier “%(name)s” deleted.")
            messages.success(request, message % {"name": tier.name, "count": moved})
        return redirect("portal:tiers")
    context = {
        "tier": tier,
        "program": get_program(merchant),
        "problem": tier_deletion_problem(tier, list(Tier.objects.for_merchant(merchant))),
        "members_count": Member.objects.for_merchant(merchant).filter(tier=tier).count(),
        "nav": "program",
        "tab": "tiers",
    }
    return render(request, "portal/program/tier_delete.html", context)
