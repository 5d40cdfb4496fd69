"""Editing a member (with the birthday rule and recorded consents), blocking and anonymizing."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from loyalty.dates import DATE, format_day
from loyalty.errors import DomainError
from loyalty.models import AuditEvent
from loyalty.points.ledger import adjust_points
from members.models import Consent, Member
from members.services.enrolment import enrol_member
from members.services.status import set_member_status
from tests.members.portal.conftest import buy, member_url


def edit_data(member: Member, **changes) -> dict:
    data = {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "birthday": member.birthday_display,
        "language": member.language or "en",
    }
    if member.email_marketing:
        data["email_marketing"] = "on"
    if member.sms_marketing:
        data["sms_marketing"] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def actions(merchant) -> list[str]:
    return list(
        AuditEvent.objects.for_merchant(merchant)
        .filter(action__startswith="members.member.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- Edit ------------------------------------------------------------------------------------


def test_the_edit_form_is_filled_with_the_member(owner_client, merchant_a):
    member = enrol_member(
        merchant=merchant_a, email="e@example.com", first_name="Eva", birthday="--03-09"
    )

    html = owner_client.get(member_url(member, "edit/")).content.decode()

    assert 'value="Eva"' in html and 'value="--03-09"' in html


def test_editing_names_is_audited(owner_client, merchant_a, ana):
    answer = owner_client.post(
        member_url(ana, "edit/"), edit_data(ana, first_name="Anna", last_name="Popa")
    )

    assert answer.status_code == 302 and answer["Location"] == member_url(ana)
    ana.refresh_from_db()
    assert (ana.first_name, ana.last_name) == ("Anna", "Popa")
    event = AuditEvent.objects.for_merchant(merchant_a).get(action="members.member.updated")
    assert event.data["fields"] == ["first_name", "last_name"]
    assert event.actor.email == "owner.a@example.com"


def test_a_first_birthday_is_set_at_once(owner_client, ana):
    owner_client.post(member_url(ana, "edit/"), edit_data(ana, birthday="1990-07-14"))

    ana.refresh_from_db()
    assert (ana.birth_day, ana.birth_month, ana.birth_year) == (14, 7, 1990)
    assert ana.pending_birthday_from is None


def test_a_changed_birthday_waits_for_the_next_birthday_period(owner_client, merchant_a):
    month = timezone.now().astimezone(merchant_a.tzinfo).month
    member = enrol_member(
        merchant=merchant_a, email="b@example.com", first_name="Bea", birthday=f"--{month:02d}-01"
    )
    other_month = month % 12 + 1

    answer = owner_client.post(
        member_url(member, "edit/"),
        edit_data(member, birthday=f"--{other_month:02d}-15"),
        follow=True,
    )

    member.refresh_from_db()
    assert (member.birth_day, member.birth_month) == (1, month)  # unchanged for now
    assert (member.pending_birth_day, member.pending_birth_month) == (15, other_month)
    assert member.pending_birthday_from > timezone.now().date()
    html = answer.content.decode()
    with translation.override("en"):  # "1 Jan 2027": a date as the page's language writes it
        since = format_day(member.pending_birthday_from, DATE)
    assert f"The new birthday counts from {since}" in html
    assert "A changed birthday counts from" in html  # on the member's page


def test_an_untouched_birthday_is_not_a_change(owner_client, merchant_a):
    member = enrol_member(merchant=merchant_a, email="b@example.com", birthday="--02-29")

    owner_client.post(member_url(member, "edit/"), edit_data(member, first_name="Bo"))

    member.refresh_from_db()
    assert member.pending_birthday_from is None and member.first_name == "Bo"


def test_a_birthday_that_does_not_exist_is_a_field_error(owner_client, ana):
    html = owner_client.post(
        member_url(ana, "edit/"), edit_data(ana, birthday="--02-30", first_name="Changed")
    ).content.decode()

    assert "--02-30 is not a date that exists." in html.split('id="id_birthday"')[1]
    ana.refresh_from_db()
    assert ana.first_name == "Ana"  # nothing of the form is saved


def test_consents_changed_by_staff_are_recorded_with_source_and_actor(owner_client, owner_a, ana):
    owner_client.post(member_url(ana, "edit/"), edit_data(ana, email_marketing="on"))

    ana.refresh_from_db()
    assert ana.email_marketing and not ana.sms_marketing
    consent = Consent.objects.get(member=ana)
    assert (consent.channel, consent.granted, consent.source) == ("email", True, "portal")
    assert consent.actor == owner_a and "offers by email" in consent.wording

    owner_client.post(member_url(ana, "edit/"), edit_data(Member.objects.get(pk=ana.pk)))
    assert Consent.objects.filter(member=ana).count() == 1  # saved unchanged: nothing new

    owner_client.post(member_url(ana, "edit/"), edit_data(ana, email_marketing=None))
    ana.refresh_from_db()
    assert not ana.email_marketing
    assert list(Consent.objects.filter(member=ana).values_list("granted", flat=True)) == [
        False,
        True,
    ]


# --- Block -----------------------------------------------------------------------------------


def test_blocking_asks_for_confirmation_first(owner_client, ana):
    html = owner_client.get(member_url(ana, "block/")).content.decode()

    assert f"Block Ana Pop (card {ana.card_number})?" in html
    assert 'name="status" value="blocked"' in html
    ana.refresh_from_db()
    assert ana.status == "active"


def test_block_then_unblock_writes_an_audit_row_each(owner_client, merchant_a, ana, shop_a):
    answer = owner_client.post(member_url(ana, "block/"), {"status": "blocked"})

    assert answer.status_code == 302 and answer["Location"] == member_url(ana)
    ana.refresh_from_db()
    assert ana.status == "blocked"
    with pytest.raises(DomainError):  # the till refuses the card now
        buy(ana, shop_a, "10.00")
    assert "This card is blocked" in owner_client.get(member_url(ana)).content.decode()

    owner_client.post(member_url(ana, "block/"), {"status": "active"})

    ana.refresh_from_db()
    assert ana.status == "active"
    assert actions(merchant_a) == ["members.member.blocked", "members.member.unblocked"]
    blocked = AuditEvent.objects.for_merchant(merchant_a).get(action="members.member.blocked")
    assert blocked.target_type == "member" and blocked.target_id == str(ana.pk)
    assert blocked.actor.email == "owner.a@example.com"
    assert blocked.data == {"from": "active", "to": "blocked"}


def test_blocking_twice_writes_one_audit_row(owner_client, merchant_a, ana):
    owner_client.post(member_url(ana, "block/"), {"status": "blocked"})
    owner_client.post(member_url(ana, "block/"), {"status": "blocked"})

    assert actions(merchant_a) == ["members.member.blocked"]


def test_a_status_other_than_blocked_or_active_is_refused(owner_client, merchant_a, ana):
    answer = owner_client.post(member_url(ana, "block/"), {"status": "anonymized"}, follow=True)

    assert "A member can only be blocked or made active." in answer.content.decode()
    ana.refresh_from_db()
    assert ana.status == "active" and actions(merchant_a) == []


def test_an_anonymized_member_cannot_be_blocked(merchant_a, owner_a, ana):
    from members.services.gdpr import anonymize_member

    anonymize_member(member=ana, actor=owner_a, reason="Asked")

    with pytest.raises(DomainError) as refusal:
        set_member_status(member=ana, actor=owner_a, status="blocked")
    assert refusal.value.code == "member_anonymized"


# --- Anonymize -------------------------------------------------------------------------------


def test_anonymizing_needs_a_reason_and_keeps_the_figures(
    owner_client, merchant_a, owner_a, shop_a, ana
):
    buy(ana, shop_a, "30.00")
    adjust_points(member=ana, points=10, reason="Gift", actor=owner_a)
    page = owner_client.get(member_url(ana, "anonymize/")).content.decode()
    assert f"Anonymize Ana Pop (card {ana.card_number})?" in page

    refused = owner_client.post(member_url(ana, "anonymize/"), {"reason": ""})
    assert refused.status_code == 200
    ana.refresh_from_db()
    assert ana.status == "active"

    answer = owner_client.post(member_url(ana, "anonymize/"), {"reason": "Asked by email"})

    assert answer.status_code == 302
    ana.refresh_from_db()
    assert ana.status == "anonymized"
    assert (ana.email, ana.phone, ana.first_name, ana.last_name) == ("", "", "", "")
    assert ana.lifetime_spend == Decimal("30.00") and ana.points_balance == 40
    event = AuditEvent.objects.for_merchant(merchant_a).get(action="members.member.anonymized")
    assert event.data["reason"] == "Asked by email"
    html = owner_client.get(member_url(ana)).content.decode()
    assert "This member is anonymized" in html
    assert member_url(ana, "edit/") not in html
    assert owner_client.get(member_url(ana, "edit/")).status_code == 302


def test_the_anonymized_member_is_still_counted_in_the_list(owner_client, merchant_a, owner_a, ana):
    from members.services.gdpr import anonymize_member

    anonymize_member(member=ana, actor=owner_a, reason="Asked")

    html = owner_client.get("/portal/members/", {"status": "anonymized"}).content.decode()
    assert "1 member" in html and "Anonymized" in html


def test_birthday_of_a_past_date_object(merchant_a):
    # parse_birthday accepts a date too; the edit form always sends text.
    member = enrol_member(merchant=merchant_a, email="d@example.com", birthday=date(1985, 1, 2))
    assert member.birthday_display == "1985-01-02"
