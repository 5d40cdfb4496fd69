"""The feedback dashboard (/portal/feedback/): the NPS of a period with its margin of error and
the number of answers behind it, the NPS of the last twelve months as a band chart, by shop
and by tier, the response rate, topics by sentiment, and the cases' figures.

The figures are `feedback.insights.queries` (the arithmetic and the "too few answers" rule in
`feedback.insights.nps`); the period is the insights' picker (`loyalty.analytics.periods`).
"""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from feedback.insights import queries
from feedback.insights.charts import nps_band_chart
from feedback.insights.nps import MIN_ANSWERS, RELIABLE_ANSWERS, NpsFigure
from feedback.models import Answer, Survey
from loyalty.analytics.periods import PRESETS, period_from_request
from loyalty.clock import local_today
from loyalty.dates import SHORT_MONTH, SHORT_MONTH_YEAR, format_day
from loyalty.models import Role
from loyalty.money import format_percent
from loyalty.tenancy.permissions import staff_required


def signed(value: float | None, places: int = 0) -> str:
    """An NPS as the page writes it: "+32", "\u22125", "0"; "—" without a figure."""
    if value is None:
        return "—"
    text = number_format(abs(round(value, places)), places, use_l10n=True)
    if round(value, places) == 0:
        return text
    return ("+" if value > 0 else "\u2212") + text


def percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, 1)


def stack(first: float, second: float, third: float) -> dict:
    """The three shares of a stacked bar (`portal/feedback/_stack.html`)."""
    return {"first": first, "second": second, "third": third, "second_end": first + second}


def figure_row(name: str, figure: NpsFigure) -> dict:
    """A shop's or a tier's row: its NPS, margin, answers, and a bar of its answers' groups."""
    return {
        "name": name,
        "figure": figure,
        "score": signed(figure.score),
        "margin": number_format(round(figure.margin or 0), 0) if figure.shown else "",
        "stack": stack(
            figure.share(figure.promoters),
            figure.share(figure.passives),
            figure.share(figure.detractors),
        ),
        "promoters": percent(figure.share(figure.promoters)),
        "passives": percent(figure.share(figure.passives)),
        "detractors": percent(figure.share(figure.detractors)),
    }


def group_rows(groups: list[queries.GroupNps], unnamed: str) -> list[dict]:
    return [
        figure_row(group.name or unnamed, group.figure) | {"key": group.key} for group in groups
    ]


def topic_rows(topics: list[queries.TopicSentiment]) -> list[dict]:
    return [
        {
            "topic": row,
            "stack": stack(
                row.share(row.positive), row.share(row.neutral), row.share(row.negative)
            ),
        }
        for row in topics
    ]


def month_chart(months: list[queries.MonthNps]):
    # "Jan 2026" on the first month and on each January, "Feb" on the others: twelve fit.
    labels = [
        format_day(
            month.month, SHORT_MONTH_YEAR if i == 0 or month.month.month == 1 else SHORT_MONTH
        )
        for i, month in enumerate(months)
    ]
    return nps_band_chart(
        labels,
        [month.figure for month in months],
        title=_("NPS per month, with its 95% margin of error"),
        desc=_(
            "The NPS of each of the last twelve months as a line, its margin of error as a "
            "band around it, and the number of answers under each month. Months with fewer "
            "than %(min)s answers have no figure."
        )
        % {"min": MIN_ANSWERS},
        count_label=lambda n: _("n = %(n)s") % {"n": n},
    )


def _period_context(request: HttpRequest, period, error: str) -> dict:
    today = local_today(request.merchant)
    return {
        "period": period,
        "error": error,
        "presets": [
            {
                "key": key,
                "label": label,
                "query": urlencode({"period": key}),
                "current": key == period.preset,
            }
            for key, label in PRESETS.items()
        ],
        "query": urlencode(period.query()),
        "custom_from": request.GET.get("from", period.first_day.isoformat()),
        "custom_to": request.GET.get("to", period.last_day.isoformat()),
        "today": today,
    }


@require_GET
@staff_required(Role.MANAGER)
def feedback_dashboard(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    period, error = period_from_request(merchant, request.GET)
    scores = queries.period_scores(merchant, period)
    months = queries.nps_by_month(merchant)
    context = {
        "nav": "feedback",
        "tab": "dashboard",
        **_period_context(request, period, error),
        "scores": scores,
        "nps_score": signed(scores.nps.score),
        "nps_margin": signed(scores.nps.margin, 1).lstrip("+"),
        "nps_low": signed(scores.nps.low),
        "nps_high": signed(scores.nps.high),
        "csat_score": percent(scores.csat.score),
        "groups": figure_row("", scores.nps),
        "min_answers": MIN_ANSWERS,
        "reliable_answers": RELIABLE_ANSWERS,
        "months": [
            {"month": month.month, "figure": month.figure, "score": signed(month.figure.score)}
            | {"low": signed(month.figure.low), "high": signed(month.figure.high)}
            for month in months
        ],
        "any_month": any(month.figure.n for month in months),
        "chart": month_chart(months),
        "shops": group_rows(queries.nps_by_shop(merchant, period), _("No shop")),
        "tiers": group_rows(queries.nps_by_tier(merchant, period), _("No tier (anonymous)")),
        "response": queries.response_rate(merchant, period),
        "topics": topic_rows(queries.topics_by_sentiment(merchant, period)),
        "cases": queries.case_figures(merchant, period),
    }
    if not scores.answers and not context["any_month"]:
        # Only an empty page asks whether there is anything at all, for its words.
        context["has_answers"] = Answer.objects.for_merchant(merchant).exists()
        context["has_survey"] = Survey.objects.for_merchant(merchant).filter(active=True).exists()
    else:
        context["has_answers"] = True
    context["response_rate"] = percent(context["response"].rate)
    context["won_back_share"] = percent(context["cases"].won_back_share)
    median = context["cases"].median_hours
    context["median_hours"] = "—" if median is None else number_format(round(median, 1), 1)
    return render(request, "portal/feedback/dashboard.html", context)
