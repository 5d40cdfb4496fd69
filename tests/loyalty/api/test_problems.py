"""Errors are application/problem+json (RFC 9457); nothing a client sends is ever a 500."""

import pytest

from loyalty.api.problems import STATUS_BY_CODE, flatten_errors
from tests.loyalty.api.conftest import assert_problem


def test_malformed_json_is_a_400_problem(api_a):
    answer = api_a.post("/api/v1/purchases", "{not json", content_type="application/json")

    assert_problem(answer, 400, "malformed")


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_a_deeply_nested_json_body_is_a_400_problem(api_a, opening):
    api_a.raise_request_exception = False
    body = opening * 100_000

    answer = api_a.post("/api/v1/purchases", body, content_type="application/json")

    assert_problem(answer, 400, "malformed")


def test_a_deeply_nested_json_body_with_an_idempotency_key_is_a_400_problem(api_a):
    api_a.raise_request_exception = False

    answer = api_a.post(
        "/api/v1/purchases",
        "[" * 100_000,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="n",
    )

    assert_problem(answer, 400, "malformed")


def test_a_body_that_is_not_json_is_a_415_problem(api_a):
    answer = api_a.post("/api/v1/purchases", "external_id=1", content_type="text/plain")

    assert_problem(answer, 415, "unsupported_media_type")


def test_validation_errors_name_each_field(api_a):
    answer = api_a.post(
        "/api/v1/purchases",
        {"amount": "12.345", "items": [{"unit_price": "x"}], "occurred_at": "yesterday"},
        format="json",
    )

    body = assert_problem(answer, 400, "invalid")
    assert set(body["errors"]) == {"external_id", "amount", "items.0.unit_price", "occurred_at"}
    assert all(isinstance(messages, list) for messages in body["errors"].values())


def test_a_domain_error_carries_its_code_and_field(api_a):
    answer = api_a.post(
        "/api/v1/purchases",
        {"external_id": "R-9", "amount": "10.00", "currency": "USD"},
        format="json",
    )

    body = assert_problem(answer, 400, "wrong_currency")
    assert "EUR" in body["detail"]
    assert "currency" in body["errors"]


def test_an_unknown_path_is_a_404_problem(api_a):
    assert_problem(api_a.get("/api/v1/nothing/here"), 404, "not_found")


def test_a_wrong_method_is_a_405_problem(api_a):
    assert_problem(api_a.delete("/api/v1/program"), 405, "method_not_allowed")


HOSTILE = [
    None,
    [],
    "",
    "\x00",
    "é" * 5000,
    10**400,
    -1,
    1.5e308,
    "NaN",
    "Infinity",
    "1e999999",
    True,
    {"a": 1},
    "2025-02-30T10:00:00+02:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "😀",
]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize(
    "field", ["external_id", "member", "amount", "currency", "occurred_at", "items", "vouchers"]
)
def test_hostile_purchase_fields_are_a_4xx_never_a_500(api_a, member_a, field, value):
    body = {"external_id": "H-1", "member": member_a.card_number, "amount": "10.00"}
    body[field] = value

    answer = api_a.post("/api/v1/purchases", body, format="json")

    assert answer.status_code in (201, 400, 404), answer.content
    assert answer["Content-Type"].startswith(
        "application/problem+json" if answer.status_code >= 400 else "application/json"
    )


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("field", ["email", "phone", "first_name", "birthday", "referral_code"])
def test_hostile_enrolment_fields_are_a_4xx_never_a_500(api_a, field, value):
    body = {"email": "new@example.com", field: value}

    answer = api_a.post("/api/v1/members", body, format="json")

    assert answer.status_code in (201, 400, 409), answer.content


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/members/%00",
        "/api/v1/members/99999999999999999999999999999999999999",
        "/api/v1/purchases/%00",
        "/api/v1/purchases/" + "x" * 300,
        "/api/v1/vouchers/%00",
        "/api/v1/vouchers/%F0%9F%98%80",
        "/api/v1/members?card=%00",
        "/api/v1/members?email=" + "a" * 1000,
        "/api/v1/members?card=1&phone=2",
    ],
)
def test_hostile_paths_and_queries_are_a_4xx(api_a, path):
    answer = api_a.get(path)

    assert answer.status_code in (400, 404), answer.content
    assert answer["Content-Type"].startswith("application/problem+json")


def test_every_state_conflict_the_rewards_raise_is_a_409():
    for code in [
        "insufficient_points",
        "voucher_used",
        "out_of_stock",
        "limit_reached",
        "tier_too_low",
        "voucher_expired",
        "voucher_cancelled",
        "minimum_not_met",
        "not_available_yet",
        "duplicate_email",
        "duplicate_phone",
    ]:
        assert STATUS_BY_CODE[code] == 409, code


def test_nested_errors_are_flattened_to_dotted_names():
    assert flatten_errors({"items": [{}, {"unit_price": ["bad"]}], "non_field_errors": ["x"]}) == {
        "items.1.unit_price": ["bad"],
        "body": ["x"],
    }


def test_a_huge_body_with_an_idempotency_key_is_a_413_problem(api_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"external_id": "BIG", "amount": "1.00", "items": [{"name": "x" * 2000}]}

    answer = api_a.post("/api/v1/purchases", body, format="json", HTTP_IDEMPOTENCY_KEY="big")

    assert_problem(answer, 413, "too_large")
