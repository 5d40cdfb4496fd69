"""Codes: secure, readable, unique per merchant in the database; guessing them is throttled."""

import pytest
from django.db import IntegrityError, transaction

from rewards import services, throttle
from rewards.models import VOUCHER_ALPHABET
from tests.factories import VoucherFactory

pytestmark = pytest.mark.django_db


def test_the_alphabet_has_no_look_alikes():
    assert not set("01OIL") & set(VOUCHER_ALPHABET)
    assert len(VOUCHER_ALPHABET) == 31


def test_thousands_of_codes_are_all_distinct_and_well_formed(merchant_a, coffee):
    vouchers = [
        services.issue_voucher(merchant=merchant_a, reward=coffee, source="campaign")
        for _i in range(2000)
    ]
    codes = {v.code for v in vouchers}
    assert len(codes) == 2000
    assert all(len(c) == 8 and set(c) <= set(VOUCHER_ALPHABET) for c in codes)


def test_the_database_refuses_a_duplicate_code_at_one_merchant(merchant_a, merchant_b, coffee):
    first = services.issue_voucher(merchant=merchant_a, reward=coffee, source="manual")
    with pytest.raises(IntegrityError), transaction.atomic():
        VoucherFactory(merchant=merchant_a, code=first.code)
    # Another merchant may hold the same code: look-ups always start from the merchant.
    VoucherFactory(merchant=merchant_b, code=first.code)


def test_the_database_refuses_a_lower_case_code(merchant_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        VoucherFactory(merchant=merchant_a, code="abcd2345")


def test_failed_lookups_are_throttled_per_scope(merchant_a, coffee):
    voucher = services.issue_voucher(merchant=merchant_a, reward=coffee, source="manual")
    scopes = ["staff:1", "ip:203.0.113.9"]

    def look(code):
        return throttle.guarded(
            scopes,
            lambda: services.find_voucher(merchant=merchant_a, code=code),
            merchant=merchant_a,
        )

    for _i in range(throttle.MAX_FAILURES):
        with pytest.raises(services.VoucherNotFound):
            look("ZZZZZZZZ")
    with pytest.raises(throttle.VoucherLookupThrottled) as error:
        look(voucher.code)  # even a right code: the guesser is stopped
    assert error.value.code == "too_many_attempts"
    # Another staff member behind another address is not affected.
    assert (
        throttle.guarded(
            ["staff:2", "ip:198.51.100.1"],
            lambda: services.find_voucher(merchant=merchant_a, code=voucher.code),
            merchant=merchant_a,
        )
        == voucher
    )
