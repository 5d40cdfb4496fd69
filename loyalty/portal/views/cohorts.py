"""Insights, Cohorts (/portal/insights/cohorts/): are people coming back, and in which tiers.

The retention heatmap reads the nightly cohort rows (`loyalty/analytics/cohorts.py`), never the
purchases; the tier chart counts the members' rows in one grouped query
(`loyalty/analytics/tiers.py`). Both are offered as CSV (`?export=csv`, `?export=tiers`).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from loyalty.analytics import charts
from loyalty.analytics.cohorts import COHORTS_SHOWN, OFFSETS, Retention, retention
from loyalty.analytics.tiers import members_by_tier
from loyalty.clock import local_today
from loyalty.exports import spreadsheet_cell
from loyalty.models import CohortStat, Role
from loyalty.tenancy.permissions import staff_required


@require_GET
@staff_required(Role.MANAGER)
def cohorts(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    export = request.GET.get("export")
    if export == "csv":
        return _cohorts_csv(merchant, retention(merchant, cohorts=None))
    tiers = members_by_tier(merchant)
    if export == "tiers":
        return charts.csv_download(
            f"members-by-tier-{merchant.slug}-{local_today(merchant).isoformat()}.csv",
            ["tier", "members"],
            [[spreadsheet_cell(row.name), row.members] for row in tiers],
        )
    table = retention(merchant)
    context = {
        "nav": "insights",
        "tab": "cohorts",
        "retention": table,
        "shown": COHORTS_SHOWN,
        # Only asked when the recent months had no first purchases: are there older cohorts?
        "older": not table.rows and CohortStat.objects.for_merchant(merchant).exists(),
        "offsets": range(1, OFFSETS + 1),
        "tiers": tiers,
        "tier_total": sum(row.members for row in tiers),
        "tier_chart": charts.bar_chart(
            [(row.name, row.members) for row in tiers],
            title=_("Active members by tier"),
            desc=_("How many members with an active card are in each tier today."),
        )
        if tiers
        else "",
    }
    return render(request, "portal/insights/cohorts.html", context)


def _cohorts_csv(merchant, table: Retention) -> HttpResponse:
    """One line per cohort: its size, then per month the members who bought and their share
    (blank for a month that has not come yet)."""
    header = ["cohort", "size"]
    for offset in range(1, OFFSETS + 1):
        header += [f"month_{offset}_members", f"month_{offset}_share"]
    lines = []
    for row in table.rows:
        line = [row.cohort.strftime("%Y-%m"), row.size]
        for cell in row.cells:
            share = cell.share
            line += ["" if cell.members is None else cell.members]
            line += ["" if share is None else f"{share:.4f}"]
        lines.append(line)
    return charts.csv_download(
        f"cohorts-{merchant.slug}-{local_today(merchant).isoformat()}.csv", header, lines
    )
