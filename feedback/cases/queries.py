"""The portal's reads of cases: the list with its filters, one case with its answer and notes."""

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from feedback.models import Case, CaseStatus
from loyalty.models import Merchant

UNRESOLVED = "unresolved"  # the list's default: open and in progress


def cases(
    merchant: Merchant,
    *,
    status: str = "",
    overdue: bool = False,
    shop_id: int | None = None,
    owner_id: int | None = None,
    unassigned: bool = False,
    now: datetime | None = None,
) -> QuerySet[Case]:
    """The merchant's cases, the most urgent first (unresolved by due time, then resolved)."""
    now = now or timezone.now()
    rows = Case.objects.for_merchant(merchant).select_related("member", "shop", "owner", "answer")
    if status == UNRESOLVED:
        rows = rows.exclude(status=CaseStatus.RESOLVED)
    elif status in CaseStatus.values:
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(due_at__lt=now).exclude(status=CaseStatus.RESOLVED)
    if shop_id:
        rows = rows.filter(shop_id=shop_id)
    if unassigned:
        rows = rows.filter(owner__isnull=True)
    elif owner_id:
        rows = rows.filter(owner_id=owner_id)
    resolved = ExpressionWrapper(Q(status=CaseStatus.RESOLVED), output_field=BooleanField())
    return rows.order_by(resolved.asc(), "due_at", "-id")


def case_detail(merchant: Merchant, case_id: int) -> Case | None:
    return (
        Case.objects.for_merchant(merchant)
        .select_related(
            "member", "shop", "owner", "answer__survey", "answer__invitation", "recovery_voucher"
        )
        .filter(pk=case_id)
        .first()
    )


def timeline(case: Case) -> QuerySet:
    return case.notes.select_related("author").order_by("created_at", "id")


@dataclass(frozen=True)
class CaseFigures:
    """The loop at a glance, for the dashboard."""

    open: int
    overdue: int
    median_hours_to_close: float | None  # opened to resolved, over resolved cases
    judged: int  # resolved cases with a won-back verdict (30 days after resolving)
    won_back: int

    @property
    def won_back_share(self) -> float | None:
        return self.won_back / self.judged if self.judged else None


def case_figures(merchant: Merchant, *, now: datetime | None = None) -> CaseFigures:
    """Open and overdue cases, the median time to close and the share won back."""
    now = now or timezone.now()
    rows = Case.objects.for_merchant(merchant)
    unresolved = rows.exclude(status=CaseStatus.RESOLVED)
    durations = sorted(
        (resolved - opened).total_seconds() / 3600
        for opened, resolved in rows.filter(resolved_at__isnull=False).values_list(
            "opened_at", "resolved_at"
        )
    )
    return CaseFigures(
        open=unresolved.count(),
        overdue=unresolved.filter(due_at__lt=now).count(),
        median_hours_to_close=median(durations) if durations else None,
        judged=rows.filter(won_back__isnull=False).count(),
        won_back=rows.filter(won_back=True).count(),
    )
