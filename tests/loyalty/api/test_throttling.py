"""Requests per key: the merchant's rate a second with a burst, then 429 with Retry-After."""

import pytest
import time_machine

from rewards.throttle import MAX_FAILURES
from tests.loyalty.api.conftest import assert_problem


def test_a_key_over_its_merchants_rate_gets_429_with_retry_after(api_a, merchant_a):
    merchant_a.api_requests_per_second = 2
    merchant_a.save(update_fields=["api_requests_per_second"])

    # A burst of twice the rate goes through at once; the next one waits.
    with time_machine.travel("2025-06-01 10:00:00+00:00", tick=False):
        answers = [api_a.get("/api/v1/program") for _ in range(5)]

    assert [a.status_code for a in answers[:4]] == [200] * 4
    body = assert_problem(answers[4], 429, "throttled")
    assert int(answers[4]["Retry-After"]) >= 1
    assert body["detail"]


def test_the_limit_is_per_key(api_a, api_b, merchant_a):
    merchant_a.api_requests_per_second = 1
    merchant_a.save(update_fields=["api_requests_per_second"])
    with time_machine.travel("2025-06-01 10:00:00+00:00", tick=False):
        for _ in range(2):
            api_a.get("/api/v1/program")

        assert api_a.get("/api/v1/program").status_code == 429
        assert api_b.get("/api/v1/program").status_code == 200


def test_the_key_gets_through_again_once_it_waited(api_a, merchant_a):
    merchant_a.api_requests_per_second = 1
    merchant_a.save(update_fields=["api_requests_per_second"])
    with time_machine.travel("2025-06-01 10:00:00+00:00", tick=False) as clock:
        for _ in range(2):
            api_a.get("/api/v1/program")
        refused = api_a.get("/api/v1/program")
        clock.shift(int(refused["Retry-After"]))

        assert api_a.get("/api/v1/program").status_code == 200


def test_the_default_rate_allows_a_busy_till(api_a, merchant_a):
    assert merchant_a.api_requests_per_second == 20
    with time_machine.travel("2025-06-01 10:00:00+00:00", tick=False):
        statuses = [api_a.get("/api/v1/program").status_code for _ in range(41)]
    assert statuses == [200] * 40 + [429]


def test_guessing_voucher_codes_is_stopped_with_429(api_a):
    for attempt in range(MAX_FAILURES):
        assert_problem(api_a.get(f"/api/v1/vouchers/WRONG{attempt:03d}"), 404, "voucher_not_found")

    answer = api_a.get("/api/v1/vouchers/WRONG999")

    assert_problem(answer, 429, "too_many_attempts")
    assert int(answer["Retry-After"]) > 0


def test_guessing_through_purchases_is_stopped_too(api_a):
    for attempt in range(MAX_FAILURES):
        api_a.post(
            "/api/v1/purchases",
            {"external_id": f"G-{attempt}", "amount": "5.00", "vouchers": [f"GUESS{attempt:03d}"]},
            format="json",
        )

    answer = api_a.post(
        "/api/v1/purchases",
        {"external_id": "G-X", "amount": "5.00", "vouchers": ["GUESS999"]},
        format="json",
    )

    assert_problem(answer, 429, "too_many_attempts")


def test_behind_a_proxy_guesses_count_per_client_address(
    api_a, merchant_a, shop_a2, owner_a, settings
):
    from loyalty.tenancy.services import create_api_key
    from tests.loyalty.api.conftest import key_client

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # one proxy appends the client to X-Forwarded-For
    guesser = "203.0.113.5"
    for attempt in range(MAX_FAILURES):
        api_a.get(f"/api/v1/vouchers/WRONG{attempt:03d}", HTTP_X_FORWARDED_FOR=guesser)
    other_till = key_client(create_api_key(merchant=merchant_a, shop=shop_a2, actor=owner_a)[1])

    # The guesser's address is stopped whatever key it uses; another till behind the same
    # proxy is not.
    blocked = other_till.get("/api/v1/vouchers/WRONG999", HTTP_X_FORWARDED_FOR=guesser)
    fine = other_till.get("/api/v1/vouchers/WRONG999", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert_problem(blocked, 429, "too_many_attempts")
    assert_problem(fine, 404, "voucher_not_found")


def test_another_merchants_guesser_behind_the_same_address_leaves_this_till_alone(api_a, api_b):
    # Both tills come from the test client's one address (127.0.0.1).
    for attempt in range(MAX_FAILURES):
        api_b.get(f"/api/v1/vouchers/WRONG{attempt:03d}")
    assert_problem(api_b.get("/api/v1/vouchers/WRONG999"), 429, "too_many_attempts")

    assert_problem(api_a.get("/api/v1/vouchers/WRONG999"), 404, "voucher_not_found")


def test_the_platform_maximum_caps_a_rate_set_beyond_it(api_a, merchant_a, settings):
    settings.API_RATE_MAX = 3
    merchant_a.api_requests_per_second = 30_000  # written before the maximum, or by hand
    merchant_a.save(update_fields=["api_requests_per_second"])

    with time_machine.travel("2025-06-01 10:00:00+00:00", tick=False):
        statuses = [api_a.get("/api/v1/program").status_code for _ in range(7)]

    assert statuses == [200] * 6 + [429]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_requests_at_once_get_exactly_the_burst_through(key_a, merchant_a):
    from types import SimpleNamespace

    from loyalty.api.throttling import KeyRateThrottle
    from tests.loyalty.points.test_concurrency import run_together

    merchant_a.api_requests_per_second = 5
    merchant_a.save(update_fields=["api_requests_per_second"])
    key = key_a[0]
    key.merchant = merchant_a
    request = SimpleNamespace(auth=key)

    with time_machine.travel("2025-06-01 10:00:00+00:00", tick=False):
        allowed = run_together(
            [lambda: KeyRateThrottle().allow_request(request, None) for _n in range(30)]
        )

    assert allowed.count(True) == 10, allowed
