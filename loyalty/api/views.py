"""The shop API's endpoints: parse, call a service or a query, answer. Nothing else.

The key fixes the merchant and the shop (`request.merchant`, `request.shop`); every look-up
starts from them, so another merchant's card, sale or voucher is a 404 like a missing one.
"""

from django.db import transaction
from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.api import presenters
from loyalty.api import serializers as s
from loyalty.api.authentication import ApiKeyAuthentication, HasApiKey
from loyalty.api.idempotency import HEADER, idempotent
from loyalty.api.parsers import SafeJSONParser
from loyalty.api.problems import PROBLEM_CONTENT_TYPE, TYPE_PREFIX
from loyalty.api.throttling import KeyRateThrottle
from loyalty.errors import DomainError
from loyalty.models.points import Purchase
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from members.models import Member, MemberSource
from members.queries import find_member
from members.services.enrolment import enrol_member

MAX_LOOKUP_LENGTH = 254
CONSENT_WORDING = "Given at the till, reported through the shop API"


def _problems(*statuses: int) -> dict:
    """The error answers of an endpoint, documented as problem+json."""
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


class ApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [KeyRateThrottle]
    parser_classes = [SafeJSONParser]
    renderer_classes = [JSONRenderer]
    # No OPTIONS self-description: the schema at /api/v1/schema/ is the description.
    metadata_class = None

    def answer(self, serializer_class, data, status_code=status.HTTP_200_OK) -> Response:
        context = {"merchant": self.request.merchant}
        return Response(serializer_class(data, context=context).data, status=status_code)

    def valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def member_or_404(self, card_number: str) -> Member:
        member = None
        if card_number.isdigit() and len(card_number) <= 32:
            member = (
                Member.objects.for_merchant(self.request.merchant)
                .select_related("merchant", "tier")
                .filter(card_number=card_number)
                .first()
            )
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


# --- Program ---------------------------------------------------------------------------------


class ProgramView(ApiView):
    @extend_schema(
        operation_id="program",
        summary="The merchant's program: currency, earning rate, point value and tiers",
        responses={200: s.ProgramOutput, **_problems(401, 429)},
    )
    def get(self, request):
        return self.answer(s.ProgramOutput, presenters.program(request.merchant))


# --- Members ---------------------------------------------------------------------------------


