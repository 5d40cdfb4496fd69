"""/api/v1/members: finding a member, enrolling one, and one member by card number."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from loyalty.api import presenters
from loyalty.api import serializers as s
from loyalty.api.base import (
    IDEMPOTENCY_PARAMETER,
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    ApiView,
    problems,
    raise_invalid,
)
from loyalty.api.idempotency import idempotent
from members.models import MemberSource
from members.queries import find_member
from members.services.enrolment import enrol_member

MAX_LOOKUP_LENGTH = 254
CONSENT_WORDING = "Given at the till, reported through the shop API"


class MembersView(ApiView):
    @extend_schema(
        operation_id="members_find",
        summary="Identify a member by card number (or QR payload), phone or email",
        parameters=[
            OpenApiParameter("card", str, description=_("A card number or the card's QR text.")),
            OpenApiParameter("phone", str, description=_("A phone number.")),
            OpenApiParameter("email", str, description=_("An email address.")),
        ],
        responses={200: s.MemberListOutput, **problems(*READ_PROBLEMS)},
    )
    def get(self, request: Request) -> Response:
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
        responses={201: s.MemberOutput, **problems(*WRITE_PROBLEMS)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
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
        responses={200: s.MemberDetailOutput, **problems(*READ_PROBLEMS)},
    )
    def get(self, request: Request, card_number: str) -> Response:
        member = self.member_or_404(card_number)
        return self.answer(
            s.MemberDetailOutput, presenters.MemberPresenter(request.merchant).member_detail(member)
        )
