"""POST /api/v1/members, GET /api/v1/members?card=|phone=|email=, GET /api/v1/members/{card}."""

import re

import pytest

from members.models import Member, MemberSource
from members.services.enrolment import enrol_member
from tests.loyalty.api.conftest import assert_problem

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def test_enrolment_answers_201_with_the_member(api_a, merchant_a, shop_a):
    answer = api_a.post(
        "/api/v1/members",
        {
            "email": "Nora@Example.com",
            "phone": "0722 123 456",
            "first_name": "Nora",
            "last_name": "Ionescu",
            "birthday": "--04-12",
            "email_marketing": True,
        },
        format="json",
    )

    assert answer.status_code == 201, answer.content
    body = answer.json()
    member = Member.objects.get(merchant=merchant_a, card_number=body["card_number"])
    assert member.source == MemberSource.API
    assert member.enrolled_at_shop == shop_a
    assert (member.birth_month, member.birth_day, member.birth_year) == (4, 12, None)
    assert member.email_marketing and not member.sms_marketing
    assert body["email"] == "nora@example.com"
    assert body["phone"] == member.phone
    assert body["tier"] == {"name": "Bronze"}
    assert body["next_tier"] == {"name": "Silver", "remaining": "500.00", "basis": "spend"}
    assert ISO_WITH_OFFSET.match(body["joined_at"])
    assert body["points_balance"] == member.points_balance


def test_enrolling_a_known_email_is_a_409(api_a, member_a):
    answer = api_a.post("/api/v1/members", {"email": member_a.email}, format="json")

    assert_problem(answer, 409, "duplicate_email")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": "not an email"}, "email"),
        ({"email": "x@example.com", "birthday": "12/04/1990"}, "birthday"),
        ({"email": "x@example.com", "birthday": "--02-30"}, "birthday"),
        ({"phone": "12"}, "phone"),
        ({"email": "x@example.com", "referral_code": "NOPE1234"}, "referral_code"),
        ({"email": "x@example.com", "email_marketing": "perhaps"}, "email_marketing"),
    ],
)
def test_invalid_enrolments_are_400_with_the_field(api_a, body, field):
    answer = api_a.post("/api/v1/members", body, format="json")

    problem = assert_problem(answer, 400, answer.json()["code"])
    assert field in problem["errors"], problem
    assert not Member.objects.filter(email="x@example.com").exists()


def test_a_referral_code_links_the_friend(api_a, member_a):
    answer = api_a.post(
        "/api/v1/members",
        {"email": "friend@example.com", "referral_code": member_a.referral_code.lower()},
        format="json",
    )

    assert answer.status_code == 201
    assert Member.objects.get(email="friend@example.com").referred_by == member_a


@pytest.mark.parametrize(
    "query",
    [
        lambda m: {"card": m.card_number},
        lambda m: {"card": f"FDL1:aroma:{m.card_number}"},
        lambda m: {"email": m.email.upper()},
        lambda m: {"phone": "+40 722 000 111"},
    ],
)
def test_it_identifies_a_member_like_the_pos(api_a, merchant_a, query):
    member = enrol_member(merchant=merchant_a, email="ida@example.com", phone="0722000111")

    answer = api_a.get("/api/v1/members", query(member))

    assert answer.status_code == 200
    assert [m["card_number"] for m in answer.json()["results"]] == [member.card_number]


def test_nobody_found_is_an_empty_list(api_a, member_a):
    answer = api_a.get("/api/v1/members", {"email": "nobody@example.com"})

    assert answer.status_code == 200
    assert answer.json() == {"results": []}


@pytest.mark.parametrize("query", [{}, {"card": "1", "email": "a@b.c"}, {"name": "Ana"}])
def test_it_needs_exactly_one_way_to_identify(api_a, query):
    assert_problem(api_a.get("/api/v1/members", query), 400, "invalid")


def test_one_member_by_card_number(api_a, member_a):
    answer = api_a.get(f"/api/v1/members/{member_a.card_number}")

    assert answer.status_code == 200
    assert answer.json()["first_name"] == "Ana"
    assert answer.json()["pending_points"] == 0


def test_an_unknown_card_is_a_404(api_a, member_a):
    assert_problem(api_a.get("/api/v1/members/1234567890"), 404, "member_not_found")
