"""GET /api/v1/program: the merchant's currency, earning rate, point value and tiers."""

from loyalty.points.ledger import get_program


def test_it_shows_the_program_with_money_as_strings(api_a, merchant_a):
    answer = api_a.get("/api/v1/program")

    assert answer.status_code == 200
    body = answer.json()
    program = get_program(merchant_a)
    assert body["currency"] == "EUR"
    assert body["points_per_unit"] == f"{program.points_per_unit:.2f}"
    assert body["point_value"] == f"{program.point_value:.4f}"
    assert [tier["name"] for tier in body["tiers"]] == ["Bronze", "Silver", "Gold"]
    assert body["tiers"][1] == {"name": "Silver", "threshold": "500.00", "multiplier": "1.25"}


def test_it_shows_the_keys_own_merchant(api_b):
    body = api_b.get("/api/v1/program").json()

    assert body["currency"] == "EUR"
    assert len(body["tiers"]) == 3
