"""Errors as `application/problem+json` (RFC 9457), with the domain error's stable `code`.

Every error the API answers goes through `exception_handler` (the REST_FRAMEWORK setting): the
domain errors of the services, DRF's own (validation, authentication, throttling, parsing) and
Django's 404. The HTTP status of a domain error comes from one table, STATUS_BY_CODE.
"""

import logging
from http import HTTPStatus

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from loyalty.errors import Conflict, DomainError, ValidationFailed

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:fidela:problem:"

BAD_REQUEST = 400
NOT_FOUND = 404
CONFLICT = 409
UNPROCESSABLE = 422
THROTTLED = 429
BUSY = 503

# The domain errors' codes and their HTTP status: input a client can correct is 400, an object
# that is not there (or is another merchant's) 404, a state that forbids the action 409.
STATUS_BY_CODE: dict[str, int] = {
    # malformed or invalid input
    "invalid": BAD_REQUEST,
    "invalid_amount": BAD_REQUEST,
    "wrong_currency": BAD_REQUEST,
    "items_mismatch": BAD_REQUEST,
    "purchase_in_future": BAD_REQUEST,
    "naive_time": BAD_REQUEST,
    "external_id_required": BAD_REQUEST,
    "contact_required": BAD_REQUEST,
    "invalid_birthday": BAD_REQUEST,
    "invalid_phone": BAD_REQUEST,
    "invalid_email": BAD_REQUEST,
    "invalid_consent": BAD_REQUEST,
    "invalid_points": BAD_REQUEST,
    "unknown_referral": BAD_REQUEST,
    "idempotency_key_invalid": BAD_REQUEST,
    # unknown, or another merchant's
    "not_found": NOT_FOUND,
    "unknown_member": NOT_FOUND,
    "member_not_found": NOT_FOUND,
    "purchase_not_found": NOT_FOUND,
    "reward_not_found": NOT_FOUND,
    "voucher_not_found": NOT_FOUND,
    # the state forbids it
    "conflict": CONFLICT,
    "not_allowed": CONFLICT,
    "duplicate_member": CONFLICT,
    "duplicate_email": CONFLICT,
    "duplicate_phone": CONFLICT,
    "duplicate_external_id": CONFLICT,
    "member_inactive": CONFLICT,
    "member_blocked": CONFLICT,
    "member_anonymized": CONFLICT,
    "purchase_reversed": CONFLICT,
    "refund_too_large": CONFLICT,
    "insufficient_points": CONFLICT,
    "tier_too_low": CONFLICT,
    "out_of_stock": CONFLICT,
    "limit_reached": CONFLICT,
    "not_available_yet": CONFLICT,
    "reward_unavailable": CONFLICT,
    "voucher_used": CONFLICT,
    "voucher_expired": CONFLICT,
    "voucher_cancelled": CONFLICT,
    "minimum_not_met": CONFLICT,
    "idempotency_key_in_progress": CONFLICT,
    # the Idempotency-Key was used for another request
    "idempotency_key_reused": UNPROCESSABLE,
    # well-formed, but above the program's maximum sale amount (a typo, or a limit to raise)
    "amount_too_large": UNPROCESSABLE,
    # too many failed voucher look-ups (rewards.throttle)
    "too_many_attempts": THROTTLED,
    # a lock wait ran out (contended stock): try again
    "busy": BUSY,
}

# Which request field a domain error is about, for `errors` in the answer.
FIELD_BY_CODE = {
    "invalid_amount": "amount",
    "amount_too_large": "amount",
    "wrong_currency": "currency",
    "items_mismatch": "items",
    "purchase_in_future": "occurred_at",
    "naive_time": "occurred_at",
    "external_id_required": "external_id",
    "invalid_birthday": "birthday",
    "invalid_phone": "phone",
    "invalid_email": "email",
    "unknown_referral": "referral_code",
    "idempotency_key_invalid": "Idempotency-Key",
}

# Codes for DRF's own exceptions, stable like the domain's.
DRF_CODES = {
    exceptions.ParseError: "malformed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.PermissionDenied: "not_found",
}


