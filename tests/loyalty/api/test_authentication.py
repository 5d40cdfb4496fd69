"""`Authorization: Bearer <key>`: no key, a bad one or a revoked one is a 401 problem."""

import pytest

from loyalty.tenancy.services import archive_shop, create_api_key, revoke_api_key
from tests.loyalty.api.conftest import assert_problem, key_client

ENDPOINTS = [
    ("get", "/api/v1/program"),
    ("get", "/api/v1/members?card=1"),
    ("post", "/api/v1/members"),
    ("get", "/api/v1/members/1"),
    ("post", "/api/v1/purchases"),
    ("get", "/api/v1/purchases/R-1"),
    ("post", "/api/v1/purchases/R-1/refunds"),
    ("get", "/api/v1/rewards"),
    ("post", "/api/v1/members/1/redemptions"),
    ("get", "/api/v1/vouchers/ABCD2345"),
    ("post", "/api/v1/vouchers/ABCD2345/use"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_it_refuses_a_request_without_a_key(db, client, method, url):
    answer = getattr(client, method)(url)

    assert_problem(answer, 401, "not_authenticated")
    assert answer["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_it_refuses_an_unknown_key(db, method, url):
    answer = getattr(key_client("fdl_not-a-key"), method)(url)

    assert_problem(answer, 401, "authentication_failed")


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "Bearer café", "x" * 500]
)
def test_it_refuses_a_malformed_authorization_header(client, db, header):
    answer = client.get("/api/v1/program", HTTP_AUTHORIZATION=header)

    assert_problem(answer, 401, "authentication_failed")


def test_it_refuses_a_revoked_key(key_a, owner_a):
    key, raw = key_a
    assert key_client(raw).get("/api/v1/program").status_code == 200

    revoke_api_key(key=key, actor=owner_a)

    assert_problem(key_client(raw).get("/api/v1/program"), 401, "authentication_failed")


def test_a_key_of_an_archived_shop_stops_working(merchant_a, shop_a2, owner_a):
    _key, raw = create_api_key(merchant=merchant_a, shop=shop_a2, actor=owner_a)
    archive_shop(shop=shop_a2, actor=owner_a)

    assert_problem(key_client(raw).get("/api/v1/program"), 401, "authentication_failed")


def test_a_staff_session_is_not_an_api_key(owner_client):
    assert_problem(owner_client.get("/api/v1/program"), 401, "not_authenticated")
