"""/invite/<token>/: the link in the invitation email."""

import re
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress

from loyalty.errors import NotAllowed
from loyalty.models import Role, StaffMember, User
from loyalty.tenancy.services import (
    accept_invitation,
    accept_invitation_with_new_account,
    find_invitation,
    invite_staff,
    revoke_invitation,
)
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def cashier_invitation(merchant_a, owner_a, shop_a):
    invitation, token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="new@example.com", role=Role.CASHIER, shop=shop_a
    )
    return invitation, f"/invite/{token}/"


def test_new_person_sets_a_password_and_lands_at_the_pos(client, cashier_invitation, merchant_a):
    _invitation, url = cashier_invitation
    page = client.get(url)
    assert page.status_code == 200
    assert "Join Aroma Café" in page.content.decode()
    assert "You will work at Old Town." in page.content.decode()

    answer = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert answer.status_code == 302
    assert answer["Location"] == "/pos/"
    user = User.objects.get(email="new@example.com")
    assert user.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    staff = StaffMember.objects.get(user=user)
    assert (staff.merchant, staff.role, staff.shop.name) == (merchant_a, Role.CASHIER, "Old Town")
    # Signed in already.
    assert "You are at Old Town" in client.get("/pos/").content.decode()


def test_a_refused_acceptance_leaves_no_account_behind(cashier_invitation, owner_a):
    """The account and the role are one transaction: an invitation withdrawn while the form
    was being filled in (after the page checked it) makes no account."""
    invitation, _url = cashier_invitation
    revoke_invitation(invitation=invitation, actor=owner_a)

    with pytest.raises(NotAllowed) as refused:
        accept_invitation_with_new_account(invitation=invitation, password=NEW_PASSWORD)

    assert refused.value.code == "invitation_closed"
    assert not User.objects.filter(email="new@example.com").exists()


def test_new_person_can_sign_in_later_with_the_chosen_password(client, cashier_invitation):
    _invitation, url = cashier_invitation
    client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()

    assert client.login(email="new@example.com", password=NEW_PASSWORD)


def test_a_manager_invitation_lands_in_the_portal(client, merchant_a, owner_a):
    _invitation, token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="boss@example.com", role=Role.MANAGER
    )

    answer = client.post(
        f"/invite/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert answer["Location"] == "/portal/"


def test_passwords_that_differ_are_refused(client, cashier_invitation):
    _invitation, url = cashier_invitation

    answer = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})

    assert answer.status_code == 400
    assert "The two passwords differ." in answer.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    assert find_invitation(url.split("/")[2]).is_open


def test_a_weak_password_is_refused(client, cashier_invitation):
    _invitation, url = cashier_invitation

    answer = client.post(url, {"password1": "12345678", "password2": "12345678"})

    assert answer.status_code == 400
    assert "This password is too common." in answer.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_a_used_invitation_is_no_longer_valid(client, cashier_invitation):
    _invitation, url = cashier_invitation
    client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()

    answer = client.get(url)

    assert answer.status_code == 410
    assert "This invitation is no longer valid" in answer.content.decode()
    assert client.post(url, {"password1": "x", "password2": "x"}).status_code == 410


def test_a_withdrawn_invitation_is_no_longer_valid(client, cashier_invitation, owner_a):
    invitation, url = cashier_invitation
    revoke_invitation(invitation=invitation, actor=owner_a)

    assert client.get(url).status_code == 410


def test_an_unknown_token_is_404(client, db):
    answer = client.get("/invite/not-a-real-token/")

    assert answer.status_code == 404
    assert "This page does not exist" in answer.content.decode()


def test_the_invitation_page_is_never_cached(client, cashier_invitation):
    _invitation, url = cashier_invitation
    assert "no-store" in client.get(url)["Cache-Control"]


def test_an_existing_user_must_sign_in_first(client, merchant_a, owner_a):
    UserFactory(email="known@example.com")
    _invitation, token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="known@example.com", role=Role.MANAGER
    )
    url = f"/invite/{token}/"

    page = client.get(url)
    assert "Sign in to accept" in page.content.decode()
    assert 'name="password1"' not in page.content.decode()

    answer = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/login/?next={url}"
    assert not StaffMember.objects.filter(user__email="known@example.com").exists()


def test_an_existing_user_signed_in_accepts_with_one_click(client, merchant_a, owner_a):
    user = UserFactory(email="known@example.com")
    _invitation, token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="known@example.com", role=Role.MANAGER
    )
    assert client.login(email="known@example.com", password=PASSWORD)
    assert "Signed in as known@example.com" in client.get(f"/invite/{token}/").content.decode()

    answer = client.post(f"/invite/{token}/")

    assert answer["Location"] == "/portal/"
    assert StaffMember.objects.get(user=user).merchant == merchant_a


def test_someone_signed_in_with_another_address_is_told_so(client, cashier_invitation):
    _invitation, url = cashier_invitation
    other = UserFactory(email="other@example.com")
    client.force_login(other)

    answer = client.post(url)

    assert answer.status_code == 400
    assert "This invitation was sent to new@example.com" in answer.content.decode()
    assert not StaffMember.objects.filter(user=other).exists()
    assert not User.objects.filter(email="new@example.com").exists()


# --- Only a proved address accepts ---------------------------------------------------------------


@pytest.fixture
def unproved(merchant_b):
    """An account made when someone typed vera@example.com on a join page: nothing proved."""
    from members.services.enrolment import enrol_member

    return enrol_member(merchant=merchant_b, email="vera@example.com").user


@pytest.fixture
def vera_invitation(merchant_a, owner_a):
    _invitation, token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="vera@example.com", role=Role.MANAGER
    )
    return f"/invite/{token}/"


def test_an_unverified_account_is_sent_to_confirm_its_address(
    client, unproved, vera_invitation, mailoutbox
):
    client.force_login(unproved)

    answer = client.post(vera_invitation)

    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/confirm-email/?{urlencode({'next': vera_invitation})}"
    assert not StaffMember.objects.filter(user=unproved).exists()
    assert [message.to for message in mailoutbox] == [["vera@example.com"]]
    page = client.get(answer["Location"]).content.decode()
    assert "Confirm your email address first" in page


def test_once_the_code_proves_the_address_the_invitation_is_accepted(
    client, unproved, vera_invitation, mailoutbox, merchant_a
):
    client.force_login(unproved)
    answer = client.post(vera_invitation)
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mailoutbox[-1].body, re.MULTILINE).group(1)
    client.post(answer["Location"], {"code": code})

    accepted = client.post(vera_invitation)

    assert accepted["Location"] == "/portal/"
    assert StaffMember.objects.get(user=unproved).merchant == merchant_a


def test_the_service_refuses_an_unverified_address(unproved, vera_invitation):
    from loyalty.errors import DomainError

    invitation = find_invitation(vera_invitation.split("/")[2])

    with pytest.raises(DomainError) as refused:
        accept_invitation(invitation=invitation, user=unproved)

    assert refused.value.code == "email_unverified"
    assert not StaffMember.objects.filter(user=unproved).exists()
