"""Per-address limits of the member pages (joining, SMS codes) count per merchant: one
merchant's busy or abusive network never locks people out of another merchant's page."""

import pytest
from django.test import Client

from members import sms
from members.member_page.access import JOIN_LIMIT
from members.services.enrolment import enrol_member
from members.services.sms_signin import SENDS_PER_IP, SENDS_PER_PHONE

pytestmark = pytest.mark.django_db


def _join(client, merchant, email):
    return client.post(
        f"/m/{merchant.slug}/join", {"email": email, "phone": "", "first_name": "I", "website": ""}
    )


def test_joins_at_another_merchant_do_not_use_up_this_merchants_limit(merchant_a, merchant_b):
    for number in range(JOIN_LIMIT):
        _join(Client(), merchant_b, f"person{number}@example.com")
    assert _join(Client(), merchant_b, "over@example.com").status_code == 429

    answer = _join(Client(), merchant_a, "ioana@example.com")

    assert answer.status_code == 302


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "members.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _ask(slug, phone):
    return Client().post(f"/m/{slug}/login/phone", {"phone": phone, "next": ""})


def test_code_sends_at_another_merchant_do_not_use_up_this_merchants_limit(
    merchant_a, merchant_b, sms_outbox
):
    enrol_member(merchant=merchant_a, phone="0744 555 666", first_name="Dan")
    for n in range(SENDS_PER_IP):
        _ask("bee", f"0744 000 {100 + n}")
    assert "Too many codes" in _ask("bee", "0744 000 999").content.decode()

    answer = _ask("aroma", "0744 555 666")

    assert answer.status_code == 302
    assert len(sms_outbox) == 1


def test_a_phone_asked_for_at_another_merchant_can_still_get_this_merchants_code(
    merchant_a, merchant_b, sms_outbox
):
    enrol_member(merchant=merchant_a, phone="0744 555 666", first_name="Dan")
    for _n in range(SENDS_PER_PHONE + 1):
        _ask("bee", "0744 555 666")

    assert _ask("aroma", "0744 555 666").status_code == 302
    assert len(sms_outbox) == 1
