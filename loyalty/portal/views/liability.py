"""Insights: the points liability (/portal/insights/liability/), on screen and for the accountant.

The figures are `loyalty/analytics/liability.py`'s, read from the rollups, the stored balance
count and the open lots; nothing here scans the ledger or sums the members, but "Count now"
recounts the balances on demand.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loyalty.analytics import charts
from loyalty.analytics.liability import Liability, Month, liability
from loyalty.dates import SHORT_MONTH_YEAR, format_day
from loyalty.models import Role
from loyalty.money import format_money
from loyalty.points.balances import count_balances
from loyalty.tenancy.permissions import staff_required

CSV_HEADER = [
    "month",
    "currency",
    "opening_points",
    "points_issued",
    "value_deferred",
    "points_redeemed",
    "value_recognised_at_redemption",
    "points_expired",
    "value_recognised_at_expiry",
    "points_clawed_back",
    "points_adjusted",
    "closing_points",
    "breakage_rate",
    "closing_liability",
]


@require_GET
@staff_required(Role.MANAGER)
def liability_page(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    figures = liability(merchant)
    if request.GET.get("export") == "csv":
        return _csv(merchant, figures)
    context = {
        "nav": "insights",
        "tab": "liability",
        "figures": figures,
        "months": list(reversed(figures.months)),  # newest first in the table
        "chart": _chart(merchant, figures) if figures.months else None,
    }
    return render(request, "portal/insights/liability.html", context)


@require_POST
@staff_required(Role.MANAGER)
def liability_count(request: HttpRequest) -> HttpResponse:
    """Count the members' balances now (one aggregate) and show the page again."""
    count_balances(request.merchant)
    messages.success(request, _("Balances counted."))
    return redirect("portal:insights_liability")


def _chart(merchant, figures: Liability):
    labels = [format_day(month.month, SHORT_MONTH_YEAR) for month in figures.months]
    return charts.line_chart(
        labels,
        [
            charts.Series(_("Liability"), [m.closing_liability for m in figures.months]),
            charts.Series(_("At full value"), [m.closing_value for m in figures.months]),
        ],
        title=_("Points liability at the end of each month"),
        desc=_(
            "The outstanding points at each month's end, at full value and less the expected "
            "breakage. The table below has the same figures."
        ),
        value_format=lambda value: format_money(value, merchant, places=0),
    )


def _row(month: Month, currency: str) -> list[str]:
    return [
        month.month.strftime("%Y-%m"),
        currency,
        str(month.opening),
        str(month.issued),
        str(month.value_deferred),
        str(month.redeemed),
        str(month.value_redeemed),
        str(month.expired),
        str(month.value_expired),
        str(month.clawed_back),
        str(month.adjusted),
        str(month.closing),
        str(month.breakage.rate),
        str(month.closing_liability),
    ]


def _csv(merchant, figures: Liability) -> HttpResponse:
    rows = [_row(month, merchant.currency) for month in figures.months]
    name = f"points-liability-{merchant.slug}-{figures.as_of.isoformat()}.csv"
    return charts.csv_download(name, CSV_HEADER, rows)
