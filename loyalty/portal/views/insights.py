"""Insights (/portal/insights/): the members the CLV models see slipping away.

The scores are the nightly run's (loyalty/analytics/scores.py); nothing is fitted here.
"""

import csv

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loyalty.analytics import scores
from loyalty.clock import local_today
from loyalty.exports import spreadsheet_cell
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required

AT_RISK_ROWS = 200
CSV_HEADER = [
    "card_number",
    "first_name",
    "last_name",
    "email",
    "tier",
    "lifetime_spend",
    "last_purchase",
    "p_alive",
    "predicted_value_12m",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@staff_required(Role.MANAGER)
def at_risk(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    members = scores.at_risk(merchant)
    if request.GET.get("export") == "csv":
        return _csv(merchant, members)
    context = {
        "nav": "insights",
        "tab": "at_risk",
        "fit": scores.latest_fit(merchant),
        "members": members[:AT_RISK_ROWS],
        "count": scores.at_risk_count(merchant),
        "threshold": int(scores.AT_RISK_P_ALIVE * 100),
        "top_share": int(scores.VALUABLE_TOP_SHARE * 100),
    }
    return render(request, "portal/insights/at_risk.html", context)


def _csv(merchant, members) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    tz = merchant.tzinfo

    def lines():
        yield writer.writerow(CSV_HEADER)
        for member in members.iterator(chunk_size=2000):
            last = member.last_purchase_at
            yield writer.writerow(
                [
                    member.card_number,
                    spreadsheet_cell(member.first_name),
                    spreadsheet_cell(member.last_name),
                    spreadsheet_cell(member.email),
                    spreadsheet_cell(member.tier.name if member.tier else ""),
                    str(member.lifetime_spend),
                    last.astimezone(tz).date().isoformat() if last else "",
                    f"{member.score.p_alive:.3f}",
                    str(member.score.predicted_value_12m),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"at-risk-{merchant.slug}-{local_today(merchant).isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
