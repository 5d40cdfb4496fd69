"""The insights overview (/portal/insights/): the key figures of a period against the one before.

The figures are `loyalty.analytics.kpis` (daily statistics only; their definitions are in that
module and on the page); the period is `loyalty.analytics.periods`. This module only turns
them into cards, links to the lists behind them, the revenue chart and its CSV.
"""

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from loyalty.analytics import charts, kpis
from loyalty.analytics.periods import PRESETS, Period, period_from_request
from loyalty.clock import local_today
from loyalty.dates import format_day
from loyalty.models import Merchant, Role
from loyalty.money import format_money, format_percent
from loyalty.tenancy.permissions import staff_required

# The cards, in the page's order: (key, title, what it means).
CARDS: list[tuple[str, str, str]] = [
    (
        "revenue_members",
        gettext_lazy("Revenue from members"),
        gettext_lazy("Members' sales, net of refunds."),
    ),
    (
        "member_share",
        gettext_lazy("Members' share of revenue"),
        gettext_lazy("Revenue from members out of all revenue."),
    ),
    (
        "active_members",
        gettext_lazy("Active members"),
        gettext_lazy("Members with a purchase in the 90 days to the period's last day."),
    ),
    (
        "repeat_rate",
        gettext_lazy("Repeat purchase rate"),
        gettext_lazy("Members' purchases by members who had bought on an earlier day."),
    ),
    (
        "visit_frequency",
        gettext_lazy("Visit frequency"),
        gettext_lazy("Members' purchases in the 90 days to the period's end, per active member."),
    ),
    (
        "basket_members",
        gettext_lazy("Average basket, members"),
        gettext_lazy("Members' revenue per purchase."),
    ),
    (
        "basket_anonymous",
        gettext_lazy("Average basket, non-members"),
        gettext_lazy("Revenue per purchase without a card."),
    ),
    (
        "retention",
        gettext_lazy("Retention rate"),
        gettext_lazy(
            "(Active at the end - new buyers in the period) / active the day before the period."
        ),
    ),
    (
        "churn",
        gettext_lazy("Churn rate"),
        gettext_lazy("100% minus the retention rate."),
    ),
    ("enrolments", gettext_lazy("New members"), gettext_lazy("Cards enrolled in the period.")),
    (
        "new_buyers",
        gettext_lazy("First purchases"),
        gettext_lazy("Members whose first purchase ever fell in the period."),
    ),
    (
        "points_issued",
        gettext_lazy("Points issued"),
        gettext_lazy("Earned, bonuses and points added by hand."),
    ),
    (
        "points_redeemed",
        gettext_lazy("Points redeemed"),
        gettext_lazy("Spent on rewards, less points of cancelled vouchers."),
    ),
    ("points_expired", gettext_lazy("Points expired"), gettext_lazy("Points that ran out.")),
    (
        "redemption_rate",
        gettext_lazy("Redemption rate"),
        gettext_lazy("Points redeemed out of points issued."),
    ),
    ("tier_ups", gettext_lazy("Tier upgrades"), gettext_lazy("Members moved up a tier.")),
    ("tier_downs", gettext_lazy("Tier downgrades"), gettext_lazy("Members moved down a tier.")),
    (
        "voucher_cost",
        gettext_lazy("Cost of rewards used"),
        gettext_lazy("What the vouchers used in the period cost you."),
    ),
    (
        "program_return",
        gettext_lazy("Program return"),
        gettext_lazy("Revenue from members for each 1.00 that rewards used cost."),
    ),
]
# Figures that are better when they fall: their arrows keep their direction, their colour flips.
LOWER_IS_BETTER = {"churn", "tier_downs"}
TONE = {"up": "good", "down": "bad"}
FLIPPED = {"up": "bad", "down": "good"}
# Which list a card links to.
PURCHASE_CARDS = {"revenue_members", "member_share", "basket_members", "basket_anonymous"}
MEMBER_CARDS = {"enrolments"}
REDEMPTION_CARDS = {"points_redeemed", "redemption_rate", "voucher_cost", "program_return"}


def _fixed(value, places: int) -> str:
    # number_format cuts decimals off; round them first (9.09 is 9.1, not 9.0).
    exponent = Decimal(1).scaleb(-places)
    return number_format(
        Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP), places, use_l10n=True
    )


def shown(value, kind: str, merchant: Merchant) -> str:
    """A figure as the card shows it ("—" when there is none)."""
    if value is None:
        return "—"
    if kind == "money":
        return format_money(Decimal(value), merchant)
    if kind == "rate":
        return format_percent(Decimal(value) * 100, 1)
    if kind == "ratio":
        return f"{_fixed(value, 2)}\u00d7"  # "12.50 times"
    if kind == "number":
        return _fixed(value, 2)
    return number_format(value, 0, use_l10n=True, force_grouping=True)


