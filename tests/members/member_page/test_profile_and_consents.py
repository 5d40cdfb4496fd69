"""The profile page: name, birthday (with the wait after a change), language, consents that
turn on or off with one button and are recorded, and the referral link."""

from datetime import date

import time_machine

from loyalty.models import AuditEvent
from members.models import Consent


def _save(client, **fields):
    data = {"first_name": "Ana", "last_name": "Pop", "language": "en"}
    data.update(fields)
    return client.post("/m/aroma/profile", data)


def test_the_profile_shows_details_consents_and_the_referral_link(ana_client, ana):
    html = ana_client.get("/m/aroma/profile").content.decode()

    assert 'value="Ana"' in html
    assert "Send me offers and news from Aroma Café by email." in html
    assert "Turn off Email offers" in html
    assert "Turn on SMS offers" in html
    assert f"http://testserver/m/aroma/join?ref={ana.referral_code}" in html
    assert "Download my data" in html
    assert "Delete my account" in html


def test_a_name_change_is_saved(ana_client, ana):
    answer = _save(ana_client, first_name="Anca", **_birthday_of(ana))

    ana.refresh_from_db()
    assert answer["Location"] == "/m/aroma/profile"
    assert ana.first_name == "Anca"
    # Saving the unchanged birthday did not start a change.
    assert ana.pending_birthday_from is None
    assert (ana.birth_day, ana.birth_month) == (17, 5)


def _birthday_of(member):
    return {
        "birth_day": member.birth_day,
        "birth_month": member.birth_month,
        "birth_year": member.birth_year or "",
    }


@time_machine.travel(date(2026, 2, 10), tick=False)
def test_a_birthday_change_waits_and_the_page_says_from_when(ana_client, ana):
    answer = _save(ana_client, birth_day="1", birth_month="2", birth_year="1990")

    ana.refresh_from_db()
    assert (ana.birth_day, ana.birth_month) == (17, 5)
    assert (ana.pending_birth_day, ana.pending_birth_month) == (1, 2)
    assert ana.pending_birthday_from == date(2026, 6, 1)
    page = ana_client.get(answer["Location"])
    html = page.content.decode()
    assert "Your new birthday counts from 1 Jun 2026." in html
    assert "Your change of birthday counts from 1 Jun 2026" in html


def test_a_birthday_of_30_february_is_refused(ana_client, ana):
    answer = _save(ana_client, birth_day="30", birth_month="2", birth_year="")

    assert answer.status_code == 400
    assert answer.context["form"].errors["birth_day"] == ["30 February is not a date that exists."]


def test_a_consent_toggle_writes_a_consent_row(ana_client, ana):
    before = Consent.objects.filter(member=ana).count()

    answer = ana_client.post("/m/aroma/consent", {"channel": "email", "granted": "off"})

    ana.refresh_from_db()
    assert answer["Location"] == "/m/aroma/profile#consents"
    assert not ana.email_marketing
    row = Consent.objects.filter(member=ana).first()
    assert Consent.objects.filter(member=ana).count() == before + 1
    assert (row.channel, row.granted, row.source) == ("email", False, "member_page")
    assert row.wording.startswith("Send me offers and news from Aroma Café by email.")
    page = ana_client.get("/m/aroma/profile").content.decode()
    assert "Email offers: off." in page
    assert "Turn on Email offers" in page


def test_turning_sms_on_is_recorded_with_its_wording(ana_client, ana):
    ana_client.post("/m/aroma/consent", {"channel": "sms", "granted": "on"})

    ana.refresh_from_db()
    row = Consent.objects.filter(member=ana, channel="sms").get()
    assert ana.sms_marketing and row.granted
    assert "by SMS" in row.wording


def test_the_same_state_twice_writes_nothing(ana_client, ana):
    ana_client.post("/m/aroma/consent", {"channel": "email", "granted": "on"})

    assert Consent.objects.filter(member=ana).count() == 1


def test_an_unknown_channel_is_404(ana_client):
    assert ana_client.post("/m/aroma/consent", {"channel": "fax"}).status_code == 404


def test_consent_changes_need_a_post(ana_client):
    assert ana_client.get("/m/aroma/consent").status_code == 405


def test_a_member_change_leaves_no_staff_audit_row(ana_client, ana, merchant_a):
    _save(ana_client, first_name="Anca", **_birthday_of(ana))

    assert (
        not AuditEvent.objects.for_merchant(merchant_a)
        .filter(action="members.member.updated")
        .exists()
    )
