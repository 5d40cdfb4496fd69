"""The audit log's one write path: every state change of note leaves a row.

Actions are namespaced by app and noun (`loyalty.shop.created`, `rewards.voucher.cancelled`);
the owner reads them under Portal → Settings → Audit log (`loyalty.queries.audit_events`).
Data carries ids, never secrets or codes (a voucher is named by its id).
"""

from django.db.models import Model

from loyalty.models import AuditEvent, Merchant, User


def log_action(
    *,
    merchant: Merchant,
    actor: User | None,
    action: str,
    target: Model | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Record a state change of note, with a namespaced action like `loyalty.shop.created`.

    Runs in the caller's transaction, so the row exists exactly when the change does.
    """
    return AuditEvent.objects.create(
        merchant=merchant,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data or {},
    )
