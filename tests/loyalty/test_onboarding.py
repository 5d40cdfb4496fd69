"""/welcome/: a signed-in person without a merchant sets up the business; and allauth's signup."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from loyalty.models import AuditEvent, Merchant, Role, User
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def newcomer(db):
    return UserFactory(email="newcomer@example.com")


@pytest.fixture
def newcomer_client(client, newcomer):
    client.force_login(newcomer)
    return client


def _form(**changes):
    data = {
        "name": "Green Tea House",
        "slug": "",
        "currency": "EUR",
        "timezone": "Europe/Bucharest",
        "shop_name": "Main",
        "shop_address": "",
    }
    return data | changes


def test_newcomer_sets_up_the_business_and_lands_in_the_portal(newcomer_client, newcomer):
    assert newcomer_client.get("/welcome/").status_code == 200

    answer = newcomer_client.post(
        "/welcome/", _form(currency="RON", shop_name="Piața Unirii", shop_address="Nr. 1")
    )

    assert answer.status_code == 302
    assert answer["Location"] == "/portal/"
    merchant = Merchant.objects.get()
    assert (merchant.name, merchant.currency, merchant.timezone) == (
        "Green Tea House",
        "RON",
        "Europe/Bucharest",
    )
    assert merchant.staff.get().user == newcomer
    assert merchant.staff.get().role == Role.OWNER
    assert [(s.name, s.address) for s in merchant.shops.all()] == [("Piața Unirii", "Nr. 1")]
    assert AuditEvent.objects.for_merchant(merchant).filter(actor=newcomer).count() == 2
    dashboard = newcomer_client.get("/portal/")
    assert "Welcome to Fidela, Green Tea House is ready." in dashboard.content.decode()


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Green Tea House", "green-tea-house"), ("Café Ĉerry & Co", "cafe-cerry-co")],
)
def test_the_web_address_is_derived_from_the_name(newcomer_client, name, slug):
    newcomer_client.post("/welcome/", _form(name=name))

    assert Merchant.objects.get().slug == slug


def test_a_chosen_web_address_is_kept(newcomer_client):
    newcomer_client.post("/welcome/", _form(slug="gth"))

    assert Merchant.objects.get().slug == "gth"


@pytest.mark.parametrize("slug", ["admin", "portal", "pos", "api"])
def test_a_reserved_web_address_is_a_form_error(newcomer_client, slug):
    answer = newcomer_client.post("/welcome/", _form(slug=slug))

    assert answer.status_code == 200
    assert "This web address is reserved." in answer.content.decode()
    assert not Merchant.objects.exists()


def test_a_chosen_web_address_is_kept_in_lower_case(newcomer_client):
    newcomer_client.post("/welcome/", _form(slug="GreenTea"))

    assert Merchant.objects.get().slug == "greentea"


def test_a_reserved_web_address_in_capitals_is_still_reserved(newcomer_client):
    answer = newcomer_client.post("/welcome/", _form(slug="Admin"))

    assert "This web address is reserved." in answer.content.decode()
    assert not Merchant.objects.exists()


def test_a_taken_web_address_in_other_case_is_taken(newcomer_client, merchant_a):
    answer = newcomer_client.post("/welcome/", _form(slug="AROMA"))

    assert "The web address “aroma” is taken." in answer.content.decode()
    assert Merchant.objects.count() == 1


def test_a_taken_web_address_is_a_form_error(newcomer_client, merchant_a):
    answer = newcomer_client.post("/welcome/", _form(name="Aroma"))

    assert answer.status_code == 200
    assert "The web address “aroma” is taken." in answer.content.decode()
    assert Merchant.objects.count() == 1


def test_a_name_without_letters_needs_a_web_address(newcomer_client):
    answer = newcomer_client.post("/welcome/", _form(name="!!!"))

    assert "Choose a web address made of letters and digits." in answer.content.decode()
    assert not Merchant.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    answer = client.get("/welcome/")

    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/?next=/welcome/"


def test_an_owner_creates_a_second_business_and_works_in_it(owner_client, owner_a):
    answer = owner_client.post("/welcome/", _form())

    assert answer["Location"] == "/portal/"
    assert "Green Tea House" in owner_client.get("/portal/").content.decode()
    assert set(owner_a.memberships.values_list("merchant__slug", flat=True)) == {
        "aroma",
        "green-tea-house",
    }


# --- Signup (django-allauth) -----------------------------------------------------------------


def test_signup_creates_an_unverified_user_and_emails_a_code(client, db):
    answer = client.post(
        "/accounts/signup/",
        {
            "email": "Fresh@Example.com",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )

    assert answer.status_code == 302
    user = User.objects.get()
    assert user.email.lower() == "fresh@example.com"
    address = EmailAddress.objects.get(user=user)
    assert not address.verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [address.email]
    # With verification by code, the person enters the emailed code next.
    assert answer["Location"] == "/accounts/confirm-email/"


def test_signup_with_a_taken_address_does_not_reveal_it_and_creates_nobody(client, owner_a):
    answer = client.post(
        "/accounts/signup/",
        {
            "email": "owner.a@example.com",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )

    # The same answer as for a new address (no account enumeration) ...
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/confirm-email/"
    # ... but no second account, and the owner of the address is told by email.
    assert User.objects.count() == 1
    assert [message.to for message in mail.outbox] == [["owner.a@example.com"]]
    assert owner_a.check_password(PASSWORD)


# --- Only a proved address sets up a business ----------------------------------------------------


@pytest.fixture
def unproved_client(client, merchant_a):
    """Signed in to an account whose address nobody proved (made when a card was enrolled)."""
    from members.services.enrolment import enrol_member

    member = enrol_member(merchant=merchant_a, email="unproved@example.com")
    client.force_login(member.user)
    return client


def test_an_unverified_address_is_sent_to_confirm_it_first(unproved_client):
    answer = unproved_client.post("/welcome/", _form())

    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/confirm-email/?next=%2Fwelcome%2F"
    assert not Merchant.objects.filter(name="Green Tea House").exists()
    assert [message.to for message in mail.outbox] == [["unproved@example.com"]]
    page = unproved_client.get(answer["Location"]).content.decode()
    assert "Confirm your email address first" in page
    assert unproved_client.get("/welcome/")["Location"].startswith("/accounts/confirm-email/")


def test_the_emailed_code_proves_the_address_and_opens_onboarding(unproved_client):
    answer = unproved_client.get("/welcome/")
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE).group(1)

    confirmed = unproved_client.post(answer["Location"], {"code": code})

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="unproved@example.com").verified
    assert unproved_client.get("/welcome/").status_code == 200
    assert unproved_client.post("/welcome/", _form())["Location"] == "/portal/"