def change_text(figure: kpis.Figure, merchant: Merchant) -> str:
    """ "+12.50 € (+5.0%)"; rates change in percentage points; "" with nothing to compare."""
    change = figure.change
    if change is None:
        return ""
    sign = "+" if change > 0 else "\u2212" if change < 0 else "±"
    if figure.kind == "rate":
        points = _fixed(abs(Decimal(change)) * 100, 1)
        return _("%(sign)s%(points)s points") % {"sign": sign, "points": points}
    text = sign + shown(abs(change), figure.kind, merchant)
    if figure.change_pct is not None:
        text += f" ({sign}{format_percent(abs(figure.change_pct), 1)})"
    return text


def _links(period: Period, today) -> dict[str, str]:
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    purchases = reverse("portal:purchases") + "?" + urlencode({"since": first, "until": last})
    members = (
        reverse("portal:members") + "?" + urlencode({"joined_since": first, "joined_until": last})
    )
    redemptions = (
        reverse("portal:rewards_report")
        + "?"
        + urlencode({"period": "custom", "start": first, "end": last})
    )
    links = {key: purchases for key in PURCHASE_CARDS}
    links |= {key: members for key in MEMBER_CARDS}
    links |= {key: redemptions for key in REDEMPTION_CARDS}
    if period.last_day == today:
        # The members list knows "bought in the last 90 days" as of today only.
        links["active_members"] = reverse("portal:members") + "?last_purchase=90"
    return links


def figure_cards(result: kpis.Insights, merchant: Merchant, links: dict[str, str]) -> list[dict]:
    cards = []
    for key, title, meaning in CARDS:
        figure = result.figures[key]
        cards.append(
            {
                "key": key,
                "title": title,
                "meaning": meaning,
                "value": shown(figure.value, figure.kind, merchant),
                "previous": shown(figure.previous, figure.kind, merchant),
                "direction": figure.direction,
                "tone": (FLIPPED if key in LOWER_IS_BETTER else TONE).get(figure.direction, ""),
                "change": change_text(figure, merchant),
                "link": links.get(key, ""),
            }
        )
    return cards


def revenue_chart(result: kpis.Insights, merchant: Merchant):
    labels = [format_day(day) for day, *_rest in result.revenue_by_day]
    return charts.line_chart(
        labels,
        [
            charts.Series(
                _("This period"), [revenue for _d, revenue, _p, _r in result.revenue_by_day]
            ),
            charts.Series(
                _("Previous period"), [before for _d, _r, _p, before in result.revenue_by_day]
            ),
        ],
        title=_("Revenue per day"),
        desc=_("Revenue per day of this period, with the same day of the period before."),
        value_format=lambda value: format_money(Decimal(str(value)), merchant),
    )


def _csv(result: kpis.Insights, merchant: Merchant) -> HttpResponse:
    rows = [
        [
            day.isoformat(),
            str(revenue),
            then.isoformat() if then else "",
            "" if before is None else str(before),
        ]
        for day, revenue, then, before in result.revenue_by_day
    ]
    period = result.period
    name = (
        f"revenue-{merchant.slug}-{period.first_day.isoformat()}-{period.last_day.isoformat()}.csv"
    )
    return charts.csv_download(
        name, ["day", "revenue", "previous_period_day", "previous_period_revenue"], rows
    )


@require_GET
@staff_required(Role.MANAGER)
def overview(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    period, error = period_from_request(merchant, request.GET)
    result = kpis.insights(merchant, period)
    if request.GET.get("export") == "csv":
        return _csv(result, merchant)
    today = local_today(merchant)
    presets = [
        {
            "key": key,
            "label": label,
            "query": urlencode({"period": key}),
            "current": key == period.preset,
        }
        for key, label in PRESETS.items()
    ]
    context = {
        "nav": "insights",
        "tab": "overview",
        "period": period,
        "previous": result.previous,
        "error": error,
        "presets": presets,
        "query": urlencode(period.query()),
        "custom_from": request.GET.get("from", period.first_day.isoformat()),
        "custom_to": request.GET.get("to", period.last_day.isoformat()),
        "today": today,
        "result": result,
        "cards": figure_cards(result, merchant, _links(period, today)),
        "chart": revenue_chart(result, merchant),
    }
    return render(request, "portal/insights/overview.html", context)
