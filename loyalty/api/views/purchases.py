"""/api/v1/purchases: recording a sale (with vouchers or without), one sale, its refunds."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from loyalty.api import presenters, voucher_codes
from loyalty.api import serializers as s
from loyalty.api.base import (
    IDEMPOTENCY_PARAMETER,
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    ApiView,
    problems,
)
from loyalty.api.idempotency import idempotent
from loyalty.errors import DomainError
from loyalty.models.points import Purchase
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from rewards.sales import record_sale_with_vouchers


class PurchasesView(ApiView):
    def receipt_exists(self, external_id: str) -> bool:
        return Purchase.objects.filter(shop=self.request.shop, external_id=external_id).exists()

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
        responses={201: s.PurchaseOutput, **problems(*WRITE_PROBLEMS)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
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
        codes = voucher_codes.normalized_codes(data["vouchers"])
        # Without vouchers the receipt's unique constraint decides a retry (record_purchase
        # answers the first sale); with them, a retry must not check codes its first call used.
        if not codes or self.receipt_exists(data["external_id"]):
            result = record_purchase(**record)
        else:
            scopes = voucher_codes.scopes(request)
            for code in codes:
                voucher_codes.check(
                    request, code, amount=data["amount"], member=member, scopes=scopes
                )
            try:
                result = record_sale_with_vouchers(**record, codes=codes).result
            except DomainError as error:
                if getattr(error, "voucher_code", None) is None:
                    raise
                raise voucher_codes.named(error.voucher_code, error) from None
        members = presenters.MemberPresenter(request.merchant)
        answer = presenters.purchase(result.purchase, members, result=None if codes else result)
        return self.answer(s.PurchaseOutput, answer, status.HTTP_201_CREATED)


class PurchaseView(ApiView):
    @extend_schema(
        operation_id="purchase",
        summary="One purchase of this shop, by its external_id",
        responses={200: s.PurchaseOutput, **problems(*READ_PROBLEMS)},
    )
    def get(self, request: Request, external_id: str) -> Response:
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
        responses={201: s.RefundOutput, **problems(*WRITE_PROBLEMS)},
    )
    @idempotent
    def post(self, request: Request, external_id: str) -> Response:
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
