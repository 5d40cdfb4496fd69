"""The campaigns hub: the merchant's campaigns, and a card for each part (segments, messages,
promotions)."""

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns.models import Campaign
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required


@require_GET
@staff_required(Role.MANAGER)
def campaigns_home(request: HttpRequest) -> HttpResponse:
    # Newest first, said again: Django leaves Meta.ordering out of a query with GROUP BY.
    campaigns = (
        Campaign.objects.for_merchant(request.merchant)
        .annotate(entered=Count("entries"))
        .order_by("-created_at", "-id")[:50]
    )
    context = {"nav": "campaigns", "tab": "home", "campaigns": campaigns}
    return render(request, "portal/campaigns/index.html", context)
