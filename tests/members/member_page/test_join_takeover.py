"""The join page proves nothing about the address typed in, so it never signs anyone in.

The story an outside review told: a stranger joins merchant B with someone else's address.
Later that person is enrolled at merchant A and invited there as a manager. The stranger's
browser must see nothing of either: the account opens only with the code mailed to the address.
"""

import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client

from loyalty.models import Role, StaffMember
from loyalty.tenancy.services import invite_staff
from members.models import Member
from members.services.enrolment import enrol_member

VICTIM = "vera@example.com"


def _code(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+)\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def _join(client: Client, slug: str, email: str, **fields):
    data = {"email": email, "phone": "", "first_name": "Mallory", "website": ""}
    data.update(fields)
    return client.post(f"/m/{slug}/join", data)


def _sign_in_by_code(client: Client, slug: str, email: str, mailoutbox) -> None:
    answer = client.post(f"/m/{slug}/login", {"email": email, "next": f"/m/{slug}/"})
    confirm = client.post(answer["Location"], {"code": _code(mailoutbox[-1])})
    assert confirm.status_code == 302, confirm.content.decode()


@pytest.fixture
def stranger(merchant_b) -> Client:
    """A browser that joined merchant B with Vera's address."""
    client = Client()
    answer = _join(client, merchant_b.slug, VICTIM)
    assert answer.status_code == 302
    return client


def test_joining_with_someone_elses_address_signs_nobody_in(stranger, merchant_b):
    assert "_auth_user_id" not in stranger.session
    card = Member.objects.for_merchant(merchant_b).get(email=VICTIM)
    # The card is made; the address is not proved, so nothing of the account is trusted.
    assert not EmailAddress.objects.filter(user=card.user, verified=True).exists()
    answer = stranger.get("/m/bee/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/m/bee/login")


def test_the_stranger_sees_nothing_of_the_persons_later_card_and_staff_role(
    stranger, merchant_a, owner_a, mailoutbox
):
    # Vera is enrolled at the till of merchant A, then invited there as a manager.
    enrol_member(merchant=merchant_a, email=VICTIM, first_name="Vera")
    _invitation, token = invite_staff(
        merchant=merchant_a, actor=owner_a, email=VICTIM, role=Role.MANAGER
    )
    vera = Client()
    _sign_in_by_code(vera, "aroma", VICTIM, mailoutbox)
    accepted = vera.post(f"/invite/{token}/")
    assert accepted["Location"] == "/portal/"
    assert StaffMember.objects.get(user__email=VICTIM).merchant == merchant_a
    assert vera.get("/portal/members/?export=csv").status_code == 200

    for url in ("/m/aroma/", "/m/aroma/data.json", "/m/aroma/history"):
        answer = stranger.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith("/m/aroma/login"), url
    for url in ("/portal/", "/portal/members/", "/portal/members/?export=csv"):
        answer = stranger.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith("/accounts/login/"), url
    assert "_auth_user_id" not in stranger.session


def test_the_stranger_cannot_keep_the_account_by_adding_an_address(stranger):
    listed = stranger.get("/accounts/email/")
    added = stranger.post("/accounts/email/", {"action_add": "", "email": "mallory@example.com"})

    assert listed.status_code == 302 and listed["Location"].startswith("/accounts/login/")
    assert added.status_code == 302 and added["Location"].startswith("/accounts/login/")
    assert not EmailAddress.objects.filter(email="mallory@example.com").exists()


def test_the_stranger_cannot_create_a_merchant(stranger):
    answer = stranger.post("/welcome/", {"name": "Mallory's", "shop_name": "Main"})

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


def test_the_code_mailed_to_the_address_opens_the_new_card(client, merchant_b, mailoutbox):
    answer = _join(client, "bee", "ioana@example.com")

    assert mailoutbox[-1].to == ["ioana@example.com"]
    confirm = client.post(answer["Location"], {"code": _code(mailoutbox[-1])})

    assert confirm["Location"] == "/m/bee/"
    assert client.get("/m/bee/").status_code == 200
    member = Member.objects.for_merchant(merchant_b).get(email="ioana@example.com")
    assert EmailAddress.objects.get(user=member.user).verified


def test_the_mailed_code_still_opens_the_card_after_a_few_minutes(client, merchant_b, mailoutbox):
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as clock:
        answer = _join(client, "bee", "ioana@example.com")
        clock.shift(8 * 60)  # read the mail, came back

        confirm = client.post(answer["Location"], {"code": _code(mailoutbox[-1])})

    assert confirm["Location"] == "/m/bee/"
