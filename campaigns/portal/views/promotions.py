"""Promotions in the portal: the list (running, scheduled, ended, with the bonus points given
and the budget left), new and edit, and ending one now."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.models import Promotion
from campaigns.portal.promotion_forms import PromotionForm
from campaigns.promotions import services
from campaigns.promotions.queries import promotions_by_state
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.points.ledger import get_program
from loyalty.tenancy.permissions import staff_required


def _promotion_or_404(request: HttpRequest, promotion_id: int) -> Promotion:
    return get_object_or_404(
        Promotion.objects.for_merchant(request.merchant).select_related("segment", "member"),
        pk=promotion_id,
    )


@require_GET
@staff_required(Role.MANAGER)
def promotion_list(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    context = {
        "groups": promotions_by_state(merchant),
        "program": get_program(merchant),
        "nav": "campaigns",
        "tab": "promotions",
    }
    return render(request, "portal/campaigns/promotions.html", context)


def _form_page(request: HttpRequest, promotion: Promotion | None) -> HttpResponse:
    merchant = request.merchant
    with timezone.override(merchant.tzinfo):
        form = PromotionForm(request.POST or None, instance=promotion, merchant=merchant)
        if request.method == "POST" and form.is_valid():
            saved = form.save(commit=False)
            if promotion is None:
                saved.created_by = request.user
            try:
                saved = services.save_promotion(promotion=saved, actor=request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Promotion “%(name)s” saved.") % {"name": saved.name})
                return redirect("portal:promotions")
        context = {"form": form, "promotion": promotion, "nav": "campaigns", "tab": "promotions"}
        return render(request, "portal/campaigns/promotion_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def promotion_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def promotion_edit(request: HttpRequest, promotion_id: int) -> HttpResponse:
    return _form_page(request, _promotion_or_404(request, promotion_id))


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def promotion_end(request: HttpRequest, promotion_id: int) -> HttpResponse:
    """Asks first; the POST ends it at once (audit-logged)."""
    promotion = _promotion_or_404(request, promotion_id)
    if not promotion.applies_now() and promotion.state() != "scheduled":
        return redirect("portal:promotions")
    if request.method == "POST":
        services.end_promotion(promotion=promotion, actor=request.user)
        messages.success(request, _("Promotion “%(name)s” ended.") % {"name": promotion.name})
        return redirect("portal:promotions")
    context = {
        "promotion": promotion,
        "program": get_program(request.merchant),
        "nav": "campaigns",
        "tab": "promotions",
    }
    return render(request, "portal/campaigns/promotion_end.html", context)
