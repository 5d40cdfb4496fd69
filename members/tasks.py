"""django-q2 entry points of the members app: thin wrappers over the services."""

from loyalty.analytics import rollups
from members.models import PurchaseHistoryImport
from members.services import history_uploads, imports
from members.services.history_import import HistoryReport


def run_import(import_id: int) -> None:
    imports.run_import(import_id)


def run_history_import(import_id: int) -> None:
    """The portal's purchase history import, then the daily statistics from its first day
    (imported sales write no outbox events, so nothing else updates them)."""
    history_uploads.run_history_import(import_id, after=rebuild_statistics)


def rebuild_statistics(history_import: PurchaseHistoryImport, report: HistoryReport) -> None:
    if report.first_day is not None and report.purchases_added:
        rollups.rebuild(history_import.merchant, since=report.first_day)
