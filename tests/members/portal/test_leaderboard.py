"""The staff leaderboard: enrolments per staff member and per shop over a period."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from members.queries import enrolment_leaderboard
from members.services.enrolment import enrol_member

BOARD = "/portal/members/leaderboard/"


@pytest.fixture
def enrolments(merchant_a, shop_a, shop_a2, cashier_a, manager_a):
    """Cashier: 3 at Old Town this week. Manager: 1 at Station this week, 1 at Station 20 days
    ago, 1 at Old Town 60 days ago. One from the join page today, two imported today."""
    now = timezone.now()
    plan = [
        (cashier_a, shop_a, 0, "pos"),
        (cashier_a, shop_a, 1, "pos"),
        (cashier_a, shop_a, 6, "pos"),
        (manager_a, shop_a2, 2, "portal"),
        (manager_a, shop_a2, 20, "portal"),
        (manager_a, shop_a, 60, "portal"),
        (None, None, 0, "join"),
        (manager_a, None, 0, "import"),
        (manager_a, None, 0, "import"),
    ]
    for n, (actor, shop, days_ago, source) in enumerate(plan):
        enrol_member(
            merchant=merchant_a,
            email=f"e{n}@example.com",
            actor=actor,
            shop=shop,
            source=source,
            joined_at=now - timedelta(days=days_ago),
        )


def rows(table: list[dict], key: str) -> list[tuple]:
    return [(row[key], row["count"]) for row in table]


@pytest.mark.parametrize(
    ("days", "by_staff", "by_shop"),
    [
        (
            7,
            [("cashier.a@example.com", 3), ("manager.a@example.com", 1), (None, 1)],
            [("Old Town", 3), (None, 1), ("Station", 1)],
        ),
        (
            30,
            [("cashier.a@example.com", 3), ("manager.a@example.com", 2), (None, 1)],
            [("Old Town", 3), ("Station", 2), (None, 1)],
        ),
        (
            90,
            [("manager.a@example.com", 3), ("cashier.a@example.com", 3), (None, 1)],
            [("Old Town", 4), ("Station", 2), (None, 1)],
        ),
    ],
)
def test_enrolments_per_staff_member_and_shop(merchant_a, enrolments, days, by_staff, by_shop):
    board = enrolment_leaderboard(merchant_a, days=days)

    assert sorted(
        rows(board["by_staff"], "enrolled_by__email"), key=lambda r: (-r[1], r[0] or "")
    ) == sorted(by_staff, key=lambda r: (-r[1], r[0] or ""))
    assert sorted(
        rows(board["by_shop"], "enrolled_at_shop__name"), key=lambda r: (-r[1], r[0] or "")
    ) == sorted(by_shop, key=lambda r: (-r[1], r[0] or ""))
    assert board["total"] == sum(count for _name, count in by_staff)


def test_the_period_starts_at_midnight_in_the_merchants_time_zone(merchant_a, cashier_a):
    now = timezone.now()
    local_today = now.astimezone(merchant_a.tzinfo).date()
    first_day = local_today - timedelta(days=6)
    start = datetime.combine(first_day, time.min, tzinfo=merchant_a.tzinfo)
    for n, moment in enumerate([start, start - timedelta(seconds=1)]):
        enrol_member(
            merchant=merchant_a, email=f"t{n}@example.com", actor=cashier_a, joined_at=moment
        )

    board = enrolment_leaderboard(merchant_a, days=7, now=now)

    assert board["first_day"] == first_day
    assert rows(board["by_staff"], "enrolled_by__email") == [("cashier.a@example.com", 1)]


def test_the_page_shows_both_tables_for_the_chosen_period(owner_client, enrolments):
    html = owner_client.get(BOARD, {"days": "7"}).content.decode()

    staff = html.split('id="by-staff-title"')[1].split("</section>")[0]
    shops = html.split('id="by-shop-title"')[1].split("</section>")[0]
    assert staff.index("cashier.a@example.com") < staff.index("manager.a@example.com")
    assert "Nobody: join page or API" in staff
    assert "Old Town" in shops and "Station" in shops
    assert "5 members enrolled" in html and "Imported members are not counted." in html


def test_the_default_period_is_30_days_and_htmx_gets_the_results(owner_client, enrolments):
    full = owner_client.get(BOARD).content.decode()
    partial = owner_client.get(BOARD, {"days": "90"}, headers={"HX-Request": "true"})

    assert "6 members enrolled" in full
    assert partial.content.decode().lstrip().startswith('<div id="results"')
    assert "7 members enrolled" in partial.content.decode()


def test_an_unknown_period_falls_back_to_30_days(owner_client, enrolments):
    assert "6 members enrolled" in owner_client.get(BOARD, {"days": "1000"}).content.decode()


def test_the_leaderboard_is_one_grouped_query_per_table(
    merchant_a, enrolments, django_assert_num_queries
):
    with django_assert_num_queries(2):
        enrolment_leaderboard(merchant_a, days=90)


def test_other_merchants_enrolments_do_not_count(outsider_client, enrolments):
    html = outsider_client.get(BOARD, {"days": "90"}).content.decode()
    assert "0 members enrolled" in html and "cashier.a@example.com" not in html


def test_cashier_gets_403(cashier_client):
    assert cashier_client.get(BOARD).status_code == 403
