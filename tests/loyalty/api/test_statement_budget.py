"""The SQL statements of one API purchase of a member, authentication and the answer included
(issue 19): at most 16 besides the transaction's BEGIN and COMMIT (15 with Redis, which keeps
the rate counter), and the answer is built from the sale's result, not read back. The 13th is
the stamp cards' read of the merchant's active cards, the 14th the streaks' read of the
merchant's active streak program, the 15th the challenges' read of the merchant's active
challenges (issue 16, the sale hooks), the 16th the paid club's read of the merchant's active
clubs with the member's end date (issue 16, the promotion source; the club's sale hook reuses
it and adds none)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.models import Tier

BUDGET = 16


def statements(queries) -> list[str]:
    # The statements that do the work: the transaction around the sale is its BEGIN and
    # COMMIT in production (bench/api.py counts those too: 16) and a savepoint pair here.
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


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


def test_a_members_api_purchase_takes_at_most_fourteen_statements(api_a, member_a, tiers):
    assert post(api_a, member_a, "R-0", "8.00").status_code == 201  # the first sale's bonus

    with CaptureQueriesContext(connection) as queries:
        answer = post(api_a, member_a, "R-1")

    assert answer.status_code == 201, answer.content
    sent = statements(queries.captured_queries)
    assert len(sent) <= BUDGET, "\n".join(sent)
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
