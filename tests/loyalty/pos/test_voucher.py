"""Using a voucher at the till: what it gives and its conditions, then used once; guesses stop."""

import pytest

from loyalty.pos.services import new_form_token
from rewards.models import RewardKind, VoucherStatus
from rewards.services import redeem_reward
from rewards.throttle import MAX_FAILURES
from tests.loyalty.pos.conftest import HX, find, give_points


@pytest.fixture
def voucher(ana, shop_a, merchant_a):
    give_points(shop_a, ana, "600.00", "R-1")
    five_off = merchant_a.rewards.get(kind=RewardKind.AMOUNT_OFF)  # €5 off from €15, 500 pts
    return redeem_reward(member=ana, reward=five_off)


def check(client, code, **extra):
    # By POST: a code is a bearer secret and stays out of URLs and access logs.
    return client.post("/pos/voucher/", {"code": code}, **HX, **extra)


def use(client, voucher, amount="", token=None):
    """Look the code up as the cashier does, then use the voucher by its id."""
    check(client, voucher.code)
    return client.post(
        "/pos/voucher/use/",
        {"token": token or new_form_token(), "voucher": voucher.pk, "amount": amount},
        **HX,
    )


def test_it_says_what_the_voucher_gives_and_its_conditions(cashier_client, voucher):
    html = check(cashier_client, voucher.display_code.lower()).content.decode()

    assert voucher.describe() in html
    assert "Minimum purchase" in html
    assert "Valid until" in html
    assert "Mark used" in html


def test_marking_it_used_uses_it_once(cashier_client, voucher, shop_a):
    token = new_form_token()

    first = use(cashier_client, voucher, "20.00", token)
    again = use(cashier_client, voucher, "20.00", token)

    assert first.status_code == again.status_code == 200
    voucher.refresh_from_db()
    assert (voucher.status, voucher.used_shop) == (VoucherStatus.USED, shop_a)
    assert "used once" in again.content.decode()


def test_a_used_voucher_says_where_and_when(cashier_client, voucher):
    use(cashier_client, voucher, "20.00")

    answer = check(cashier_client, voucher.code)

    assert answer.status_code == 422
    assert "already used at Old Town" in answer.content.decode()


def test_below_the_minimum_it_is_refused(cashier_client, voucher):
    answer = use(cashier_client, voucher, "10.00")

    assert answer.status_code == 409
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ISSUED


def test_another_merchants_code_is_not_found(outsider_client, voucher, merchant_b):
    from loyalty.models import Shop

    shop_b = Shop.objects.get(merchant=merchant_b)
    outsider_client.post("/pos/shop/", {"shop": shop_b.pk})

    answer = check(outsider_client, voucher.code)

    assert answer.status_code == 422
    assert "No voucher with this code" in answer.content.decode()


def test_unknown_codes_are_throttled_per_staff_member(cashier_client, voucher):
    for n in range(MAX_FAILURES):
        assert check(cashier_client, f"WRONG{n:03d}").status_code == 422

    answer = check(cashier_client, voucher.code)

    assert answer.status_code == 429
    assert "Too many unknown voucher codes" in answer.content.decode()


def test_the_throttle_also_counts_per_address(cashier_client, manager_at_shop, voucher):
    for n in range(MAX_FAILURES):
        check(cashier_client, f"WRONG{n:03d}", REMOTE_ADDR="10.0.0.9")

    # Another person at the same address is stopped too.
    assert check(manager_at_shop, voucher.code, REMOTE_ADDR="10.0.0.9").status_code == 429
    assert check(manager_at_shop, voucher.code, REMOTE_ADDR="10.0.0.10").status_code == 200


def test_wrong_codes_on_the_sale_form_count_as_well(cashier_client, ana, voucher):
    find(cashier_client, ana)
    for n in range(MAX_FAILURES):
        cashier_client.post(
            f"/pos/members/{ana.pk}/purchase/",
            {"token": new_form_token(), "amount": "20.00", "voucher": f"WRONG{n:03d}"},
            **HX,
        )

    assert check(cashier_client, voucher.code).status_code == 429


def test_a_voucher_scanned_into_the_search_field_opens_the_voucher(cashier_client, voucher):
    # The member page's voucher QR holds the bare code; a scanner types it into the search.
    answer = cashier_client.post("/pos/find/", {"q": voucher.code}, **HX)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert voucher.describe() in html
    assert "Mark used" in html


def test_a_mistyped_number_in_the_search_is_no_voucher_guess(cashier_client, ana):
    for _ in range(MAX_FAILURES + 1):
        answer = cashier_client.get("/pos/find/", {"q": "72345678"}, **HX)
        assert "No member found" in answer.content.decode()
