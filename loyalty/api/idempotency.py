"""The `Idempotency-Key` header: a retried POST gets the first answer and changes nothing.

The first answer of a request (status and body, errors included) is stored under the caller's
key for at least RETENTION, with a fingerprint of the key's owner, the method, the path and the
body. A repeat with the same fingerprint gets the stored bytes; with another, 422. A repeat
while the first is still running gets 409. Answers 409, 429 and 5xx are not stored: they say
"try again", and a retry must be able to get through.

The record is written in its own transaction before the work (the services' transactions are
durable, so the two cannot share one) and completed after it. A process that dies between the
two leaves a "started" record; after STALE it is taken over by the next retry, which the
services' own idempotency (a sale by shop and receipt number) keeps harmless.
"""

import hashlib
from datetime import datetime, timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import DomainError
from loyalty.models import ApiKey, IdempotencyRecord, IdempotencyState

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
STALE = timedelta(minutes=2)
NOT_STORED = {409, 429, 503}
REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyError(DomainError):
    code = "idempotency_key_invalid"


def fingerprint(*, api_key: ApiKey, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (f"{api_key.merchant_id}:{api_key.pk}", method, path):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def check_key(raw: str) -> str:
    if not raw or len(raw) > MAX_KEY_LENGTH:
        raise IdempotencyError(
            _("The Idempotency-Key header takes 1 to %(max)s characters.") % {"max": MAX_KEY_LENGTH}
        )
    if not raw.isascii() or not raw.isprintable():
        raise IdempotencyError(_("The Idempotency-Key header takes printable ASCII characters."))
    return raw


def begin(
    *, api_key: ApiKey, key: str, print_: str, now: datetime | None = None
) -> tuple[IdempotencyRecord | None, IdempotencyRecord | None]:
    """(a record to complete, None) to run the request; (None, a done record) to replay it."""
    now = now or timezone.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    merchant_id=api_key.merchant_id,
                    api_key=api_key,
                    key=key,
                    fingerprint=print_,
                    created_at=now,
                )
            return record, None
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(api_key=api_key, key=key).first()
        if existing is None:
            continue  # finished and removed (a 409 or 5xx) in between: try again
        if existing.created_at < now - RETENTION:
            # Past its retention: the key is free again.
            IdempotencyRecord.objects.filter(
                pk=existing.pk, created_at=existing.created_at
            ).delete()
            continue
        if existing.fingerprint != print_:
            raise DomainError(
                _(
                    "This Idempotency-Key was used for another request (another body or "
                    "path). Use a new key for a new request."
                ),
                code="idempotency_key_reused",
            )
        if existing.state == IdempotencyState.DONE:
            return None, existing
        if existing.created_at < now - STALE:
            # Its process died before finishing; the conditional update lets one retry take over.
            taken = IdempotencyRecord.objects.filter(
                pk=existing.pk, state=IdempotencyState.STARTED, created_at=existing.created_at
            ).update(created_at=now)
            if taken:
                existing.created_at = now
                return existing, None
        raise DomainError(
            _("A request with this Idempotency-Key is still running. Try again in a moment."),
            code="idempotency_key_in_progress",
        )
    raise DomainError(
        _("A request with this Idempotency-Key is still running. Try again in a moment."),
        code="idempotency_key_in_progress",
    )


def finish(record: IdempotencyRecord, response) -> None:
    if response.status_code in NOT_STORED or response.status_code >= 500:
        abandon(record)
        return
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyState.DONE,
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        body=response.content.decode(),
    )


def abandon(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyState.STARTED).delete()


def replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        record.body.encode(), status=record.status_code, content_type=record.content_type
    )
    response[REPLAYED_HEADER] = "true"
    return response


def prune(*, now: datetime | None = None) -> int:
    """Remove stored answers past their retention (a daily job)."""
    now = now or timezone.now()
    deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted


def idempotent(handler):
    """Wrap a DRF POST handler; the view's authentication and throttling have run already."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        raw = request.headers.get(HEADER)
        if raw is None:
            return handler(view, request, *args, **kwargs)
        key = check_key(raw)
        print_ = fingerprint(
            api_key=request.auth, method=request.method, path=request.path, body=request.body
        )
        record, done = begin(api_key=request.auth, key=key, print_=print_)
        if done is not None:
            return replay(done)
        try:
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:
                response = view.handle_exception(exc)
            response = view.finalize_response(request, response, *args, **kwargs)
            response.render()
        except BaseException:
            abandon(record)
            raise
        finish(record, response)
        return response

    return wrapper
