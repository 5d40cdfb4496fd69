"""Campaigns, RFM segments (/portal/campaigns/segments/rfm/): how many members each named
segment holds, and how that moved since about a month ago.

The page reads the nightly `RfmSegmentCount` rows (`campaigns.segments.rfm.segment_counts`),
never the members or the purchases: a bar chart (server-rendered SVG), the same figures as a
table with the change, a sentence per segment, and a CSV (`?export=csv`). The members list
cannot filter by RFM segment (the members app never reads the campaigns' tables), so the
segments are not linked to it; the rule segments are where a segment's members are listed.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from campaigns.models import RfmSegment
from campaigns.segments.rfm import COMPARE_DAYS, SegmentCounts, segment_counts
from loyalty.analytics import charts
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required

S = RfmSegment
MEANINGS = {
    S.CHAMPIONS: gettext_lazy("Bought recently, buy often and spend the most."),
    S.LOYAL: gettext_lazy("Buy often and spend well, though not always very recently."),
    S.POTENTIAL_LOYALISTS: gettext_lazy(
        "Came recently and more than once or for a good basket: they could become loyal."
    ),
    S.NEW: gettext_lazy("Made their first small purchase very recently."),
    S.PROMISING: gettext_lazy("Came recently but have bought little so far."),
    S.NEED_ATTENTION: gettext_lazy(
        "Average on every count: they may slip away without a reason to come back."
    ),
    S.ABOUT_TO_SLEEP: gettext_lazy("Have not come for a while and bought little."),
    S.AT_RISK: gettext_lazy("Came often and spent well, but not for a long time."),
    S.CANT_LOSE: gettext_lazy(
        "Were among your best customers and have not come back for a long time."
    ),
    S.HIBERNATING: gettext_lazy("Few purchases, small baskets, and long ago."),
    S.LOST: gettext_lazy("The least recent, least frequent and smallest spenders."),
}


@require_GET
@staff_required(Role.MANAGER)
def rfm_segments(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    counts = segment_counts(merchant)
    if request.GET.get("export") == "csv" and counts.day is not None:
        return _csv(merchant, counts)
    context = {
        "nav": "campaigns",
        "tab": "rfm",
        "counts": counts,
        "compare_days": COMPARE_DAYS,
        "rows": [(row, MEANINGS[row.segment]) for row in counts.rows],
        "chart": charts.bar_chart(
            [(row.segment.label, row.members) for row in counts.rows],
            title=_("Members per RFM segment"),
            desc=_("How many members each named RFM segment held at the last nightly count."),
        )
        if counts.total
        else "",
    }
    return render(request, "portal/campaigns/rfm.html", context)


def _csv(merchant, counts: SegmentCounts) -> HttpResponse:
    header = ["segment", "members", "day", "members_before", "day_before", "change"]
    before_day = counts.before_day.isoformat() if counts.before_day else ""
    lines = [
        [
            row.segment.value,
            row.members,
            counts.day.isoformat(),
            "" if row.before is None else row.before,
            before_day,
            "" if row.change is None else row.change,
        ]
        for row in counts.rows
    ]
    return charts.csv_download(
        f"rfm-segments-{merchant.slug}-{counts.day.isoformat()}.csv", header, lines
    )
