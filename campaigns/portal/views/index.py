"""The campaigns hub: the merchant's campaigns, and a card for each part (segments, messages,
promotions)."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns.models import Campaign, CampaignEntry
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required


@require_GET
@staff_required(Role.MANAGER)
def campaigns_home(request: HttpRequest) -> HttpResponse:
    # Each of the 50 rows counts its own entries (a subquery on the entries' campaign index),
    # rather than a GROUP BY over every entry of every campaign before the LIMIT.
    entered = (
        CampaignEntry.objects.filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    campaigns = (
        Campaign.objects.for_merchant(request.merchant)
        .annotate(entered=Coalesce(Subquery(entered, output_field=IntegerField()), 0))
        .order_by("-created_at", "-id")[:50]
    )
    context = {"nav": "campaigns", "tab": "home", "campaigns": campaigns}
    return render(request, "portal/campaigns/index.html", context)
