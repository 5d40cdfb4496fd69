"""Enrolment: contacts normalised, bad input refused with a code, duplicates named to staff."""

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from loyalty.errors import ValidationFailed
from loyalty.models import Event
from members.models import Consent, Member, MemberSource, is_valid_card_number
from members.services.enrolment import DuplicateMember, NewMember, enrol_in_bulk, enrol_member


def test_a_local_phone_number_is_stored_in_e164_with_the_merchants_country(merchant_a):
    member = enrol_member(merchant=merchant_a, phone="0722 123 456")
    assert member.phone == "+40722123456"
    assert is_valid_card_number(member.card_number)
    assert member.referral_code and len(member.referral_code) == 8


def test_an_email_is_stored_lower_case_and_gets_a_sign_in_account(merchant_a):
    member = enrol_member(merchant=merchant_a, email="Ana.Pop@Example.COM")
    assert member.email == "ana.pop@example.com"
    assert member.user.email == "ana.pop@example.com"
    assert not member.user.has_usable_password()


def test_one_account_holds_cards_at_two_merchants(merchant_a, merchant_b):
    a = enrol_member(merchant=merchant_a, email="both@example.com")
    b = enrol_member(merchant=merchant_b, email="both@example.com")
    assert a.user_id == b.user_id
    assert a.card_number != b.card_number or a.merchant_id != b.merchant_id


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"phone": "12"}, "invalid_phone"),
        ({"phone": "not a phone"}, "invalid_phone"),
        ({"email": "ana@"}, "invalid_email"),
        ({"email": "a@example.com", "birthday": "--02-30"}, "invalid_birthday"),
        ({"email": "a@example.com", "birthday": "1990-13-01"}, "invalid_birthday"),
        ({"email": "a@example.com", "referral_code": "NOPE1234"}, "unknown_referral"),
        ({}, "contact_required"),
    ],
)
def test_bad_input_is_refused_with_a_code_that_names_the_field(merchant_a, fields, code):
    with pytest.raises(ValidationFailed) as error:
        enrol_member(merchant=merchant_a, **fields)
    assert error.value.code == code
    assert not Member.objects.exists()


def test_29_february_without_a_year_is_a_birthday(merchant_a):
    member = enrol_member(merchant=merchant_a, email="leap@example.com", birthday="--02-29")
    assert (member.birth_day, member.birth_month, member.birth_year) == (29, 2, None)


def test_a_duplicate_names_the_existing_member_for_staff(merchant_a):
    first = enrol_member(merchant=merchant_a, phone="+40 722 123 456")
    with pytest.raises(DuplicateMember) as error:
        enrol_member(merchant=merchant_a, phone="0722123456")
    assert error.value.code == "duplicate_phone"
    assert error.value.member == first
    # The message itself never carries the card number: it may reach the public.
    assert first.card_number not in error.value.message


def test_the_same_phone_at_another_merchant_is_another_member(merchant_a, merchant_b):
    enrol_member(merchant=merchant_a, phone="0722123456")
    other = enrol_member(merchant=merchant_b, phone="0722123456")
    assert other.merchant == merchant_b


def test_consents_given_at_enrolment_are_recorded_with_their_wording(merchant_a):
    member = enrol_member(
        merchant=merchant_a,
        email="c@example.com",
        email_marketing=True,
        consent_wording="Send me offers by email",
    )
    assert member.email_marketing and not member.sms_marketing
    consent = Consent.objects.get(member=member)
    assert (consent.channel, consent.granted, consent.wording) == (
        "email",
        True,
        "Send me offers by email",
    )


def test_a_referral_code_links_the_friend_to_the_referrer(merchant_a):
    referrer = enrol_member(merchant=merchant_a, email="r@example.com")
    friend = enrol_member(
        merchant=merchant_a, email="f@example.com", referral_code=referrer.referral_code.lower()
    )
    assert friend.referred_by == referrer


def test_the_welcome_bonus_is_paid_once_on_joining(merchant_a):
    program = merchant_a.program
    program.welcome_bonus = 50
    program.save()
    member = enrol_member(merchant=merchant_a, email="w@example.com")
    member.refresh_from_db()
    assert member.points_balance == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tills_enrolling_the_same_phone_at_once_make_one_member(merchant_a):
    barrier = threading.Barrier(6)
    outcomes = []

    def till():
        try:
            barrier.wait()
            outcomes.append(enrol_member(merchant=merchant_a, phone="0733 000 111").pk)
        except DuplicateMember as exc:
            outcomes.append(("duplicate", exc.member.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=till) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Member.objects.filter(phone="+40733000111").count() == 1
    member = Member.objects.get(phone="+40733000111")
    created = [o for o in outcomes if not isinstance(o, tuple)]
    assert created == [member.pk]
    assert all(o == ("duplicate", member.pk) for o in outcomes if isinstance(o, tuple))
    assert member.points_balance == Decimal(0)


# --- Imported customers: a reference of the previous system instead of a contact -------------


def test_a_reference_of_the_previous_system_stands_in_for_the_contact(merchant_a):
    member = enrol_member(merchant=merchant_a, external_ref="OLD-17", source=MemberSource.IMPORT)

    assert (member.external_ref, member.email, member.phone) == ("OLD-17", "", "")
    with pytest.raises(ValidationFailed) as refused:
        enrol_member(merchant=merchant_a)
    assert refused.value.code == "contact_required"


def test_a_reference_is_one_members_per_merchant(merchant_a, merchant_b):
    first = enrol_member(merchant=merchant_a, external_ref="OLD-17")
    enrol_member(merchant=merchant_b, external_ref="OLD-17")

    with pytest.raises(DuplicateMember) as duplicate:
        enrol_member(merchant=merchant_a, external_ref="OLD-17")

    assert duplicate.value.code == "duplicate_external_ref"
    assert duplicate.value.member == first


def test_members_enrolled_in_bulk_are_like_those_enrolled_one_by_one(merchant_a, shop_a):
    joined = datetime(2023, 5, 2, 9, 0, tzinfo=UTC)
    people = [
        NewMember(external_ref="K1", joined_at=joined, shop=shop_a),
        NewMember(external_ref="K2", email="k2@example.com"),
        NewMember(external_ref="K3", phone="+40722000333"),
    ]

    k1, k2, k3 = enrol_in_bulk(merchant=merchant_a, people=people)

    one_by_one = enrol_member(merchant=merchant_a, external_ref="K4", welcome_bonus=False)
    for member in (k1, k2, k3):
        member.refresh_from_db()
        assert is_valid_card_number(member.card_number) and len(member.referral_code) == 8
        assert (member.tier, member.source) == (one_by_one.tier, MemberSource.IMPORT)
        assert member.language == one_by_one.language
    assert (k1.joined_at, k1.tier_since, k1.enrolled_at_shop) == (joined, joined, shop_a)
    assert k2.user.email == "k2@example.com" and not k2.user.has_usable_password()
    assert k3.user is None
    joined_events = Event.objects.filter(merchant=merchant_a, type="member.joined")
    assert {e.payload["member"] for e in joined_events} == {k1.pk, k2.pk, k3.pk, one_by_one.pk}
