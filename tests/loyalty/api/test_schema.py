"""Schemathesis against /api/v1/schema/: generated requests to every operation, with demo-like
data behind them. No answer is a 5xx, and every answer matches the schema (status, content
type, body).

Path parameters are sometimes swapped for real card numbers, receipts and voucher codes of the
demo data, so the generator reaches the found-and-valid paths as well as the 404s.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from loyalty.api.demo import seed_api_demo
from rewards import throttle

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# A few hundred requests per operation in all: the explicit, coverage and generated phases.
MAX_EXAMPLES = 100


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The WSGI app closes the database connection after each request, as in production; the
    # test's transaction lives on that connection (Django's test client does the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def demo(merchant_a, shop_a, owner_a, monkeypatch):
    # The limits protect production; here they would turn most requests into 429s.
    monkeypatch.setattr(throttle, "MAX_FAILURES", 10**9)
    merchant_a.api_requests_per_second = 10_000
    merchant_a.save(update_fields=["api_requests_per_second"])
    demo = seed_api_demo(merchant=merchant_a, shop=shop_a, actor=owner_a, members=12)
    KNOWN.update(
        card_number=demo.card_numbers, external_id=demo.external_ids, code=demo.voucher_codes
    )
    yield demo
    KNOWN.clear()


# Loaded once at collection: the schema needs no database. The demo data comes per test,
# and the hook reads the values of the running test's data from KNOWN.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
KNOWN: dict[str, list[str]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    choices = [st.just(path_parameters)]
    if not isinstance(path_parameters, dict):
        return choices[0]
    for name, values in KNOWN.items():
        if name in path_parameters and values:
            choices.append(st.sampled_from(values).map(lambda v, n=name: path_parameters | {n: v}))
    return st.one_of(*choices)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_matches_its_schema(case, demo):
    case.call_and_validate(headers={"Authorization": f"Bearer {demo.key}"}, checks=CHECKS)
