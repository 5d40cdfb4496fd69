"""GET /api/v1/program: the merchant's program."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from loyalty.api import presenters
from loyalty.api import serializers as s
from loyalty.api.base import ApiView, problems


class ProgramView(ApiView):
    @extend_schema(
        operation_id="program",
        summary="The merchant's program: currency, earning rate, point value and tiers",
        responses={200: s.ProgramOutput, **problems(401, 429)},
    )
    def get(self, request: Request) -> Response:
        return self.answer(s.ProgramOutput, presenters.program(request.merchant))
