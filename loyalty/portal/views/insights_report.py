"""The monthly report (/portal/insights/report/): one month's figures against the month before,
laid out to be printed (the print stylesheet drops the navigation) or saved as PDF by the
browser.

Everything comes from what the other insights pages read: the key figures of
`loyalty.analytics.kpis` for the month (compared with the previous month, as the "last month"
period is) and the month's line of the points roll-forward of `loyalty.analytics.liability`,
both from the daily statistics only. The current month is the month to date, compared with the
same days of the month before.
"""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from loyalty.analytics import kpis, liability
from loyalty.analytics.periods import Period
from loyalty.clock import local_today
from loyalty.models import Merchant, Role
from loyalty.points.ledger import add_months, get_program
from loyalty.portal.views.insights_overview import figure_cards, revenue_chart
from loyalty.tenancy.permissions import staff_required

MONTHS_OFFERED = 24


def month_period(month: date, today: date) -> Period:
    """The local month starting `month`, to `today` when it is the current one."""
    last = min(liability.month_end(month), today)
    return Period(month, last, "month" if last == today else "last_month")


def parse_month(value: str, today: date) -> tuple[date, str]:
    """The month `YYYY-MM` asks for and an error ("" when none); the default is last month."""
    default = add_months(today.replace(day=1), -1)
    if not value:
        return default, ""
    try:
        year, month = (int(part) for part in value.split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return default, _("“%(value)s” is not a month (YYYY-MM).") % {"value": value[:20]}
    if chosen > today:
        return default, _("That month has not begun yet.")
    return chosen, ""


def month_line(merchant: Merchant, period: Period) -> liability.Month | None:
    """The month's line of the points roll-forward (opening, flows, closing liability)."""
    program = get_program(merchant)
    months = liability.roll_forward(
        liability.monthly_figures(merchant, period.last_day), period.last_day, program.point_value
    )
    return months[-1] if months and months[-1].month == period.first_day else None


@require_GET
@staff_required(Role.MANAGER)
def monthly_report(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    today = local_today(merchant)
    month, error = parse_month(request.GET.get("month", ""), today)
    period = month_period(month, today)
    result = kpis.insights(merchant, period)
    this_month = today.replace(day=1)
    offered = [add_months(this_month, -n) for n in range(MONTHS_OFFERED)]
    context = {
        "nav": "insights",
        "tab": "report",
        "month": month,
        "period": period,
        "previous": result.previous,
        "error": error,
        "months": offered,
        "result": result,
        "cards": figure_cards(result, merchant, {}),
        "chart": revenue_chart(result, merchant),
        "points": month_line(merchant, period),
        "generated": today,
    }
    return render(request, "portal/insights/report.html", context)
