"""The comments list (/portal/feedback/comments/) with its filters (score or group, topic,
sentiment, shop, language, period), and the same list as CSV (comments.csv)."""

import csv
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from feedback.insights import queries
from feedback.models import Answer, Topic
from feedback.portal.comment_form import CommentFilterForm
from loyalty.analytics.periods import period_from_request
from loyalty.audit import log_action
from loyalty.clock import local_today
from loyalty.exports import spreadsheet_cell
from loyalty.models import Role, Shop
from loyalty.tenancy.permissions import staff_required

PAGE_SIZE = 50
CSV_HEADER = [
    "answered_at",
    "score",
    "group",
    "comment",
    "language",
    "sentiment",
    "topics",
    "shop",
    "card_number",
    "member",
]


def _filtered(request: HttpRequest):
    merchant = request.merchant
    period, error = period_from_request(merchant, request.GET)
    shops = list(Shop.objects.for_merchant(merchant).order_by("name"))
    form = CommentFilterForm(
        request.GET or None, shops=shops, languages=queries.comment_languages(merchant)
    )
    filters = form.filters()
    return period, error, form, filters, queries.comments(merchant, period, **filters)


@require_GET
@staff_required(Role.MANAGER)
def feedback_comments(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    period, error, form, filters, answers = _filtered(request)
    page = Paginator(answers, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(Topic.choices)
    for answer in page.object_list:
        answer.topic_labels = [str(labels.get(topic, topic)) for topic in answer.topics]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "feedback",
        "tab": "comments",
        "form": form,
        "period": period,
        "error": error,
        "page": page,
        "query": query.urlencode(),
        "csv_query": query.urlencode() or urlencode(period.query()),
        "filtered": bool(filters),
        "today": local_today(merchant),
    }
    if not page.object_list:
        context["has_comments"] = Answer.objects.for_merchant(merchant).exclude(comment="").exists()
    template = "portal/feedback/comments.html"
    if request.htmx:
        template += "#comments"
    return render(request, template, context)


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


@require_GET
@staff_required(Role.MANAGER)
def feedback_comments_csv(request: HttpRequest) -> StreamingHttpResponse:
    merchant = request.merchant
    period, _error, _form, filters, answers = _filtered(request)
    tz = merchant.tzinfo
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_HEADER)
        for answer in answers.iterator(chunk_size=1000):
            member = answer.member
            yield writer.writerow(
                [
                    answer.created_at.astimezone(tz).isoformat(timespec="seconds"),
                    answer.score,
                    answer.group,
                    spreadsheet_cell(answer.comment),
                    answer.language,
                    answer.sentiment,
                    ",".join(str(topic) for topic in answer.topics),
                    spreadsheet_cell(answer.shop.name if answer.shop else ""),
                    spreadsheet_cell(member.card_number if member else ""),
                    spreadsheet_cell(member.display_name if member else ""),
                ]
            )

    # Customers' words and names leaving the system are worth a line in the audit log.
    log_action(
        merchant=merchant,
        actor=request.user,
        action="feedback.comments.exported",
        data={
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
            **{name: str(value) for name, value in filters.items()},
        },
    )
    name = f"comments-{merchant.slug}-{period.first_day.isoformat()}-{period.last_day.isoformat()}"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
