"""Adding a member in the portal: the service's refusals land on the field they are about."""

import pytest

from members.models import Consent, Member
from members.services.enrolment import enrol_member

NEW = "/portal/members/new/"


def form(**changes) -> dict:
    data = {
        "email": "dana@example.com",
        "phone": "",
        "first_name": "Dana",
        "last_name": "Rus",
        "birthday": "",
        "language": "en",
        "referral_code": "",
        "shop": "",
    }
    data.update(changes)
    return data


def field_error(html: str, field: str) -> str:
    """The error text shown in the field's block, or "" when it has none."""
    block = html.split(f'id="id_{field}"')[1].split('<div class="field')[0]
    return (
        block.split('<p class="error" role="alert">')[1].split("</p>")[0]
        if "error" in block
        else ""
    )


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_staff_add_a_member_who_gets_a_card(request, persona, merchant_a, shop_a):
    client = request.getfixturevalue(persona)

    answer = client.post(
        NEW, form(phone="0722 111 222", birthday="--05-17", shop=shop_a.pk, sms_marketing="on")
    )

    member = Member.objects.for_merchant(merchant_a).get(email="dana@example.com")
    assert answer.status_code == 302
    assert answer["Location"] == f"/portal/members/{member.pk}/"
    assert member.source == "portal"
    assert member.phone == "+40722111222"
    assert (member.birth_day, member.birth_month, member.birth_year) == (17, 5, None)
    assert member.enrolled_at_shop == shop_a
    assert member.enrolled_by.email in ("owner.a@example.com", "manager.a@example.com")
    consent = Consent.objects.get(member=member)
    assert (consent.channel, consent.granted, consent.source) == ("sms", True, "portal")
    assert "offers by SMS" in consent.wording
    assert not member.email_marketing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "0722 11"}, "phone", "“0722 11” is not a valid phone number."),
        ({"email": "dana@"}, "email", "“dana@” is not a valid email address."),
        ({"birthday": "1990-02-30"}, "birthday", "1990-02-30 is not a date that exists."),
        ({"birthday": "--02-30"}, "birthday", "--02-30 is not a date that exists."),
        ({"birthday": "17 May"}, "birthday", "Write the birthday as YYYY-MM-DD"),
        ({"referral_code": "NOPE1234"}, "referral_code", "The referral code NOPE1234 is unknown."),
    ],
)
def test_bad_input_is_a_field_error_that_says_what_is_wrong(
    owner_client, merchant_a, changes, field, message
):
    answer = owner_client.post(NEW, form(**changes))

    assert answer.status_code == 200
    assert message in field_error(answer.content.decode(), field)
    assert not Member.objects.for_merchant(merchant_a).exists()


def test_no_contact_at_all_is_said_above_the_form(owner_client, merchant_a):
    html = owner_client.post(NEW, form(email="")).content.decode()

    assert '<p class="error banner" role="alert">Give an email address or a phone number.' in html
    assert not Member.objects.for_merchant(merchant_a).exists()


def test_a_duplicate_names_the_existing_card_to_staff_with_a_link(owner_client, merchant_a):
    existing = enrol_member(merchant=merchant_a, phone="+40722111222", first_name="Dana")

    answer = owner_client.post(NEW, form(email="", phone="0722-111-222"))

    html = answer.content.decode()
    assert f"+40722111222 is already a member: card {existing.card_number} (Dana)." in field_error(
        html, "phone"
    )
    assert f'href="/portal/members/{existing.pk}/"' in html
    assert Member.objects.for_merchant(merchant_a).count() == 1


def test_a_duplicate_email_is_found_whatever_its_case(owner_client, merchant_a):
    existing = enrol_member(merchant=merchant_a, email="dana@example.com")

    html = owner_client.post(NEW, form(email="Dana@Example.com")).content.decode()

    assert existing.card_number in field_error(html, "email")


def test_the_same_contact_at_another_merchant_is_no_duplicate(owner_client, merchant_a, stranger):
    answer = owner_client.post(NEW, form(email=stranger.email))

    assert answer.status_code == 302
    assert Member.objects.for_merchant(merchant_a).filter(email=stranger.email).exists()


def test_a_referral_code_links_the_new_member_to_the_friend(owner_client, merchant_a, ana):
    owner_client.post(NEW, form(referral_code=ana.referral_code.lower()))

    assert Member.objects.get(email="dana@example.com").referred_by == ana


def test_the_shop_list_offers_only_the_merchants_shops(owner_client, merchant_b):
    html = owner_client.get(NEW).content.decode()
    assert "Old Town" in html and "Corner" not in html


def test_a_shop_of_another_merchant_is_refused(owner_client, merchant_a, merchant_b):
    corner = merchant_b.shops.get()

    html = owner_client.post(NEW, form(shop=corner.pk)).content.decode()

    assert "Select a valid choice." in field_error(html, "shop")
    assert not Member.objects.for_merchant(merchant_a).exists()


def test_cashier_gets_403(cashier_client, merchant_a):
    assert cashier_client.get(NEW).status_code == 403
    assert cashier_client.post(NEW, form()).status_code == 403
    assert not Member.objects.for_merchant(merchant_a).exists()
