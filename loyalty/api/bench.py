"""A bare API view for bench/api.py: the same HTTP, key and JSON, and one inserted row.

Mounted only when the API_BENCH_VIEW setting is on (never in production URLs), so the
benchmark can show what the loyalty logic of a purchase costs on top of the request itself.
"""

from decimal import Decimal, InvalidOperation

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from loyalty.api.base import ApiView
from loyalty.models.points import Purchase


class BarePurchaseView(ApiView):
    @extend_schema(exclude=True)
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        try:
            amount = Decimal(str(data.get("amount", "1.00")))
        except InvalidOperation:
            amount = Decimal("1.00")
        now = timezone.now()
        purchase = Purchase.objects.create(
            merchant=request.merchant,
            shop=request.shop,
            external_id=str(data.get("external_id", ""))[:100],
            amount=amount,
            currency=request.merchant.currency,
            occurred_at=now,
            recorded_at=now,
            eligible_amount=amount,
        )
        return Response({"external_id": purchase.external_id}, status=201)
