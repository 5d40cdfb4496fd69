"""Quick enrolment at the till: a phone or an email, consents unticked, the card at once."""

from loyalty.pos.services import new_form_token
from members.models import Consent, Member, MemberSource
from tests.loyalty.pos.conftest import HX, sell

ENROL = "/pos/enrol/"


def enrol(client, token=None, **fields):
    return client.post(ENROL, {"token": token or new_form_token(), **fields}, **HX)


def test_the_form_has_consents_unticked(cashier_client):
    html = cashier_client.get(ENROL, **HX).content.decode()

    for name in ("email_marketing", "sms_marketing"):
        box = html[html.index(f'name="{name}"') - 200 : html.index(f'name="{name}"') + 200]
        assert "checked" not in box


def test_a_new_member_with_a_phone_gets_a_card_and_can_buy_at_once(
    cashier_client, cashier_a, shop_a
):
    answer = enrol(cashier_client, phone="0733 123 456", first_name="Dan")

    assert answer.status_code == 200
    member = Member.objects.get(phone="+40733123456")
    html = answer.content.decode()
    assert member.card_number in html
    assert "Record sale" in html
    assert (member.source, member.enrolled_by, member.enrolled_at_shop) == (
        MemberSource.POS,
        cashier_a,
        shop_a,
    )
    assert sell(cashier_client, member, "12.00").status_code == 200


def test_consents_are_recorded_only_when_ticked(cashier_client):
    enrol(cashier_client, email="eva@example.com", email_marketing="on")

    member = Member.objects.get(email="eva@example.com")
    assert (member.email_marketing, member.sms_marketing) == (True, False)
    consent = Consent.objects.get(member=member)
    assert consent.wording


def test_a_phone_or_an_email_is_required(cashier_client):
    answer = enrol(cashier_client, first_name="Nobody")

    assert answer.status_code == 422
    assert not Member.objects.exists()


def test_the_same_form_twice_enrols_once(cashier_client):
    token = new_form_token()

    enrol(cashier_client, token=token, phone="0733123456")
    again = enrol(cashier_client, token=token, phone="0733123456")

    assert Member.objects.count() == 1
    assert again.status_code == 200
    assert "sent twice" in again.content.decode()


def test_an_existing_member_is_offered_instead_of_a_duplicate(cashier_client, ana):
    answer = enrol(cashier_client, phone="0721 234 567")

    assert answer.status_code == 422
    html = answer.content.decode()
    assert "already a member" in html
    assert f"/pos/members/{ana.pk}/" in html
    assert Member.objects.count() == 1