class MembersView(ApiView):
    @extend_schema(
        operation_id="members_find",
        summary="Identify a member by card number (or QR payload), phone or email",
        parameters=[
            OpenApiParameter("card", str, description=_("A card number or the card's QR text.")),
            OpenApiParameter("phone", str, description=_("A phone number.")),
            OpenApiParameter("email", str, description=_("An email address.")),
        ],
        responses={200: s.MemberListOutput, **_problems(*READ_PROBLEMS)},
    )
    def get(self, request):
        given = {
            name: request.query_params.get(name)
            for name in ("card", "phone", "email")
            if request.query_params.get(name) not in (None, "")
        }
        if len(given) != 1:
            raise_invalid(
                {"card": [_("Give exactly one of card, phone or email.")]},
            )
        ((name, value),) = given.items()
        if len(value) > MAX_LOOKUP_LENGTH or not value.isprintable():
            raise_invalid({name: [_("This is not a card number, a phone or an email.")]})
        member = find_member(request.merchant, value)
        members = presenters.MemberPresenter(request.merchant)
        results = [members.member(member)] if member is not None else []
        return self.answer(s.MemberListOutput, {"results": results})

    @extend_schema(
        operation_id="members_enrol",
        summary="Enrol a member",
        request=s.EnrolmentInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "A new member",
                request_only=True,
                value={
                    "email": "maria@example.com",
                    "phone": "+40 722 123 456",
                    "first_name": "Maria",
                    "last_name": "Popescu",
                    "birthday": "--04-12",
                    "email_marketing": True,
                },
            )
        ],
        responses={201: s.MemberOutput, **_problems(*WRITE_PROBLEMS)},
    )
    @idempotent
    def post(self, request):
        data = self.valid(s.EnrolmentInput)
        member = enrol_member(
            merchant=request.merchant,
            email=data["email"],
            phone=data["phone"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            birthday=data["birthday"] or None,
            source=MemberSource.API,
            shop=request.shop,
            email_marketing=data["email_marketing"],
            sms_marketing=data["sms_marketing"],
            consent_wording=CONSENT_WORDING,
            referral_code=data["referral_code"],
        )
        members = presenters.MemberPresenter(request.merchant)
        return self.answer(s.MemberOutput, members.member_by_pk(member.pk), status.HTTP_201_CREATED)


class MemberView(ApiView):
    @extend_schema(
        operation_id="member",
        summary="One member, by card number",
        responses={200: s.MemberOutput, **_problems(*READ_PROBLEMS)},
    )
    def get(self, request, card_number: str):
        member = self.member_or_404(card_number)
        return self.answer(
            s.MemberOutput, presenters.MemberPresenter(request.merchant).member(member)
        )


# --- Purchases and refunds -------------------------------------------------------------------


class PurchasesView(ApiView):
    @extend_schema(
        operation_id="purchases_record",
        summary="Record a purchase (idempotent by shop and external_id)",
        description=_(
            "Awards the member's points. With `vouchers`, each code is checked first; if any "
            "cannot be used nothing is recorded and the answer names the code (`voucher`) and "
            "why (`code`). The same external_id again returns the first answer."
        ),
        request=s.PurchaseInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "An anonymous sale",
                request_only=True,
                value={"external_id": "R-2025-0001", "member": None, "amount": "23.50"},
            ),
            OpenApiExample(
                "A member's sale with items",
                request_only=True,
                value={
                    "external_id": "R-2025-0002",
                    "member": "4242424242",
                    "amount": "9.50",
                    "occurred_at": "2025-03-01T14:30:00+02:00",
                    "items": [
                        {"sku": "ESP", "name": "Espresso", "quantity": 2, "unit_price": "3.00"},
                        {"sku": "CRO", "name": "Croissant", "quantity": 1, "unit_price": "3.50"},
                    ],
                },
            ),
        ],
        responses={201: s.PurchaseOutput, **_problems(*WRITE_PROBLEMS)},
    )
    @idempotent
    def post(self, request):
        from loyalty.api import vouchers

        data = self.valid(s.PurchaseInput)
        member = self.member_or_404(data["member"]) if data["member"] else None
        record = {
            "shop": request.shop,
            "member": member,
            "external_id": data["external_id"],
            "amount": data["amount"],
            "currency": data["currency"] or None,
            "occurred_at": data["occurred_at"],
            "items": [dict(item) for item in data["items"]],
        }
        codes = vouchers.normalized_codes(data["vouchers"])
        exists = Purchase.objects.filter(
            shop=request.shop, external_id=data["external_id"]
        ).exists()
        if exists or not codes:
            result = record_purchase(**record)
        else:
            scopes = vouchers.scopes(request)
            for code in codes:
                vouchers.check(request, code, amount=data["amount"], member=member, scopes=scopes)
            with transaction.atomic():
                result = record_purchase(**record)
                if result.created:
                    for code in codes:
                        vouchers.use(request, code, purchase=result.purchase)
        members = presenters.MemberPresenter(request.merchant)
        return self.answer(
            s.PurchaseOutput,
            presenters.purchase(result.purchase, members),
            status.HTTP_201_CREATED,
        )


class PurchaseView(ApiView):
    @extend_schema(
        operation_id="purchase",
        summary="One purchase of this shop, by its external_id",
        responses={200: s.PurchaseOutput, **_problems(*READ_PROBLEMS)},
    )
    def get(self, request, external_id: str):
        purchase = self.purchase_or_404(external_id)
        members = presenters.MemberPresenter(request.merchant)
        return self.answer(s.PurchaseOutput, presenters.purchase(purchase, members))


class RefundsView(ApiView):
    @extend_schema(
        operation_id="purchase_refund",
        summary="Refund part or all of a purchase; its points are clawed back",
        request=s.RefundInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "A partial refund",
                request_only=True,
                value={"external_id": "RF-2025-0001", "amount": "5.00"},
            )
        ],
        responses={201: s.RefundOutput, **_problems(*WRITE_PROBLEMS)},
    )
    @idempotent
    def post(self, request, external_id: str):
        purchase = self.purchase_or_404(external_id)
        data = self.valid(s.RefundInput)
        result = refund_purchase(
            purchase=purchase, external_id=data["external_id"], amount=data["amount"]
        )
        refund = result.refund
        refund.purchase = purchase
        members = presenters.MemberPresenter(request.merchant)
        return self.answer(
            s.RefundOutput, presenters.refund(refund, members), status.HTTP_201_CREATED
        )


def raise_invalid(errors: dict) -> None:
    from rest_framework.exceptions import ValidationError

    raise ValidationError(errors)


def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any other path under /api/v1/: a problem, not the HTML 404 page."""
    return JsonResponse(
        {
            "type": TYPE_PREFIX + "not_found",
            "title": "Not Found",
            "status": 404,
            "detail": _("There is no such endpoint. See /api/v1/docs/."),
            "code": "not_found",
        },
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
    )
