"""The redemptions report: per reward and period, from vouchers redeemed through the services."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from rewards import catalogue, services
from tests.loyalty.points.helpers import configure
from tests.rewards.portal.conftest import give, make_reward

pytestmark = pytest.mark.django_db
REPORT = "/portal/rewards/report/"


def row_for(answer, reward) -> dict:
    return next(row for row in answer.context["rows"] if row["reward"] == reward)


@pytest.fixture
def redeemed(merchant_a, shop_a, ana, manager_a, coffee):
    """Three coffees redeemed today (one used, one cancelled) and a limited cake."""
    configure(merchant_a, point_value=Decimal("0.02"))
    member = give(shop_a, ana, "2000")
    cake = make_reward(merchant_a, name="Cake", points_cost=200, stock=5)
    first, second, _third = (
        services.redeem_reward(member=member, reward=coffee) for _i in range(3)
    )
    services.use_voucher(code=first.code, shop=shop_a, actor=manager_a)
    services.cancel_voucher(voucher=second, actor=manager_a, reason="mistake")
    services.redeem_reward(member=member, reward=cake)
    return {"coffee": coffee, "cake": cake}


def test_it_counts_this_months_redemptions_by_default(manager_client, redeemed):
    answer = manager_client.get(REPORT)

    coffee = row_for(answer, redeemed["coffee"])
    assert (coffee["redeemed"], coffee["used"], coffee["cancelled"]) == (2, 1, 1)
    assert coffee["points_spent"] == 600 and coffee["points_money"] == Decimal("12.00")
    cake = row_for(answer, redeemed["cake"])
    assert (cake["redeemed"], cake["points_spent"], cake["stock_left"]) == (1, 200, 4)
    totals = answer.context["totals"]
    assert totals["redeemed"] == 3 and totals["points_money"] == Decimal("16.00")


def test_the_page_shows_the_figures_in_money(manager_client, redeemed):
    page = manager_client.get(REPORT).content.decode()

    assert "€12.00" in page and "€16.00" in page
    assert "no limit" in page  # the coffee has no stock limit


def test_a_custom_period_leaves_out_other_days(manager_client, merchant_a, shop_a, ana, coffee):
    member = give(shop_a, ana, "900")
    long_ago = timezone.now() - timedelta(days=400)
    services.redeem_reward(member=member, reward=coffee, now=long_ago)
    services.redeem_reward(member=member, reward=coffee)
    day = timezone.localtime(long_ago, merchant_a.tzinfo).date()

    that_day = manager_client.get(
        REPORT, {"period": "custom", "start": day.isoformat(), "end": day.isoformat()}
    )
    this_year = manager_client.get(REPORT, {"period": "year"})
    last_30 = manager_client.get(REPORT, {"period": "30d"})

    assert row_for(that_day, coffee)["redeemed"] == 1
    assert row_for(this_year, coffee)["redeemed"] == 1
    assert row_for(last_30, coffee)["redeemed"] == 1


def test_the_period_starts_at_the_merchants_midnight(manager_client, merchant_a):
    merchant_a.timezone = "Asia/Tokyo"
    merchant_a.save()

    answer = manager_client.get(REPORT, {"period": "year"})

    start = answer.context["start"]
    local = timezone.localtime(start, merchant_a.tzinfo)
    assert (local.month, local.day, local.hour, local.minute) == (1, 1, 0, 0)
    assert start.utcoffset() == timedelta(hours=9)


def test_a_custom_period_needs_both_days(manager_client):
    answer = manager_client.get(REPORT, {"period": "custom", "start": "2026-01-01"})

    assert "end" in answer.context["form"].errors
    assert "Choose the first and the last day" in answer.content.decode()


def test_htmx_gets_the_results_alone(manager_client, redeemed):
    answer = manager_client.get(REPORT, {"period": "30d"}, headers={"HX-Request": "true"})

    page = answer.content.decode()
    assert page.lstrip().startswith('<div id="results">') and "<html" not in page


def test_an_archived_reward_keeps_its_row(manager_client, manager_a, redeemed):
    catalogue.archive_reward(reward=redeemed["cake"], actor=manager_a)

    assert row_for(manager_client.get(REPORT), redeemed["cake"])["redeemed"] == 1


def test_cashier_is_refused(cashier_client):
    assert cashier_client.get(REPORT).status_code == 403


def test_the_outsider_sees_only_their_own_figures(outsider_client, redeemed, merchant_b):
    answer = outsider_client.get(REPORT)

    assert {row["reward"].merchant_id for row in answer.context["rows"]} == {merchant_b.pk}
    assert all(row["redeemed"] == 0 for row in answer.context["rows"])


# --- Periods at the merchant's midnight (merchant A is in Europe/Bucharest) ---------------------

BUCHAREST = ZoneInfo("Europe/Bucharest")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=BUCHAREST), tick=False)


def test_this_month_starts_at_local_midnight_on_the_first(
    manager_client, merchant_a, shop_a, ana, coffee
):
    assert merchant_a.tzinfo == BUCHAREST
    member = give(shop_a, ana, "900")
    with at(2026, 2, 28, 23, 30):  # 21:30 UTC: February here
        services.redeem_reward(member=member, reward=coffee)
    with at(2026, 3, 1, 0, 20):  # 22:20 UTC on 28 February: March here
        services.redeem_reward(member=member, reward=coffee)

    with at(2026, 3, 1, 0, 30):
        answer = manager_client.get(REPORT)

    assert row_for(answer, coffee)["redeemed"] == 1
    page = answer.content.decode()
    assert "from 1 Mar 2026 to 1 Mar 2026" in page
    assert "30 Nov" not in page and "28 Feb" not in page


def test_this_year_starts_on_the_first_of_january_here(manager_client, shop_a, ana, coffee):
    member = give(shop_a, ana, "900")
    with at(2025, 12, 31, 23, 50):
        services.redeem_reward(member=member, reward=coffee)
    with at(2026, 1, 1, 0, 10):
        services.redeem_reward(member=member, reward=coffee)

    with at(2026, 1, 1, 0, 30):
        answer = manager_client.get(REPORT, {"period": "year"})
        month = manager_client.get(REPORT, {"period": "month"})

    assert row_for(answer, coffee)["redeemed"] == 1
    assert "from 1 Jan 2026 to 1 Jan 2026" in answer.content.decode()
    assert "31 Dec 2025" not in answer.content.decode()
    assert "from 1 Jan 2026" in month.content.decode()
