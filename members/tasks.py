"""django-q2 entry points of the members app: thin wrappers over the services."""

from loyalty.analytics import cohorts, rollups
from members.models import PurchaseHistoryImport
from members.services import history_uploads, imports
from members.services.history_import import HistoryReport, days_to_rebuild


def run_import(import_id: int) -> None:
    imports.run_import(import_id)


def run_history_import(import_id: int) -> None:
    """The portal's purchase history import, then the daily statistics of its days."""
    history_uploads.run_history_import(import_id, after=rebuild_statistics)


def rebuild_statistics(history_import: PurchaseHistoryImport, report: HistoryReport) -> None:
    """Imported sales write no outbox events, so nothing else updates their days' figures.
    Each day is recomputed whole (with points, today's ledger entries too), then the monthly
    cohorts, which old sales change the most."""
    days = days_to_rebuild(history_import.merchant, report)
    for day in days:
        rollups.rebuild_day(history_import.merchant, day)
    if days:
        cohorts.rebuild_cohorts(history_import.merchant)
