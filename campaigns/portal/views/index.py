"""The campaigns hub: what the merchant can do to reach members, one section per part."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required


@require_GET
@staff_required(Role.MANAGER)
def campaigns_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/campaigns/index.html", {"nav": "campaigns", "tab": "home"})
