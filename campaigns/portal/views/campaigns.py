"""The campaign pages: a new campaign with its plan (audience and detectable lift), a
campaign's page with its results against the holdout, and the launch with a confirmation."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.automations import services
from campaigns.automations.results import results
from campaigns.models import Campaign, CampaignStatus, Segment
from campaigns.portal.campaign_forms import CampaignForm
from loyalty.analytics import charts
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.money import format_percent
from loyalty.tenancy.permissions import staff_required

PLAN_DEFAULTS = {"holdout_percent": 10, "conversion_days": 14}


def _campaign_or_404(request: HttpRequest, campaign_id: int) -> Campaign:
    campaigns = Campaign.objects.for_merchant(request.merchant).select_related("segment")
    return get_object_or_404(campaigns, pk=campaign_id)


def _number(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value or default)))
    except ValueError:
        return default


def _plan_from(request: HttpRequest, source) -> services.Plan:
    segment = None
    if source.get("segment"):
        segment = (
            Segment.objects.for_merchant(request.merchant)
            .filter(pk=_number(source.get("segment"), 0, 0, 2**31))
            .first()
        )
    return services.plan(
        request.merchant,
        segment=segment,
        holdout_percent=_number(source.get("holdout_percent"), 10, 0, 50),
        conversion_days=_number(source.get("conversion_days"), 14, 1, 90),
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, merchant=request.merchant)
    with timezone.override(request.merchant.tzinfo):  # "send at" is the merchant's clock
        valid = request.method == "POST" and form.is_valid()
    if valid:
        data = form.cleaned_data
        campaign = services.create_campaign(
            merchant=request.merchant,
            actor=request.user,
            name=data["name"],
            kind=data["kind"],
            variants=form.variants(),
            segment=data.get("segment"),
            trigger=data.get("trigger") or "",
            trigger_days=data.get("trigger_days"),
            holdout_percent=data["holdout_percent"],
            conversion_days=data["conversion_days"],
            scheduled_at=data.get("scheduled_at") if data["kind"] == "broadcast" else None,
        )
        messages.success(request, _("Campaign saved as a draft. Check its plan, then launch it."))
        return redirect("portal:campaign", campaign.pk)
    context = {
        "nav": "campaigns",
        "tab": "home",
        "form": form,
        "plan": _plan_from(request, request.POST or PLAN_DEFAULTS),
    }
    return render(request, "portal/campaigns/campaign_form.html", context)


@require_POST
@staff_required(Role.MANAGER)
def campaign_plan(request: HttpRequest) -> HttpResponse:
    """The plan pane, re-rendered by HTMX as the audience or the holdout changes (a POST: it
    is a piece of the form, not a page)."""
    return render(
        request,
        "portal/campaigns/campaign_form.html#plan",
        {"plan": _plan_from(request, request.POST)},
    )


@require_GET
@staff_required(Role.MANAGER)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    draft = campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
    context = {
        "nav": "campaigns",
        "tab": "home",
        "campaign": campaign,
        "variants": campaign.variants.prefetch_related("steps__template", "steps__reward"),
        "draft": draft,
    }
    if draft:
        context["plan"] = services.plan(
            request.merchant,
            segment=campaign.segment,
            holdout_percent=campaign.holdout_percent,
            conversion_days=campaign.conversion_days,
        )
    else:
        answer = results(campaign)
        context["results"] = answer
        context["chart"] = _conversion_chart(answer)
    return render(request, "portal/campaigns/campaign.html", context)


def _conversion_chart(answer):
    groups = [group for group in answer.groups if group.members]
    if not groups:
        return None
    return charts.bar_chart(
        [
            (
                _("Holdout") if group.held_out else _("Variant %(name)s") % {"name": group.name},
                round((group.conversion_rate or 0) * 100, 1),
            )
            for group in groups
        ],
        title=_("Conversion rate per group"),
        desc=_("The share of each group who bought within the window; the table has the counts."),
        value_format=lambda value: format_percent(value, 1),
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def campaign_launch(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    if request.method == "POST":
        try:
            entered = services.launch(campaign=campaign, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            campaign.refresh_from_db()
            if campaign.status == CampaignStatus.SCHEDULED:
                messages.success(request, _("Scheduled: it goes out at the time you set."))
            else:
                messages.success(
                    request,
                    _("Launched: %(count)s members entered the campaign.") % {"count": entered},
                )
        return redirect("portal:campaign", campaign.pk)
    plan = services.plan(
        request.merchant,
        segment=campaign.segment,
        holdout_percent=campaign.holdout_percent,
        conversion_days=campaign.conversion_days,
    )
    context = {"nav": "campaigns", "tab": "home", "campaign": campaign, "plan": plan}
    return render(request, "portal/campaigns/campaign_launch.html", context)
