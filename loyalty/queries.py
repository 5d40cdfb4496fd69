"""Read paths for the portal: each starts from the merchant."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from loyalty.models import AuditEvent, Invitation, Merchant, StaffMember


def open_invitations(merchant: Merchant) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_merchant(merchant)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("shop")
    )


def audit_actions(merchant: Merchant) -> list[str]:
    return list(
        AuditEvent.objects.for_merchant(merchant)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def audit_actors(merchant: Merchant) -> list[tuple[int, str]]:
    return list(
        StaffMember.objects.for_merchant(merchant)
        .order_by("user__email")
        .values_list("user_id", "user__email")
    )


def audit_events(
    merchant: Merchant,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.for_merchant(merchant).select_related("actor")
    if action:
        events = events.filter(action=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lte=until)
    return events
