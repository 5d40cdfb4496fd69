"""GET /api/v1/rewards: the active catalogue."""

from rewards.catalogue import archive_reward


def test_it_lists_the_active_rewards(api_a, merchant_a):
    answer = api_a.get("/api/v1/rewards")

    assert answer.status_code == 200
    results = answer.json()["results"]
    assert {r["name"] for r in results} == set(merchant_a.rewards.values_list("name", flat=True))
    coffee = next(r for r in results if r["kind"] == "free_item")
    assert coffee == coffee | {
        "points_cost": 300,
        "value": "3.00",
        "min_tier": None,
        "stock_left": None,
    }
    fifteen = next(r for r in results if r["kind"] == "percent_off")
    assert fifteen["min_tier"] == "Silver"


def test_archived_rewards_are_not_listed(api_a, coffee):
    archive_reward(reward=coffee, actor=None)

    names = [r["name"] for r in api_a.get("/api/v1/rewards").json()["results"]]

    assert coffee.name not in names
