"""Guessing voucher codes: exactly the limit gets through under concurrency, and one
merchant's guesser never throttles another merchant's till, even from the same address."""

import pytest

from loyalty.models import Role
from loyalty.pos import services as pos_services
from rewards import services, throttle
from tests.factories import StaffFactory
from tests.loyalty.points.test_concurrency import run_together

GUESSER_IP = "203.0.113.7"


def _guess(merchant, actor, code="ZZZZZZZZ", ip=GUESSER_IP):
    return pos_services.look_up_voucher(merchant=merchant, code=code, actor=actor, ip=ip)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_guesses_at_once_let_exactly_the_limit_through(merchant_a, cashier_a):
    def guess():
        try:
            _guess(merchant_a, cashier_a)
        except (services.VoucherNotFound, throttle.VoucherLookupThrottled) as error:
            return error.code
        return "found"

    codes = run_together([guess for _n in range(30)])

    assert codes.count("voucher_not_found") == throttle.MAX_FAILURES, codes
    assert codes.count("too_many_attempts") == 30 - throttle.MAX_FAILURES, codes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_right_code_under_load_does_not_use_up_the_guesses(merchant_a, cashier_a, coffee):
    voucher = services.issue_voucher(merchant=merchant_a, reward=coffee, source="manual")

    run_together([lambda: _guess(merchant_a, cashier_a, voucher.code) for _n in range(20)])

    for _n in range(throttle.MAX_FAILURES):
        with pytest.raises(services.VoucherNotFound):
            _guess(merchant_a, cashier_a)


@pytest.mark.django_db
def test_another_merchants_guesser_at_the_same_address_leaves_this_till_alone(
    merchant_a, merchant_b, owner_b, cashier_a, coffee
):
    voucher = services.issue_voucher(merchant=merchant_a, reward=coffee, source="manual")
    for _n in range(throttle.MAX_FAILURES):
        with pytest.raises(services.VoucherNotFound):
            _guess(merchant_b, owner_b)
    with pytest.raises(throttle.VoucherLookupThrottled):
        _guess(merchant_b, owner_b)

    assert _guess(merchant_a, cashier_a, voucher.code) == voucher
    with pytest.raises(services.VoucherNotFound):
        _guess(merchant_a, cashier_a)


@pytest.mark.django_db
def test_a_person_on_staff_at_two_merchants_is_counted_at_each_apart(
    merchant_a, merchant_b, owner_b, coffee
):
    StaffFactory(merchant=merchant_a, user=owner_b, role=Role.MANAGER)
    voucher = services.issue_voucher(merchant=merchant_a, reward=coffee, source="manual")
    for n in range(throttle.MAX_FAILURES):
        with pytest.raises(services.VoucherNotFound):
            _guess(merchant_b, owner_b, ip=f"198.51.100.{n}")

    assert _guess(merchant_a, owner_b, voucher.code, ip="192.0.2.1") == voucher


@pytest.mark.django_db
def test_a_blocked_guess_is_not_counted_against_the_other_scopes(merchant_a, cashier_a, manager_a):
    for _n in range(throttle.MAX_FAILURES):
        with pytest.raises(services.VoucherNotFound):
            _guess(merchant_a, cashier_a, ip="192.0.2.1")
    for _n in range(5):
        with pytest.raises(throttle.VoucherLookupThrottled):
            _guess(merchant_a, cashier_a, ip="192.0.2.2")

    # The cashier was stopped before their look-ups from .2 ran: that address is still fresh.
    for _n in range(throttle.MAX_FAILURES):
        with pytest.raises(services.VoucherNotFound):
            _guess(merchant_a, manager_a, ip="192.0.2.2")
