"""The purchase history import in the portal: upload and preview, then the import in django-q2.

The page and `manage.py import_purchases` share `history_import.import_history`; this module
keeps the uploaded file (`PurchaseHistoryImport`) between the preview and the import, and the
progress and the report for the page. The preview is the import's own dry run, so the page
shows the errors per line exactly as the command prints them; a file with an error cannot be
started. Importing a file twice adds nothing: the second preview counts its rows as already
imported and offers no import.

The daily statistics are rebuilt by the caller of `run_history_import` (`members.tasks`):
`loyalty.analytics` sits above the members' services.
"""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.errors import Conflict, ValidationFailed
from loyalty.models import Merchant, User
from members.models import ImportStatus, PurchaseHistoryImport
from members.services.history_import import HistoryReport, import_history
from members.services.imports import decode_upload

MAX_BYTES = 10 * 1024 * 1024  # about 200,000 rows; bigger files go through the command
TASK = "members.tasks.run_history_import"
# With points every sale goes through the points engine (about 50 a second on the benchmark's
# machine): more than this would outlast the django-q2 task timeout (300 s).
MAX_AWARDED = 5000

AfterImport = Callable[[PurchaseHistoryImport, HistoryReport], None]


def report_data(report: HistoryReport) -> dict:
    """What the page shows of a report: the counts, the errors by line, the first day."""
    return {
        **report.counts(),
        "errors_listed": [{"line": e.line, "message": e.message} for e in report.errors],
        "first_day": report.first_day.isoformat() if report.first_day else "",
    }


def create_history_import(
    *, merchant: Merchant, actor: User, filename: str, data: bytes
) -> PurchaseHistoryImport:
    """Keep an uploaded file with its preview (a dry run of the import). Nothing is imported.

    Raises ValidationFailed for a file too large, unreadable, without the columns or rows.
    """
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            _(
                "The file is larger than 10 MB; split it into smaller files, or import it with "
                "the import_purchases command."
            ),
            code="file_too_large",
        )
    text = decode_upload(data)
    report = import_history(merchant=merchant, text=text, dry_run=True)
    if not report.rows:
        raise ValidationFailed(_("The file has no rows under its header."), code="empty_file")
    return PurchaseHistoryImport.objects.create(
        merchant=merchant,
        created_by=actor,
        filename=filename[:200],
        csv=text,
        total_rows=report.purchases_added,
        report={"preview": report_data(report)},
    )


@transaction.atomic
def start_history_import(
    *, history_import: PurchaseHistoryImport, actor: User, award_points: bool = False
) -> PurchaseHistoryImport:
    """Queue the import; a django-q2 worker runs it once this transaction has committed."""
    from django_q.tasks import async_task  # django_q's models need the app registry loaded

    locked = PurchaseHistoryImport.objects.select_for_update().get(pk=history_import.pk)
    if locked.status != ImportStatus.PREVIEWED:
        raise Conflict(_("This file is being imported or was imported already."), code="started")
    preview = locked.report.get("preview", {})
    if preview.get("errors"):
        raise Conflict(
            _("The file has invalid rows: correct them and upload it again."), code="invalid_file"
        )
    if not preview.get("purchases_added"):
        raise Conflict(_("Every purchase of this file is imported already."), code="nothing_new")
    if award_points and preview["purchases_added"] > MAX_AWARDED:
        raise ValidationFailed(
            _(
                "With points, the portal imports at most %(max)s purchases from one file (each "
                "goes through the points engine, one by one). Split the file, import it without "
                "points, or use the import_purchases command."
            )
            % {"max": MAX_AWARDED},
            code="too_many_to_award",
        )
    locked.status = ImportStatus.RUNNING
    locked.award_points = award_points
    locked.processed_rows = 0
    locked.save(update_fields=["status", "award_points", "processed_rows"])
    log_action(
        merchant=locked.merchant,
        actor=actor,
        action="members.history.started",
        target=locked,
        data={
            "filename": locked.filename,
            "purchases": preview.get("purchases_added", 0),
            "award_points": award_points,
        },
    )
    pk = locked.pk
    transaction.on_commit(lambda: async_task(TASK, pk))
    return locked


def _save(history_import: PurchaseHistoryImport, *fields: str) -> None:
    PurchaseHistoryImport.objects.filter(pk=history_import.pk).update(
        **{name: getattr(history_import, name) for name in fields}
    )


def run_history_import(
    import_id: int, *, after: AfterImport | None = None
) -> PurchaseHistoryImport | None:
    """The worker: import the file, saving the progress after each batch, then `after`.

    A run for an import that is not running does nothing, so the task is safe to run twice.
    A run after a worker died mid-import imports what is missing (the import is idempotent).
    The file is checked again first: with a row that became invalid since the preview (a
    member blocked meanwhile) nothing is imported and the report lists it.
    """
    history_import = (
        PurchaseHistoryImport.objects.select_related("merchant", "created_by")
        .filter(pk=import_id)
        .first()
    )
    if history_import is None or history_import.status != ImportStatus.RUNNING:
        return history_import

    def progress(done: int, total: int) -> None:
        history_import.processed_rows, history_import.total_rows = done, total
        _save(history_import, "processed_rows", "total_rows")

    try:
        report = import_history(
            merchant=history_import.merchant,
            text=history_import.csv,
            award_points=history_import.award_points,
            actor=history_import.created_by,
            progress=progress,
        )
        if report.ok and after is not None:
            after(history_import, report)
    except Exception as exc:
        history_import.report = {**history_import.report, "error": str(exc)[:500]}
        history_import.status = ImportStatus.FAILED
        history_import.finished_at = timezone.now()
        _save(history_import, "report", "status", "finished_at")
        raise
    history_import.report = {**history_import.report, "result": report_data(report)}
    history_import.status = ImportStatus.DONE if report.ok else ImportStatus.FAILED
    history_import.finished_at = timezone.now()
    if report.ok:
        history_import.processed_rows = history_import.total_rows
    _save(history_import, "report", "status", "finished_at", "processed_rows")
    return history_import
