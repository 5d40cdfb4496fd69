"""The portal's reads of cases: the list with its filters, one case with its answer and notes."""

from datetime import datetime

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
