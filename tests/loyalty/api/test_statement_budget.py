"""The SQL statements of one API purchase of a member, authentication and the answer included
(issue 19): at most 12, every statement the connection sends counted, the transaction's BEGIN
and COMMIT too (a real transaction here, as in production), and the answer is built from the
sale's result, not read back.

The twelve: the key (with its merchant and shop), the rate counter, the member by card; BEGIN;
the member's lock (with the merchant and program), the figures read after it (the tier, the
tier window's spend, the merchant's tiers and the sale probes of the stamp cards, streaks,
challenges, clubs, promotions and surveys, in one statement); the purchase, its ledger entry,
its lot, the member's caches, the outbox events; COMMIT. A merchant with none of those
programs pays nothing more for them; one that runs one pays its read as before.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.models import Tier

BUDGET = 12


def statements(queries) -> list[str]:
    # Every statement, BEGIN, COMMIT and any SAVEPOINT included (bench/api.py counts the same).
    return [q["sql"] for q in queries]


def post(api, member, external_id: str, amount: str = "23.50"):
    cake = Decimal(amount) - Decimal("7.00")
    body = {
        "external_id": external_id,
        "member": member.card_number,
        "amount": amount,
        "items": [
            {"sku": "ESP", "category": "coffee", "quantity": 2, "unit_price": "3.50"},
            {"sku": "CAKE", "quantity": 1, "unit_price": str(cake)},
        ],
    }
    return api.post("/api/v1/purchases", body, format="json")


@pytest.fixture
def tiers(merchant_a):
    """The merchant's tiers, the lowest above the sales of the tests."""
    return sorted(Tier.objects.filter(merchant=merchant_a), key=lambda tier: tier.threshold)


# PostgreSQL's budget: there the figures after the lock are one statement (sale_figures); the
# embedded SQLite of `make run` reads them the ORM's way.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_members_api_purchase_takes_at_most_twelve_statements(api_a, member_a, tiers):
    assert post(api_a, member_a, "R-0", "8.00").status_code == 201  # the first sale's bonus

    with CaptureQueriesContext(connection) as queries:
        answer = post(api_a, member_a, "R-1")

    assert answer.status_code == 201, answer.content
    sent = statements(queries.captured_queries)
    assert len(sent) <= BUDGET, "\n".join(sent)
    assert sent.count("BEGIN") == 1 and sent.count("COMMIT") == 1  # the sale's own transaction
    assert not any(sql.startswith("SAVEPOINT") for sql in sent)
    # Nothing written is read again: the member once before the sale (by card) and once
    # under its lock, the program and merchant not again.
    assert sum('FROM "members_member"' in sql for sql in sent) == 3  # card, lock, figures
    assert not any('FROM "loyalty_merchant"' in sql and "loyalty_apikey" not in sql
                   and "members_member" not in sql for sql in sent)  # fmt: skip


def test_the_answer_built_from_the_result_equals_the_answer_read_back(api_a, member_a, tiers):
    assert post(api_a, member_a, "R-0", "8.00").status_code == 201
    fresh = post(api_a, member_a, "R-1", "30.00").json()

    again = post(api_a, member_a, "R-1", "30.00")  # a retry: the answer is read back

    assert again.status_code == 201, again.content
    assert again.json() == fresh
    spent = Decimal("38.00")
    above = next(tier for tier in tiers if tier.threshold > spent)
    assert fresh["member"]["next_tier"] == {
        "name": above.name,
        "remaining": f"{above.threshold - spent:.2f}",
        "basis": "spend",
    }
