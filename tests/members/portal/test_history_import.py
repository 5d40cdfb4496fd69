"""The purchase history import in the portal: upload and preview with the errors per line,
the start with or without points, the django-q2 task with its progress and report, the
daily statistics rebuilt, a second upload that adds nothing, and who may use it.

Merchant A has the default program (1 point per 1.00, no bonuses). Dates are a few days
before the merchant's today, so the rebuild of the statistics covers a few days only.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_q.models import OrmQ

from loyalty.clock import local_today
from loyalty.models import AuditEvent, Purchase
from loyalty.models.analytics import DailyStat
from members import tasks
from members.models import ImportStatus, Member, MemberStatus, PurchaseHistoryImport
from members.services.enrolment import enrol_member
from members.services.history_uploads import start_history_import
from members.services.status import set_member_status
from tests.loyalty.points.helpers import assert_reconciled

UPLOAD = "/portal/members/import-history/"


def days_ago(merchant, days: int) -> str:
    return (local_today(merchant) - timedelta(days=days)).isoformat()


def history(merchant) -> str:
    """Three sales of two customers: K1 twice (12.50 and 30.00), K2 once (7.25, an email)."""
    return (
        "customer_id,date,time,amount,email\n"
        f"K1,{days_ago(merchant, 3)},09:30,12.50,\n"
        f"K1,{days_ago(merchant, 2)},,30.00,\n"
        f"K2,{days_ago(merchant, 3)},18:05,7.25,maria@example.com\n"
    )


def upload(client, text: str, name: str = "history.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def last_import(merchant) -> PurchaseHistoryImport:
    return PurchaseHistoryImport.objects.for_merchant(merchant).latest("created_at")


def detail_url(history_import: PurchaseHistoryImport, suffix: str = "") -> str:
    return f"{UPLOAD}{history_import.pk}/{suffix}"


def queued() -> list[int]:
    return [
        task.task["args"][0]
        for task in OrmQ.objects.order_by("pk")
        if task.task["func"] == "members.tasks.run_history_import"
    ]


def start_and_run(client, history_import, capture, **form) -> PurchaseHistoryImport:
    """Confirm on the page, check the task was queued, then run it here as the worker does."""
    with capture(execute=True):
        answer = client.post(detail_url(history_import, "start/"), form)
    assert answer.status_code == 302 and answer["Location"] == detail_url(history_import)
    assert queued()[-1] == history_import.pk
    tasks.run_history_import(history_import.pk)
    history_import.refresh_from_db()
    return history_import


# --- Upload and preview ------------------------------------------------------------------------


def test_the_upload_shows_the_counts_and_imports_nothing(owner_client, merchant_a):
    enrol_member(merchant=merchant_a, email="maria@example.com")

    answer = upload(owner_client, history(merchant_a))

    history_import = last_import(merchant_a)
    assert answer.status_code == 302 and answer["Location"] == detail_url(history_import)
    preview = history_import.report["preview"]
    # K1 is new; K2 is Maria, found by her email.
    assert (preview["rows"], preview["errors"], preview["members_created"]) == (3, 0, 1)
    assert (preview["members_matched"], preview["purchases_added"]) == (1, 3)
    assert preview["already_imported"] == 0
    assert history_import.status == ImportStatus.PREVIEWED
    html = owner_client.get(detail_url(history_import)).content.decode()
    assert "Import 3 purchases" in html and "Award the points" in html
    assert not Purchase.objects.for_merchant(merchant_a).exists()
    assert Member.objects.for_merchant(merchant_a).count() == 1


def test_the_preview_lists_each_invalid_line_and_offers_no_import(owner_client, merchant_a):
    text = (
        "customer_id,date,amount\n"
        f"K1,{days_ago(merchant_a, 3)},12.50\n"
        "K2,15/01/2024,7.00\n"
        f"K3,{days_ago(merchant_a, 3)},1.234.50\n"
        f'K4,{days_ago(merchant_a, 3)},"12,50"\n'
    )

    upload(owner_client, text)

    history_import = last_import(merchant_a)
    errors = history_import.report["preview"]["errors_listed"]
    assert [error["line"] for error in errors] == [3, 4, 5]
    assert errors[0]["message"] == "“15/01/2024” is not a date: write it as YYYY-MM-DD."
    assert errors[1]["message"].startswith("“1.234.50” is not an amount")
    assert errors[2]["message"].startswith("“12,50” is written with a comma")
    html = owner_client.get(detail_url(history_import)).content.decode()
    assert "3 invalid lines" in html
    assert "“15/01/2024” is not a date: write it as YYYY-MM-DD." in html
    assert "Nothing can be imported while a line is invalid" in html
    assert "Import 1 purchase" not in html

    answer = owner_client.post(detail_url(history_import, "start/"), follow=True)

    assert "The file has invalid rows" in answer.content.decode()
    history_import.refresh_from_db()
    assert history_import.status == ImportStatus.PREVIEWED and queued() == []
    assert not Purchase.objects.for_merchant(merchant_a).exists()


def test_a_file_without_the_columns_is_refused_on_the_form(owner_client, merchant_a):
    answer = upload(owner_client, "name,total\nAna,12\n")

    assert answer.status_code == 200
    assert "The first line must name the columns customer_id, date and amount" in (
        answer.content.decode()
    )
    assert not PurchaseHistoryImport.objects.exists()


def test_a_file_over_the_limit_is_refused(owner_client, merchant_a, monkeypatch):
    monkeypatch.setattr("members.services.history_uploads.MAX_BYTES", 10)

    answer = upload(owner_client, history(merchant_a))

    assert "The file is larger than 10 MB" in answer.content.decode()
    assert not PurchaseHistoryImport.objects.exists()


# --- The import ---------------------------------------------------------------------------------


def test_the_import_runs_in_the_task_and_reports(
    owner_client, merchant_a, django_capture_on_commit_callbacks
):
    upload(owner_client, history(merchant_a))

    history_import = start_and_run(
        owner_client, last_import(merchant_a), django_capture_on_commit_callbacks
    )

    assert history_import.status == ImportStatus.DONE and not history_import.award_points
    assert (history_import.processed_rows, history_import.total_rows) == (3, 3)
    result = history_import.report["result"]
    assert (result["members_created"], result["purchases_added"]) == (2, 3)
    assert result["points_awarded"] == 0
    k1 = Member.objects.for_merchant(merchant_a).get(external_ref="K1")
    assert (k1.purchase_count, k1.lifetime_spend, k1.points_balance) == (2, Decimal("42.50"), 0)
    assert_reconciled(merchant_a)
    # The statistics of the imported days: three days ago K1's 12.50 and K2's 7.25.
    day = DailyStat.objects.get(
        merchant=merchant_a, shop=None, day=local_today(merchant_a) - timedelta(days=3)
    )
    assert (day.sales_members, day.revenue_members, day.active_members) == (
        2,
        Decimal("19.75"),
        2,
    )
    assert AuditEvent.objects.filter(merchant=merchant_a, action="members.history.started").exists()
    html = owner_client.get(detail_url(history_import)).content.decode()
    assert "3 of 3 purchases" in html and "Finished on" in html
    assert "Purchases added" in html and "without points" in html


def test_award_points_gives_each_sale_its_points(
    owner_client, merchant_a, django_capture_on_commit_callbacks
):
    upload(owner_client, history(merchant_a))

    history_import = start_and_run(
        owner_client,
        last_import(merchant_a),
        django_capture_on_commit_callbacks,
        award_points="on",
    )

    # 12 + 30 points for K1, 7 for K2: 1 point per whole 1.00.
    assert history_import.award_points and history_import.report["result"]["points_awarded"] == 49
    k1 = Member.objects.for_merchant(merchant_a).get(external_ref="K1")
    assert k1.points_balance == 42
    assert_reconciled(merchant_a)


def test_points_for_a_file_too_long_to_award_are_refused(owner_client, merchant_a, monkeypatch):
    monkeypatch.setattr("members.services.history_uploads.MAX_AWARDED", 2)
    upload(owner_client, history(merchant_a))
    history_import = last_import(merchant_a)

    answer = owner_client.post(
        detail_url(history_import, "start/"), {"award_points": "on"}, follow=True
    )

    assert "With points, the portal imports at most 2 purchases" in answer.content.decode()
    history_import.refresh_from_db()
    assert history_import.status == ImportStatus.PREVIEWED and queued() == []


def test_the_progress_fragment_polls_until_the_import_is_done(
    owner_client, merchant_a, owner_a, django_capture_on_commit_callbacks
):
    upload(owner_client, history(merchant_a))
    history_import = last_import(merchant_a)
    with django_capture_on_commit_callbacks(execute=True):
        start_history_import(history_import=history_import, actor=owner_a)

    poll = owner_client.get(detail_url(history_import), headers={"HX-Request": "true"})

    fragment = poll.content.decode()
    assert fragment.lstrip().startswith('<div id="progress"')
    assert 'hx-trigger="every 2s"' in fragment and "0 of 3 purchases" in fragment
    assert "<html" not in fragment

    tasks.run_history_import(history_import.pk)
    done = owner_client.get(detail_url(history_import), headers={"HX-Request": "true"})

    assert "hx-trigger" not in done.content.decode()
    assert "3 of 3 purchases" in done.content.decode()


def test_the_same_file_again_is_already_imported(
    owner_client, merchant_a, django_capture_on_commit_callbacks
):
    text = history(merchant_a)
    upload(owner_client, text)
    start_and_run(owner_client, last_import(merchant_a), django_capture_on_commit_callbacks)

    upload(owner_client, text)

    second = last_import(merchant_a)
    preview = second.report["preview"]
    assert (preview["purchases_added"], preview["already_imported"]) == (0, 3)
    assert preview["members_created"] == 0
    html = owner_client.get(detail_url(second)).content.decode()
    assert "Every purchase of this file is imported already" in html
    answer = owner_client.post(detail_url(second, "start/"), follow=True)
    assert "Every purchase of this file is imported already" in answer.content.decode()
    assert Purchase.objects.for_merchant(merchant_a).count() == 3


def test_a_row_that_became_invalid_after_the_preview_imports_nothing(
    owner_client, merchant_a, owner_a, django_capture_on_commit_callbacks
):
    maria = enrol_member(merchant=merchant_a, email="maria@example.com")
    upload(owner_client, history(merchant_a))
    set_member_status(member=maria, status=MemberStatus.BLOCKED, actor=owner_a)

    history_import = start_and_run(
        owner_client, last_import(merchant_a), django_capture_on_commit_callbacks
    )

    assert history_import.status == ImportStatus.FAILED
    errors = history_import.report["result"]["errors_listed"]
    assert [error["line"] for error in errors] == [4]
    assert "who is not active" in errors[0]["message"]
    assert not Purchase.objects.for_merchant(merchant_a).exists()
    html = owner_client.get(detail_url(history_import)).content.decode()
    assert "who is not active" in html and "The import stopped" in html


def test_the_task_run_twice_imports_once(
    owner_client, merchant_a, django_capture_on_commit_callbacks
):
    upload(owner_client, history(merchant_a))
    history_import = start_and_run(
        owner_client, last_import(merchant_a), django_capture_on_commit_callbacks
    )

    tasks.run_history_import(history_import.pk)  # django-q2 delivers the task again
    tasks.run_history_import(999_999)

    assert Purchase.objects.for_merchant(merchant_a).count() == 3


# --- Who may use it -----------------------------------------------------------------------------


def test_a_manager_may_import(manager_client, merchant_a):
    assert manager_client.get(UPLOAD).status_code == 200
    assert upload(manager_client, history(merchant_a)).status_code == 302


def test_a_cashier_is_refused(cashier_client, owner_client, merchant_a):
    upload(owner_client, history(merchant_a))
    history_import = last_import(merchant_a)

    assert cashier_client.get(UPLOAD).status_code == 403
    assert upload(cashier_client, history(merchant_a)).status_code == 403
    assert cashier_client.get(detail_url(history_import)).status_code == 403
    assert cashier_client.post(detail_url(history_import, "start/")).status_code == 403
    assert last_import(merchant_a).status == ImportStatus.PREVIEWED


@pytest.mark.parametrize("suffix", ["", "start/"])
def test_another_merchants_import_is_a_404(owner_client, merchant_a, owner_b, merchant_b, suffix):
    upload(owner_client, history(merchant_a))
    history_import = last_import(merchant_a)
    outsider = Client()
    outsider.force_login(owner_b)

    answer = (outsider.post if suffix else outsider.get)(detail_url(history_import, suffix))

    assert answer.status_code == 404
    assert last_import(merchant_a).status == ImportStatus.PREVIEWED


def test_the_empty_page_says_what_to_do(owner_client):
    html = owner_client.get(UPLOAD).content.decode()

    assert "No purchase history imported yet" in html and "customer_id" in html
