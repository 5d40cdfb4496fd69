"""A draft campaign's steps: add one to a variant (a welcome series: a message now, another
after 3 days, points after 10), or take one out, with a confirmation."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns.automations import services
from campaigns.models import Campaign, Step, Variant
from campaigns.portal.campaign_forms import StepForm
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required


def _variant_or_404(request: HttpRequest, campaign_id: int, variant_id: int) -> Variant:
    campaign = get_object_or_404(Campaign.objects.for_merchant(request.merchant), pk=campaign_id)
    return get_object_or_404(campaign.variants.select_related("campaign"), pk=variant_id)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def step_new(request: HttpRequest, campaign_id: int, variant_id: int) -> HttpResponse:
    variant = _variant_or_404(request, campaign_id, variant_id)
    form = StepForm(request.POST or None, merchant=request.merchant)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_step(variant=variant, spec=form.spec(), actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Step added to variant %(name)s.") % {"name": variant.name})
        return redirect("portal:campaign", campaign_id)
    context = {
        "nav": "campaigns",
        "tab": "home",
        "campaign": variant.campaign,
        "variant": variant,
        "form": form,
    }
    return render(request, "portal/campaigns/step_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def step_delete(request: HttpRequest, campaign_id: int, step_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.for_merchant(request.merchant), pk=campaign_id)
    step = get_object_or_404(
        Step.objects.filter(variant__campaign=campaign).select_related("variant__campaign"),
        pk=step_id,
    )
    if request.method == "POST":
        try:
            services.remove_step(step=step, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Step removed."))
        return redirect("portal:campaign", campaign_id)
    context = {"nav": "campaigns", "tab": "home", "campaign": campaign, "step": step}
    return render(request, "portal/campaigns/step_delete.html", context)
