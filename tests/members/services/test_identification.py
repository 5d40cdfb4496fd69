"""One search finds the member from a scan, a card number, a phone in any format or an email."""

import pytest

from members.contacts import card_qr_payload
from members.queries import find_member, search_members
from members.services.enrolment import enrol_member
from tests.personas import make_ana


@pytest.fixture
def ana(merchant_a):
    """Ana with a phone typed as a local number: the look-ups below type it in other forms."""
    return make_ana(merchant_a, email="ana@example.com", phone="0722123456")


@pytest.mark.parametrize(
    "typed",
    ["0722 123 456", "+40722123456", "0040 722-123-456", "ANA@example.com", " ana@example.com "],
)
def test_it_finds_the_member_by_phone_in_any_format_or_email(merchant_a, ana, typed):
    assert find_member(merchant_a, typed) == ana


def test_it_finds_the_member_by_card_number_and_by_qr_payload(merchant_a, ana):
    assert find_member(merchant_a, ana.card_number) == ana
    assert find_member(merchant_a, card_qr_payload("aroma", ana.card_number)) == ana


def test_a_mistyped_card_number_finds_nobody(merchant_a, ana):
    wrong_digit = str((int(ana.card_number[3]) + 1) % 10)
    typo = ana.card_number[:3] + wrong_digit + ana.card_number[4:]
    assert find_member(merchant_a, typo) is None


def test_another_merchants_card_or_qr_finds_nothing(merchant_a, merchant_b, ana):
    assert find_member(merchant_b, ana.card_number) is None
    assert find_member(merchant_b, "ana@example.com") is None
    assert find_member(merchant_b, card_qr_payload("aroma", ana.card_number)) is None


def test_identification_is_one_query(merchant_a, ana, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert find_member(merchant_a, "0722 123 456") == ana


def test_portal_search_also_matches_names(merchant_a, ana):
    enrol_member(merchant=merchant_a, email="bob@example.com", first_name="Bob")
    assert list(search_members(merchant_a, "an")) == [ana]
    assert list(search_members(merchant_a, "0722123456")) == [ana]
