"""use_voucher and check_voucher: a code works once, at its merchant, within its conditions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import Event
from rewards import services
from rewards.models import VoucherStatus
from tests.loyalty.points.helpers import ring
from tests.rewards.conftest import give, make_reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def voucher(shop_a, member_a, coffee):
    member = give(shop_a, member_a, "300")
    return services.redeem_reward(member=member, reward=coffee)


def test_it_marks_the_voucher_used_on_the_purchase(
    merchant_a, shop_a, member_a, voucher, cashier_a
):
    sale = ring(shop_a, member_a, "12.00").purchase

    used = services.use_voucher(code=voucher.code, shop=shop_a, purchase=sale, actor=cashier_a)

    voucher.refresh_from_db()
    assert used.pk == voucher.pk and voucher.status == VoucherStatus.USED
    assert voucher.used_shop == shop_a and voucher.used_purchase == sale
    assert voucher.used_by == cashier_a and voucher.used_at is not None
    event = Event.objects.get(merchant=merchant_a, type="voucher.used")
    assert event.payload["code"] == voucher.code and event.payload["purchase"] == sale.external_id


@pytest.mark.parametrize(
    "typed",
    ["{code}", "{lower}", "{head}-{tail}", " {head} {tail} ", "{head}\u2013{tail}"],
)
def test_codes_are_typed_any_case_with_spaces_and_dashes(merchant_a, shop_a, voucher, typed):
    code = voucher.code
    text = typed.format(code=code, lower=code.lower(), head=code[:4], tail=code[4:])

    assert services.check_voucher(merchant=merchant_a, code=text) == voucher
    assert services.use_voucher(code=text, shop=shop_a).status == VoucherStatus.USED


def test_a_second_use_says_where_and_when_it_was_used(shop_a, shop_a2, voucher):
    services.use_voucher(code=voucher.code, shop=shop_a)

    with pytest.raises(services.VoucherUsed) as error:
        services.use_voucher(code=voucher.code, shop=shop_a2)

    assert error.value.code == "voucher_used"
    assert "Old Town" in error.value.message


def test_another_merchants_code_is_simply_not_found(merchant_b, voucher):
    shop_b = merchant_b.shops.get()

    for attempt in (
        lambda: services.check_voucher(merchant=merchant_b, code=voucher.code),
        lambda: services.use_voucher(code=voucher.code, shop=shop_b),
    ):
        with pytest.raises(services.VoucherNotFound) as error:
            attempt()
        assert error.value.code == "voucher_not_found"
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ISSUED


def test_an_unknown_or_empty_code_is_not_found(merchant_a):
    for code in ("", "   ", "ZZZZ-ZZZZ", "not a code at all"):
        with pytest.raises(services.VoucherNotFound):
            services.check_voucher(merchant=merchant_a, code=code)


def test_an_expired_voucher_is_refused_even_before_the_job_ran(merchant_a, shop_a, voucher):
    later = voucher.expires_at + timedelta(minutes=1)

    with pytest.raises(services.VoucherExpired) as error:
        services.use_voucher(code=voucher.code, shop=shop_a, now=later)
    assert error.value.code == "voucher_expired"


def test_a_cancelled_voucher_is_refused(shop_a, voucher):
    services.cancel_voucher(voucher=voucher, actor=None)

    with pytest.raises(services.VoucherCancelled) as error:
        services.use_voucher(code=voucher.code, shop=shop_a)
    assert error.value.code == "voucher_cancelled"


def test_the_minimum_purchase_is_checked(merchant_a, shop_a, member_a):
    five_off = merchant_a.rewards.get(kind="amount_off")  # on 15.00 or more
    member = give(shop_a, member_a, "500")
    voucher = services.redeem_reward(member=member, reward=five_off)
    small = ring(shop_a, member, "9.99").purchase

    with pytest.raises(services.MinimumNotMet) as error:
        services.use_voucher(code=voucher.code, shop=shop_a, purchase=small)
    assert error.value.code == "minimum_not_met" and "15.00" in error.value.message

    big = ring(shop_a, member, "15.00").purchase
    assert services.use_voucher(code=voucher.code, shop=shop_a, purchase=big).status == "used"


def test_a_bearer_voucher_from_a_campaign_works_for_anyone(merchant_a, shop_a, coffee):
    voucher = services.issue_voucher(merchant=merchant_a, reward=coffee, source="campaign")

    assert voucher.member is None and voucher.points_cost == 0
    assert services.use_voucher(code=voucher.code, shop=shop_a).status == "used"


def test_a_voucher_fails_inside_a_purchase_transaction_and_rolls_it_back(
    merchant_a, shop_a, member_a, voucher
):
    from django.db import transaction

    from loyalty.models import Purchase

    services.use_voucher(code=voucher.code, shop=shop_a)
    with pytest.raises(services.VoucherUsed), transaction.atomic():
        sale = ring(shop_a, member_a, "20", external_id="WITH-VOUCHER").purchase
        services.use_voucher(code=voucher.code, shop=shop_a, purchase=sale)
    assert not Purchase.objects.filter(external_id="WITH-VOUCHER").exists()


def test_reward_value_snapshots_describe_what_a_voucher_gives(merchant_a, shop_a, member_a):
    percent = make_reward(
        merchant_a, kind="percent_off", value=Decimal("10"), max_discount=Decimal("8"), item=""
    )
    member = give(shop_a, member_a, "500")
    voucher = services.redeem_reward(member=member, reward=percent, now=timezone.now())

    assert voucher.describe() == "10% off (at most €8.00)"
    assert voucher.conditions()["max_discount"] == "8.00"
