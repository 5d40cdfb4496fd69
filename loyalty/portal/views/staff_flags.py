"""The owner's list of staff flags (patterns at the till worth a look: loyalty/staff_flags.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loyalty import staff_flags
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required


@require_GET
@staff_required(Role.OWNER)
def staff_flags_page(request: HttpRequest) -> HttpResponse:
    flags = staff_flags.staff_flags(request.merchant)[:200]
    return render(
        request,
        "portal/staff_flags.html",
        {
            "flags": flags,
            "nav": "dashboard",
            "per_day": staff_flags.IDENTIFICATIONS_PER_DAY,
            "undos": staff_flags.UNDOS_PER_DAY,
        },
    )
