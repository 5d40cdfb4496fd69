"""The vouchers list: the merchant's own, filtered by status, reward and the days they were
issued on (the merchant's days), paged, each row leading to its voucher."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from rewards import services
from rewards.models import VoucherSource
from rewards.portal import voucher_views
from tests.rewards.portal.conftest import give, make_reward, voucher_url

pytestmark = pytest.mark.django_db
VOUCHERS = "/portal/rewards/vouchers/"
BUCHAREST = ZoneInfo("Europe/Bucharest")


def listed(answer) -> set[int]:
    assert answer.status_code == 200
    return {voucher.pk for voucher in answer.context["page"]}


@pytest.fixture
def vouchers(merchant_a, shop_a, ana, manager_a, coffee):
    """One voucher in each status, of the coffee, and a live cake voucher."""
    member = give(shop_a, ana, "3000")
    cake = make_reward(merchant_a, name="Cake", points_cost=100)
    issued = services.redeem_reward(member=member, reward=coffee)
    used = services.redeem_reward(member=member, reward=coffee)
    services.use_voucher(code=used.code, shop=shop_a, actor=manager_a)
    cancelled = services.redeem_reward(member=member, reward=coffee)
    services.cancel_voucher(voucher=cancelled, actor=manager_a, reason="mistake")
    # Past its end but not yet marked by the nightly expiry: expired all the same.
    expired = services.redeem_reward(
        member=member, reward=coffee, now=timezone.now() - timedelta(days=800)
    )
    cake_voucher = services.redeem_reward(member=member, reward=cake)
    return {
        "issued": issued,
        "used": used,
        "cancelled": cancelled,
        "expired": expired,
        "cake": cake_voucher,
        "cake_reward": cake,
    }


def test_it_lists_every_voucher_newest_first(manager_client, vouchers):
    answer = manager_client.get(VOUCHERS)

    pks = [voucher.pk for voucher in answer.context["page"]]
    assert set(pks) == {voucher.pk for key, voucher in vouchers.items() if key != "cake_reward"}
    assert pks[-1] == vouchers["expired"].pk  # the oldest
    page = answer.content.decode()
    assert f'href="{voucher_url(vouchers["cake"])}"' in page
    assert vouchers["cake"].masked_code in page


@pytest.mark.parametrize("status", ["issued", "used", "cancelled", "expired"])
def test_each_status_filters(manager_client, vouchers, status):
    answer = manager_client.get(VOUCHERS, {"status": status})

    expected = {vouchers[status].pk}
    if status == "issued":
        expected.add(vouchers["cake"].pk)
    assert listed(answer) == expected


def test_a_voucher_past_its_end_shows_as_expired(manager_client, vouchers):
    answer = manager_client.get(VOUCHERS, {"status": "expired"})

    assert '<span class="badge">Expired</span>' in answer.content.decode()


def test_the_reward_filter(manager_client, vouchers):
    answer = manager_client.get(VOUCHERS, {"reward": vouchers["cake_reward"].pk})

    assert listed(answer) == {vouchers["cake"].pk}


def test_the_reward_choices_are_the_merchants_own(manager_client, vouchers, merchant_b):
    field = manager_client.get(VOUCHERS).context["filters"].fields["reward"]

    assert {reward.merchant_id for reward in field.queryset} == {vouchers["cake"].merchant_id}
    assert not field.queryset.filter(merchant=merchant_b).exists()


def test_another_merchants_reward_is_refused_not_leaked(
    manager_client, vouchers, merchant_b, member_b
):
    theirs = merchant_b.rewards.first()
    services.issue_voucher(
        merchant=merchant_b, reward=theirs, source=VoucherSource.MANUAL, member=member_b
    )

    answer = manager_client.get(VOUCHERS, {"reward": theirs.pk})

    assert "reward" in answer.context["filters"].errors
    assert {v.merchant_id for v in answer.context["page"]} == {vouchers["cake"].merchant_id}


def test_the_outsider_sees_none_of_them(outsider_client, vouchers):
    answer = outsider_client.get(VOUCHERS)

    assert listed(answer).isdisjoint({v.pk for k, v in vouchers.items() if k != "cake_reward"})
    assert "No vouchers yet" in answer.content.decode()


def test_the_period_is_in_the_merchants_days(manager_client, merchant_a, shop_a, ana, coffee):
    member = give(shop_a, ana, "900")
    with time_machine.travel(datetime(2026, 3, 1, 0, 20, tzinfo=BUCHAREST), tick=False):
        march = services.redeem_reward(member=member, reward=coffee)  # 28 Feb in UTC
    with time_machine.travel(datetime(2026, 2, 28, 23, 30, tzinfo=BUCHAREST), tick=False):
        february = services.redeem_reward(member=member, reward=coffee)

    first_of_march = manager_client.get(VOUCHERS, {"since": "2026-03-01", "until": "2026-03-01"})
    last_of_february = manager_client.get(VOUCHERS, {"until": "2026-02-28"})

    assert listed(first_of_march) == {march.pk}
    assert listed(last_of_february) == {february.pk}


def test_the_last_day_cannot_come_before_the_first(manager_client, vouchers):
    answer = manager_client.get(VOUCHERS, {"since": "2026-03-02", "until": "2026-03-01"})

    assert "until" in answer.context["filters"].errors


def test_it_pages_with_the_shared_pager(manager_client, merchant_a, ana, coffee, monkeypatch):
    monkeypatch.setattr(voucher_views, "PAGE_SIZE", 2)
    for _i in range(5):
        services.issue_voucher(
            merchant=merchant_a, reward=coffee, source=VoucherSource.MANUAL, member=ana
        )

    first = manager_client.get(VOUCHERS, {"status": "issued"})
    third = manager_client.get(VOUCHERS, {"status": "issued", "page": 3})

    assert len(first.context["page"]) == 2 and len(third.context["page"]) == 1
    page = first.content.decode()
    assert 'class="page-numbers"' in page
    assert 'href="?status=issued&amp;page=2"' in page


def test_the_empty_state_says_what_to_do(manager_client):
    page = manager_client.get(VOUCHERS).content.decode()

    assert "No vouchers yet" in page and "Open the catalogue" in page


def test_an_empty_filter_offers_to_clear_it(manager_client, vouchers):
    page = manager_client.get(
        VOUCHERS, {"status": "used", "since": "2001-01-01", "until": "2001-01-02"}
    )

    assert "No voucher matches these filters" in page.content.decode()
    assert "Clear the filters" in page.content.decode()


def test_htmx_gets_the_results_alone(manager_client, vouchers):
    answer = manager_client.get(VOUCHERS, {"status": "used"}, headers={"HX-Request": "true"})

    content = answer.content.decode()
    assert content.lstrip().startswith('<div id="results"') and "<html" not in content


def test_cashier_is_refused(cashier_client):
    assert cashier_client.get(VOUCHERS).status_code == 403
