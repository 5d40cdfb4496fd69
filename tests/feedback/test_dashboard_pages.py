"""The feedback dashboard (/portal/feedback/), the comments list and its CSV: with and without
data, the filters, the CSV's content and headers, who may open them, and a fixed number of
queries whatever the data."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback.models import CaseStatus
from loyalty.models import AuditEvent
from members.services.enrolment import enrol_member
from tests.feedback.dash_kit import make_answer, make_answers, make_case, make_survey

pytestmark = pytest.mark.django_db

DASHBOARD = "/portal/feedback/"
COMMENTS = "/portal/feedback/comments/"
CSV = "/portal/feedback/comments.csv"


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def survey(merchant_a):
    return make_survey(merchant_a)


@pytest.fixture
def answered(merchant_a, shop_a, shop_a2, survey):
    """Forty answers of the last week: 20 promoters, 12 passives, 8 detractors (NPS 30)."""
    at = days_ago(3)
    make_answers(survey, [10] * 12 + [8] * 6 + [2] * 4, at, shop=shop_a)
    make_answers(survey, [9] * 8 + [7] * 6 + [0] * 4, at, shop=shop_a2)
    return survey


# --- The dashboard ---------------------------------------------------------------------------


def test_a_new_merchant_is_told_to_switch_the_survey_on(owner_client):
    html = owner_client.get(DASHBOARD).content.decode()

    assert "No answers yet" in html
    assert "Switch the survey on" in html
    assert "<svg" not in html


def test_with_the_survey_on_and_no_answer_yet_it_says_they_are_coming(owner_client, survey):
    html = owner_client.get(DASHBOARD).content.decode()

    assert "Your survey is on." in html


def test_the_dashboard_shows_the_nps_its_margin_and_its_answers(owner_client, shop_a, answered):
    html = owner_client.get(DASHBOARD).content.decode()

    # 20 promoters, 8 detractors of 40: NPS 30; var = (0.5 + 0.2 - 0.09) / 40 = 0.01525;
    # MoE = 1.96 * 0.123491 * 100 = 24.2.
    assert (
        '<dd class="stat-value nps-value">+30 <span class="nps-margin">± 24.2</span></dd>' in html
    )
    assert "95% sure it is between +6 and +54." in html
    assert "From 40 answers" in html
    assert 'id="nps-warning"' not in html
    assert '<svg class="chart chart-nps"' in html
    assert '<g class="nps-band"' in html
    assert "Show as table" in html
    # By shop: Old Town 12 promoters, 4 detractors of 22: NPS +36; Station +22 of 18.
    assert f'&amp;shop={shop_a.pk}">Old Town</a></th>' in html
    assert "+36" in html and "+22" in html


def test_few_answers_warn_and_too_few_give_no_figure(owner_client, merchant_a, survey):
    make_answers(survey, [10] * 5 + [0] * 3, days_ago(2))
    html = owner_client.get(DASHBOARD).content.decode()
    assert "Only 8 answers in this period: an NPS needs at least 10" in html
    assert "nps-margin" not in html

    make_answers(survey, [10] * 4, days_ago(2))  # 12 answers: a figure with a warning
    html = owner_client.get(DASHBOARD).content.decode()
    assert "Only 12 answers: the true NPS could be anywhere from" in html
    assert '<span class="nps-margin">' in html


def test_the_dashboard_shows_response_rate_topics_and_cases(
    owner_client, merchant_a, survey, answered
):
    at = days_ago(2)
    slow = make_answer(survey, 3, at, comment="So slow", sentiment="negative", topics=["waiting"])
    make_answer(survey, 9, at, comment="Quick!", sentiment="positive", topics=["waiting"])
    make_case(slow, opened_at=days_ago(3))  # overdue
    done = make_answer(survey, 1, at)
    make_case(
        done,
        opened_at=days_ago(2),
        status=CaseStatus.RESOLVED,
        resolved_at=days_ago(2) + timedelta(hours=6),
    )
    html = owner_client.get(DASHBOARD).content.decode()

    assert "0 answered of 0 invitations sent" in html
    assert 'id="topics-table"' in html
    assert "Waiting time</a>" in html
    assert "topic=waiting" in html
    assert "1 overdue" in html
    assert "6.0 h" in html
    assert "1 case resolved in the period" in html


def test_another_merchants_answers_never_show(outsider_client, answered):
    html = outsider_client.get(DASHBOARD).content.decode()

    assert "No answers yet" in html


def test_a_bad_period_says_so_and_shows_the_last_30_days(owner_client, answered):
    html = owner_client.get(DASHBOARD, {"period": "custom", "from": "x", "to": ""}).content.decode()

    assert "Showing the last 30 days instead." in html
    assert "From 40 answers" in html


def test_managers_find_feedback_in_the_menu(manager_client):
    html = manager_client.get(DASHBOARD).content.decode()

    assert '<a href="/portal/feedback/" aria-current="page">Feedback</a>' in html
    assert 'href="/portal/feedback/comments/"' in html


@pytest.mark.parametrize("url", [DASHBOARD, COMMENTS, CSV])
def test_a_cashier_cannot_open_the_feedback_pages(cashier_client, url):
    assert cashier_client.get(url).status_code == 403


@pytest.mark.parametrize("url", [DASHBOARD, COMMENTS, CSV])
def test_the_pages_take_get_only(owner_client, url):
    assert owner_client.post(url).status_code == 405


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_takes_the_same_few_queries_whatever_the_data(
    owner_client, merchant_a, shop_a, survey, django_assert_max_num_queries
):
    make_answers(survey, [10], days_ago(1), shop=shop_a)
    _queries(owner_client, DASHBOARD)  # the session is loaded once
    few = _queries(owner_client, DASHBOARD)
    for n in range(30):
        answer = make_answer(
            survey,
            n % 11,
            days_ago(n * 10),
            shop=shop_a,
            comment=f"c{n}",
            sentiment="negative",
            topics=["price", "staff"],
        )
        opened = days_ago(n * 10)
        make_case(
            answer,
            opened_at=opened,
            status=CaseStatus.RESOLVED if n % 2 else CaseStatus.OPEN,
            resolved_at=opened + timedelta(hours=n) if n % 2 else None,
        )

    assert _queries(owner_client, DASHBOARD) == few
    with django_assert_max_num_queries(12):
        owner_client.get(DASHBOARD)


# --- The comments ----------------------------------------------------------------------------


@pytest.fixture
def commented(merchant_a, shop_a, shop_a2, survey):
    ana = enrol_member(merchant=merchant_a, email="ana@example.com", first_name="Ana")
    at = days_ago(1)
    return {
        "slow": make_answer(
            survey,
            2,
            at,
            comment="Waited twenty minutes",
            sentiment="negative",
            topics=["waiting"],
            language="en",
            shop=shop_a,
            member=ana,
        ),
        "ro": make_answer(
            survey,
            10,
            at - timedelta(hours=1),
            comment="Cafea excelentă, personal drăguț",
            sentiment="positive",
            topics=["quality", "staff"],
            language="ro",
            shop=shop_a2,
        ),
        "formula": make_answer(
            survey,
            6,
            at - timedelta(hours=2),
            comment='=HYPERLINK("http://x")',
            sentiment="neutral",
            language="en",
            shop=shop_a,
        ),
    }


def test_the_comments_list_everything_of_the_period_with_a_link_to_the_member(
    owner_client, commented
):
    html = owner_client.get(COMMENTS).content.decode()

    assert "3 comments" in html
    assert "Waited twenty minutes" in html
    assert "Cafea excelentă, personal drăguț" in html
    assert f'href="/portal/members/{commented["slow"].member_id}/">Ana</a>' in html
    assert "Anonymous" in html
    assert '<span class="badge">Waiting time</span>' in html
    assert 'lang="ro"' in html


def test_the_comments_filter_and_htmx_gets_only_the_list(owner_client, commented):
    answer = owner_client.get(
        COMMENTS, {"topic": "staff", "language": "ro"}, headers={"HX-Request": "true"}
    )
    html = answer.content.decode()

    assert html.lstrip().startswith('<div id="comments"')
    assert "1 comment," in html
    assert "Cafea excelentă" in html
    assert "Waited twenty minutes" not in html

    html = owner_client.get(COMMENTS, {"group": "detractor"}).content.decode()
    assert "Waited twenty minutes" in html
    assert "Cafea excelentă" not in html
    html = owner_client.get(COMMENTS, {"score_min": "5", "score_max": "7"}).content.decode()
    assert "HYPERLINK" in html
    assert "Waited twenty minutes" not in html


def test_no_comment_yet_says_where_they_come_from(owner_client):
    html = owner_client.get(COMMENTS).content.decode()

    assert "No comments yet" in html


def test_the_outsider_sees_none_of_the_comments(outsider_client, commented):
    html = outsider_client.get(COMMENTS).content.decode()
    assert "Waited twenty minutes" not in html
    rows = list(
        csv.reader(io.StringIO(b"".join(outsider_client.get(CSV).streaming_content).decode()))
    )
    assert len(rows) == 1


def test_the_csv_has_the_filtered_comments_defused(owner_client, merchant_a, commented):
    answer = owner_client.get(CSV, {"sentiment": "neutral"})

    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"].startswith('attachment; filename="comments-aroma-')
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0] == [
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
    assert len(rows) == 2
    assert rows[1][1:4] == ["6", "detractor", '\'=HYPERLINK("http://x")']
    assert rows[1][7] == "Old Town"
    assert AuditEvent.objects.filter(
        merchant=merchant_a, action="feedback.comments.exported"
    ).exists()


def test_the_csv_of_everything_names_the_topics_and_the_member(owner_client, commented):
    answer = owner_client.get(CSV)
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))

    assert [row[3] for row in rows[1:]] == [
        "Waited twenty minutes",
        "Cafea excelentă, personal drăguț",
        '\'=HYPERLINK("http://x")',
    ]
    assert rows[2][6] == "quality,staff"
    assert rows[1][9] == "Ana"
    assert rows[2][8] == ""


def test_the_comments_page_takes_a_fixed_number_of_queries(
    owner_client, survey, commented, django_assert_max_num_queries
):
    _queries(owner_client, COMMENTS)
    few = _queries(owner_client, COMMENTS)
    for n in range(20):
        make_answer(survey, 4, days_ago(2), comment=f"more {n}", topics=["price"])
    assert _queries(owner_client, COMMENTS) == few
    with django_assert_max_num_queries(12):
        owner_client.get(COMMENTS)