# The `title` of each status, translated (HTTPStatus's English phrase for one not listed).
TITLES = {
    400: gettext_lazy("Bad Request"),
    401: gettext_lazy("Unauthorized"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not Found"),
    405: gettext_lazy("Method Not Allowed"),
    406: gettext_lazy("Not Acceptable"),
    409: gettext_lazy("Conflict"),
    413: gettext_lazy("Request Entity Too Large"),
    415: gettext_lazy("Unsupported Media Type"),
    422: gettext_lazy("Unprocessable Entity"),
    429: gettext_lazy("Too Many Requests"),
    500: gettext_lazy("Internal Server Error"),
    503: gettext_lazy("Service Unavailable"),
}


def status_for(error: DomainError) -> int:
    status = STATUS_BY_CODE.get(error.code)
    if status is not None:
        return status
    # A code the table does not know yet: its class decides, and the log says so.
    logger.warning("API: domain error code %r is not in STATUS_BY_CODE", error.code)
    if isinstance(error, Conflict):
        return CONFLICT
    if isinstance(error, ValidationFailed):
        return BAD_REQUEST
    return CONFLICT


def problem(
    status: int,
    *,
    code: str,
    detail: str,
    title: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
    **extra,
) -> Response:
    """A problem answer. `extra` members (like `voucher`) are RFC 9457 extensions."""
    body = {
        "type": TYPE_PREFIX + code,
        "title": str(title or TITLES.get(status) or HTTPStatus(status).phrase),
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as `{"items.0.unit_price": ["…"]}`."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            inner = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for field, messages in flatten_errors(value, inner).items():
                flat.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            flat.setdefault(prefix or "body", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item:
                    inner = f"{prefix}.{index}" if prefix else str(index)
                    for field, messages in flatten_errors(item, inner).items():
                        flat.setdefault(field, []).extend(messages)
    else:
        flat.setdefault(prefix or "body", []).append(str(detail))
    return flat


INVALID_TITLE = gettext_lazy("Invalid input")


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        status = status_for(exc)
        field = FIELD_BY_CODE.get(exc.code)
        extra = {}
        headers = {}
        if status in (THROTTLED, BUSY):
            headers["Retry-After"] = str(int(getattr(exc, "retry_after", None) or 1))
        voucher = getattr(exc, "api_voucher_code", None)
        if voucher:
            extra["voucher"] = voucher
        return problem(
            status,
            code=exc.code,
            detail=exc.message,
            errors={field: [exc.message]}
            if field and status in (BAD_REQUEST, UNPROCESSABLE)
            else None,
            headers=headers,
            **extra,
        )
    if isinstance(exc, RequestDataTooBig):
        return problem(413, code="too_large", detail=_("The request body is too large."))
    if isinstance(exc, Http404 | PermissionDenied):
        # Outside the tenant is a 404, like a missing object: the answer must not tell which.
        exc = exceptions.NotFound()
    if isinstance(exc, serializers.ValidationError):
        set_rollback()
        errors = flatten_errors(exc.detail)
        return problem(
            BAD_REQUEST,
            code="invalid",
            title=INVALID_TITLE,
            detail=_("The request is not valid: see `errors`."),
            errors=errors,
        )
    if isinstance(exc, exceptions.APIException):
        set_rollback()
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        code = next((code for kind, code in DRF_CODES.items() if isinstance(exc, kind)), "error")
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else _("The request failed.")
        if isinstance(exc, exceptions.Throttled):
            wait = max(1, int(-(-(exc.wait or 1) // 1)))
            headers["Retry-After"] = str(wait)
            # DRF's own words are half translated in ro and ru ("Expected available in…").
            detail = ngettext(
                "Too many requests with this key: try again in %(wait)d second.",
                "Too many requests with this key: try again in %(wait)d seconds.",
                wait,
            ) % {"wait": wait}
        if isinstance(exc, exceptions.PermissionDenied):
            status = NOT_FOUND
        return problem(status, code=code, detail=detail, headers=headers)
    return None
