"""The owner's monthly recap (/portal/campaigns/recap/?month=YYYY-MM): campaigns, segments
and three suggestions; the same figures go out by email each month (campaigns.tasks)."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns.automations.recap import recap
from loyalty.clock import local_today
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required


def month_from(value: str | None, today: date) -> tuple[date, bool]:
    """The month asked for (YYYY-MM), or last month; and whether the value was understood."""
    last_month = (today.replace(day=1) - date.resolution).replace(day=1)
    if not value:
        return last_month, True
    try:
        year, month = (int(part) for part in value.split("-"))
        asked = date(year, month, 1)
    except ValueError:
        return last_month, False
    if asked > today.replace(day=1):
        return last_month, False
    return asked, True


@require_GET
@staff_required(Role.MANAGER)
def monthly_recap(request: HttpRequest) -> HttpResponse:
    today = local_today(request.merchant)
    month, understood = month_from(request.GET.get("month"), today)
    context = {
        "nav": "campaigns",
        "tab": "recap",
        "recap": recap(request.merchant, month),
        "month": month,
        "understood": understood,
    }
    return render(request, "portal/campaigns/recap.html", context)
