"""The redemptions report as CSV: the rows the page shows, for the period the page shows."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from rewards import services
from tests.loyalty.points.helpers import configure
from tests.rewards.portal.conftest import give, make_reward

pytestmark = pytest.mark.django_db
REPORT = "/portal/rewards/report/"


def read_csv(answer) -> list[dict]:
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert answer["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(answer.content.decode())))


def line_for(lines: list[dict], name: str) -> dict:
    return next(line for line in lines if line["reward"] == name)


@pytest.fixture
def redeemed(merchant_a, shop_a, ana, manager_a, coffee):
    """Two coffees redeemed today (one used), one 400 days ago, and a cake named like a formula."""
    configure(merchant_a, point_value=Decimal("0.02"))
    member = give(shop_a, ana, "3000")
    cake = make_reward(merchant_a, name="=Cake", points_cost=200, stock=5)
    first = services.redeem_reward(member=member, reward=coffee)
    services.redeem_reward(member=member, reward=coffee)
    services.use_voucher(code=first.code, shop=shop_a, actor=manager_a)
    long_ago = timezone.now() - timedelta(days=400)
    services.redeem_reward(member=member, reward=coffee, now=long_ago)
    services.redeem_reward(member=member, reward=cake)
    return {"coffee": coffee, "cake": cake, "long_ago": long_ago}


def test_the_csv_has_the_rows_of_the_page(manager_client, redeemed):
    lines = read_csv(manager_client.get(REPORT, {"export": "csv"}))

    coffee = line_for(lines, redeemed["coffee"].name)
    assert (coffee["redeemed"], coffee["used"], coffee["cancelled"]) == ("2", "1", "0")
    assert (coffee["points_spent"], coffee["cost_in_money"]) == ("600", "12.00")
    assert coffee["stock_left"] == ""  # no limit
    cake = line_for(lines, "'=Cake")  # a formula-looking name is defused
    assert (cake["redeemed"], cake["points_spent"], cake["stock_left"]) == ("1", "200", "4")


def test_the_csv_follows_the_chosen_period(manager_client, merchant_a, redeemed):
    day = timezone.localtime(redeemed["long_ago"], merchant_a.tzinfo).date()

    lines = read_csv(
        manager_client.get(
            REPORT,
            {"period": "custom", "start": day.isoformat(), "end": day.isoformat(), "export": "csv"},
        )
    )

    coffee = line_for(lines, redeemed["coffee"].name)
    assert coffee["redeemed"] == "1" and coffee["points_spent"] == "300"
    assert (coffee["first_day"], coffee["last_day"]) == (day.isoformat(), day.isoformat())
    assert line_for(lines, "'=Cake")["redeemed"] == "0"


def test_the_page_links_to_the_csv_with_its_filters(manager_client, redeemed):
    page = manager_client.get(REPORT, {"period": "year"}).content.decode()

    assert "Download CSV" in page
    assert 'href="/portal/rewards/report/?period=year&amp;export=csv"' in page


def test_the_htmx_results_carry_the_link_too(manager_client, redeemed):
    answer = manager_client.get(REPORT, {"period": "30d"}, headers={"HX-Request": "true"})

    assert "period=30d&amp;export=csv" in answer.content.decode()


def test_the_outsider_downloads_only_their_own_rewards(outsider_client, redeemed, merchant_b):
    lines = read_csv(outsider_client.get(REPORT, {"export": "csv"}))

    names = {line["reward"] for line in lines}
    assert names == set(merchant_b.rewards.values_list("name", flat=True))
    assert all(line["redeemed"] == "0" for line in lines)


def test_cashier_cannot_download(cashier_client):
    assert cashier_client.get(REPORT, {"export": "csv"}).status_code == 403
