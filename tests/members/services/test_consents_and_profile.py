"""Consents keep their history; unsubscribe links are signed; a birthday change waits."""

from datetime import date

import time_machine

from members.models import Consent
from members.services.consents import set_consent, unsubscribe, unsubscribe_token
from members.services.enrolment import enrol_member
from members.services.profile import apply_pending_birthdays, update_profile


def test_turning_a_consent_off_is_recorded_and_changes_the_state(merchant_a):
    member = enrol_member(merchant=merchant_a, email="c@example.com", email_marketing=True)
    set_consent(member=member, channel="email", granted=False, source="member_page")
    member.refresh_from_db()
    assert member.email_marketing is False
    assert list(Consent.objects.filter(member=member).values_list("granted", flat=True)) == [
        False,
        True,
    ]


def test_setting_a_consent_to_its_current_state_writes_nothing(merchant_a):
    member = enrol_member(merchant=merchant_a, email="c@example.com")
    assert set_consent(member=member, channel="sms", granted=False, source="portal") is None
    assert not Consent.objects.filter(member=member).exists()


def test_a_signed_unsubscribe_link_turns_the_consent_off(merchant_a):
    member = enrol_member(merchant=merchant_a, email="u@example.com", email_marketing=True)
    token = unsubscribe_token(member, "email")
    assert unsubscribe(token) == (member, "email")
    member.refresh_from_db()
    assert member.email_marketing is False


def test_a_forged_unsubscribe_link_does_nothing(merchant_a):
    member = enrol_member(merchant=merchant_a, email="u@example.com", email_marketing=True)
    token = unsubscribe_token(member, "email")
    assert unsubscribe(token[:-2] + "xx") is None
    member.refresh_from_db()
    assert member.email_marketing is True


def test_a_birthday_can_be_set_freely_once(merchant_a):
    member = enrol_member(merchant=merchant_a, email="b@example.com")
    member = update_profile(member=member, birthday="--06-15")
    assert (member.birth_day, member.birth_month, member.pending_birthday_from) == (15, 6, None)


@time_machine.travel("2026-03-10 12:00:00+00:00", tick=False)
def test_a_changed_birthday_waits_until_after_the_next_birthday_month(merchant_a):
    member = enrol_member(merchant=merchant_a, email="b@example.com", birthday="--05-20")
    member = update_profile(member=member, birthday="--03-12")
    assert (member.birth_day, member.birth_month) == (20, 5)
    assert (member.pending_birth_day, member.pending_birth_month) == (12, 3)
    assert member.pending_birthday_from == date(2026, 6, 1)
    assert apply_pending_birthdays(today=date(2026, 5, 31)) == 0
    assert apply_pending_birthdays(today=date(2026, 6, 1)) == 1
    member.refresh_from_db()
    assert (member.birth_day, member.birth_month, member.pending_birthday_from) == (12, 3, None)


def test_completing_the_profile_pays_the_profile_bonus_once(merchant_a):
    program = merchant_a.program
    program.profile_bonus = 30
    program.save()
    member = enrol_member(merchant=merchant_a, email="p@example.com", phone="0722000111")
    member.refresh_from_db()
    assert member.points_balance == 0
    update_profile(member=member, first_name="Ana", last_name="Pop", birthday="--04-02")
    member.refresh_from_db()
    assert member.points_balance == 30
    update_profile(member=member, first_name="Anna")
    member.refresh_from_db()
    assert member.points_balance == 30


def test_a_complete_enrolment_pays_the_profile_bonus(merchant_a):
    program = merchant_a.program
    program.profile_bonus = 30
    program.save()
    member = enrol_member(
        merchant=merchant_a,
        email="full@example.com",
        phone="0722000112",
        first_name="Ion",
        last_name="Pop",
        birthday="1990-05-05",
    )
    member.refresh_from_db()
    assert member.points_balance == 30
