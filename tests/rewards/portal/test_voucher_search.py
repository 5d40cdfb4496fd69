"""Finding a voucher by its code: however it is typed, only the merchant's own, and a guesser
is stopped."""

import pytest

from rewards import services, throttle
from rewards.models import VoucherSource
from tests.rewards.portal.conftest import give, voucher_url

pytestmark = pytest.mark.django_db
SEARCH = "/portal/rewards/vouchers/"


@pytest.fixture
def voucher(shop_a, ana, coffee):
    return services.redeem_reward(member=give(shop_a, ana, "300"), reward=coffee)


def test_a_known_code_leads_to_its_voucher(manager_client, voucher):
    answer = manager_client.post(SEARCH, {"code": voucher.code})

    assert answer.status_code == 302 and answer["Location"] == voucher_url(voucher)


@pytest.mark.parametrize("typed", ["{low}", " {a}-{b} ", "{a} {b}", "{a_low}-{b}"])
def test_case_spaces_and_dashes_do_not_matter(manager_client, voucher, typed):
    code = voucher.code
    text = typed.format(low=code.lower(), a=code[:4], b=code[4:], a_low=code[:4].lower())

    answer = manager_client.post(SEARCH, {"code": text})

    assert answer["Location"] == voucher_url(voucher)


def test_an_unknown_code_says_so_beside_the_field(manager_client, voucher):
    answer = manager_client.post(SEARCH, {"code": "ZZZZ-ZZZZ"})

    assert answer.status_code == 200
    assert answer.context["form"].errors["code"] == [
        "No voucher with this code. Check it and try again."
    ]


def test_another_merchants_code_is_not_found(outsider_client, voucher):
    answer = outsider_client.post(SEARCH, {"code": voucher.code})

    assert answer.status_code == 200
    assert "No voucher with this code" in answer.content.decode()


def test_a_bearer_voucher_is_found_too(manager_client, merchant_a, coffee):
    bearer = services.issue_voucher(
        merchant=merchant_a, reward=coffee, source=VoucherSource.CAMPAIGN
    )

    assert manager_client.post(SEARCH, {"code": bearer.code})["Location"] == voucher_url(bearer)


def test_repeated_unknown_codes_are_throttled(manager_client, voucher):
    for _i in range(throttle.MAX_FAILURES):
        assert manager_client.post(SEARCH, {"code": "ZZZZZZZZ"}).status_code == 200

    answer = manager_client.post(SEARCH, {"code": voucher.code})  # even the right code

    assert answer.status_code == 429
    assert answer["Retry-After"] == str(throttle.WINDOW_SECONDS)
    assert "Too many unknown voucher codes" in answer.content.decode()


def test_the_throttle_counts_per_staff_member(manager_client, owner_client, voucher):
    for _i in range(throttle.MAX_FAILURES):
        manager_client.post(SEARCH, {"code": "ZZZZZZZZ"}, REMOTE_ADDR="10.0.0.1")

    answer = owner_client.post(SEARCH, {"code": voucher.code}, REMOTE_ADDR="10.0.0.2")

    assert answer.status_code == 302
    assert answer["Location"] == voucher_url(voucher)


def test_the_throttle_counts_per_address(manager_client, owner_client, voucher):
    for _i in range(throttle.MAX_FAILURES):
        manager_client.post(SEARCH, {"code": "ZZZZZZZZ"}, REMOTE_ADDR="10.0.0.1")

    answer = owner_client.post(SEARCH, {"code": voucher.code}, REMOTE_ADDR="10.0.0.1")

    assert answer.status_code == 429
    assert answer["Retry-After"] == str(throttle.WINDOW_SECONDS)
    assert "Too many unknown voucher codes" in answer.content.decode()


def test_found_codes_do_not_count_as_failures(manager_client, voucher):
    for _i in range(throttle.MAX_FAILURES + 2):
        answer = manager_client.post(SEARCH, {"code": voucher.code})
        assert answer.status_code == 302
        assert answer["Location"] == voucher_url(voucher)


def test_codes_stay_out_of_the_url(manager_client, voucher):
    page = manager_client.get(SEARCH).content.decode()

    assert '<form method="post"' in page
    assert manager_client.get(SEARCH, {"code": voucher.code}).status_code == 200  # not looked up


def test_the_empty_page_offers_the_search(manager_client):
    page = manager_client.get(SEARCH).content.decode()

    assert '<label for="id_code" class="required">Voucher code</label>' in page
    assert 'role="search"' in page


def test_cashier_is_refused(cashier_client, voucher):
    assert cashier_client.post(SEARCH, {"code": voucher.code}).status_code == 403
