"""Parallel guesses of an SMS code: at most MAX_ATTEMPTS of them are ever checked.

Real threads on real PostgreSQL connections; the cache's incr() (get then set) let 20 parallel
tries make 11 checks where the limit is 5.
"""

import pytest

from members import sms
from members.services.enrolment import enrol_member
from members.services.sms_signin import (
    MAX_ATTEMPTS,
    SmsSignInError,
    request_sms_code,
    verify_sms_code,
)
from tests.loyalty.points.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def texted(settings, merchant_a):
    settings.SMS_BACKEND = "members.sms.LocmemBackend"
    sms.outbox.clear()
    member = enrol_member(merchant=merchant_a, phone="0744 555 666", first_name="Dan")
    request_sms_code(merchant=merchant_a, phone=member.phone, ip="10.0.0.1")
    [message] = sms.outbox
    sms.outbox.clear()
    return member, message.body[:6]


def test_twenty_parallel_wrong_codes_get_at_most_five_checks(merchant_a, texted):
    member, code = texted
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    results = run_together(
        [
            lambda: verify_sms_code(merchant=merchant_a, phone=member.phone, code=wrong)
            for _n in range(20)
        ]
    )

    assert all(isinstance(result, SmsSignInError) for result in results), results
    checked = [r for r in results if r.code == "sms_code_invalid"]
    refused = [r for r in results if r.code == "sms_code_refused"]
    assert len(checked) == MAX_ATTEMPTS and len(refused) == 20 - MAX_ATTEMPTS, results
    # The tries are used up: the right code opens nothing now.
    with pytest.raises(SmsSignInError):
        verify_sms_code(merchant=merchant_a, phone=member.phone, code=code)


def test_the_right_code_sent_twenty_times_at_once_opens_the_card_once(merchant_a, texted):
    member, code = texted

    results = run_together(
        [
            lambda: verify_sms_code(merchant=merchant_a, phone=member.phone, code=code)
            for _n in range(20)
        ]
    )

    assert [r for r in results if not isinstance(r, Exception)] == [member], results
