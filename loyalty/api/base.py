"""What every endpoint of the shop API shares: the base view, its documented error answers and
the Idempotency-Key parameter.

The key fixes the merchant and the shop (`request.merchant`, `request.shop`); every look-up
starts from them, so another merchant's card, sale or voucher is a 404 like a missing one.
"""

import threading

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.api import serializers as s
from loyalty.api.authentication import ApiKeyAuthentication, HasApiKey
from loyalty.api.idempotency import HEADER
from loyalty.api.parsers import SafeJSONParser
from loyalty.api.problems import PROBLEM_CONTENT_TYPE
from loyalty.api.throttling import KeyRateThrottle
from loyalty.errors import DomainError
from loyalty.models.points import Purchase
from members.models import Member
from members.queries import member_by_card


def problems(*statuses: int) -> dict:
    """The error answers of an endpoint, for `extend_schema(responses=...)`: each status with
    its problem+json body and what it means on this API."""
    descriptions = {
        400: _("Malformed or invalid input; `errors` names the fields."),
        401: _("No API key, or a bad or revoked one."),
        404: _("Unknown, or another merchant's."),
        409: _("A state conflict (`code` says which), or the same Idempotency-Key in progress."),
        415: _("The body is not JSON."),
        422: _("The Idempotency-Key was used with another body."),
        429: _("Too many requests; see Retry-After."),
        503: _("Busy; try again."),
    }
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(s.ProblemOutput, descriptions[code])
        for code in statuses
    }


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Any unique string (up to 255 characters). A retry with the same key and body gets "
        "the first answer and changes nothing."
    ),
)
READ_PROBLEMS = (400, 401, 404, 429)
WRITE_PROBLEMS = (400, 401, 404, 409, 415, 422, 429, 503)


# One output serializer of each class per thread, its fields built once: DRF deep-copies a
# serializer's declared fields (and its nested serializers') for every instance, which cost an
# API purchase more CPU than rendering its answer (issue 19). The representation of a value
# holds no state but the context, set for each call.
_OUTPUTS = threading.local()
# The same for the input serializers: their validation keeps its state (the data, the errors,
# the validated data) on the serializer itself, cleared after each call; the fields keep none.
_INPUTS = threading.local()
_VALIDATION_STATE = ("_validated_data", "_errors", "_data")


def _thread_serializer(store: threading.local, serializer_class):
    """This thread's one serializer of `serializer_class` in `store`, made on first use."""
    instances = store.__dict__
    serializer = instances.get(serializer_class)
    if serializer is None:
        serializer = instances[serializer_class] = serializer_class()
    return serializer


def represent(serializer_class, data, merchant) -> dict:
    """`serializer_class(data, context={"merchant": merchant}).data`, without building the
    serializer's fields again."""
    serializer = _thread_serializer(_OUTPUTS, serializer_class)
    serializer._context = {"merchant": merchant}
    return serializer.to_representation(data)


def validate(serializer_class, data) -> dict:
    """`serializer_class(data=data)`'s validated data, through DRF's own `is_valid` (its
    errors answer 400), without building the serializer's fields again."""
    serializer = _thread_serializer(_INPUTS, serializer_class)
    serializer.initial_data = data
    try:
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
    finally:
        # No request's data stays behind on the thread, nor its result for the next call.
        del serializer.initial_data
        for name in _VALIDATION_STATE:
            serializer.__dict__.pop(name, None)


def raise_invalid(errors: dict) -> None:
    """Answer 400 with `errors` by field, the way a serializer's own validation does."""
    raise ValidationError(errors)


class ApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [KeyRateThrottle]
    parser_classes = [SafeJSONParser]
    renderer_classes = [JSONRenderer]
    # No OPTIONS self-description: the schema at /api/v1/schema/ is the description.
    metadata_class = None

    def answer(self, serializer_class, data, status_code=status.HTTP_200_OK) -> Response:
        merchant = self.request.merchant
        return Response(represent(serializer_class, data, merchant), status=status_code)

    def valid(self, serializer_class) -> dict:
        return validate(serializer_class, self.request.data)

    def member_or_404(self, card_number: str) -> Member:
        member = member_by_card(self.request.merchant, card_number)
        if member is None:
            raise DomainError(_("No member with this card number."), code="member_not_found")
        return member

    def purchase_or_404(self, external_id: str) -> Purchase:
        purchase = None
        if external_id and len(external_id) <= 100 and external_id.isprintable():
            purchase = (
                Purchase.objects.filter(shop=self.request.shop, external_id=external_id)
                .select_related("shop__merchant", "member")
                .first()
            )
        if purchase is None:
            raise DomainError(
                _("No purchase with this number at this shop."), code="purchase_not_found"
            )
        return purchase
