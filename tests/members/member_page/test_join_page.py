"""The public join page: enrolment in the brand, honest errors, and no help to bots."""

import re

import pytest
from django.contrib.auth import get_user_model

from members.member_page.access import JOIN_LIMIT
from members.models import Consent, Member, MemberSource
from members.services.enrolment import enrol_member

CHECK_YOUR_EMAIL = "/accounts/login/code/confirm/?next=%2Fm%2Faroma%2F"


def _code(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+)\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def _join(client, merchant, **fields):
    data = {"email": "", "phone": "", "first_name": "Ioana", "website": ""}
    data.update(fields)
    return client.post(f"/m/{merchant.slug}/join", data)


def test_join_page_shows_the_form_in_the_brand_with_consents_unticked(client, merchant_a):
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()

    page = client.get("/m/aroma/join?ref=ABCD2345")

    html = page.content.decode()
    assert page.status_code == 200
    assert "--brand: #7c2d12" in html
    assert "Join Aroma Café" in html
    assert 'value="ABCD2345"' in html
    for name in ("email_marketing", "sms_marketing"):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert "checked" not in box
    assert "Send me offers and news from Aroma Café by email." in html
    assert 'class="hp-field" aria-hidden="true"' in html
    assert 'rel="manifest"' in html


def test_unknown_merchant_is_404(client, db):
    assert client.get("/m/nobody/join").status_code == 404


def test_a_new_person_joins_and_opens_the_card_with_the_mailed_code(client, merchant_a, mailoutbox):
    answer = _join(
        client,
        merchant_a,
        email="Ioana@Example.com",
        birth_day="29",
        birth_month="2",
        email_marketing="on",
    )

    member = Member.objects.for_merchant(merchant_a).get(email="ioana@example.com")
    assert answer.status_code == 302
    assert answer["Location"] == CHECK_YOUR_EMAIL
    assert member.source == MemberSource.JOIN_PAGE
    assert (member.birth_day, member.birth_month, member.birth_year) == (29, 2, None)
    assert member.email_marketing and not member.sms_marketing
    consent = Consent.objects.get(member=member)
    assert consent.source == "join"
    assert consent.wording.startswith("Send me offers and news from Aroma Café by email.")
    # Typing an address proves nothing: no sign-in, no card, until the mailed code comes back.
    assert "_auth_user_id" not in client.session
    assert client.get("/m/aroma/").status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["ioana@example.com"]
    assert mail.subject == "Your Aroma Café sign-in code"
    assert "Welcome to Aroma Café! Your card is ready." in mail.body
    confirm = client.post(answer["Location"], {"code": _code(mail)})
    assert confirm["Location"] == "/m/aroma/"
    card = client.get("/m/aroma/")
    assert card.status_code == 200
    assert member.card_number[:3] in card.content.decode()


def _answer(client, merchant, email):
    """What the visitor sees: the status, where it leads, and that page without its token."""
    answer = _join(client, merchant, email=email)
    page = client.get(answer["Location"]).content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    page = re.sub(r' nonce="[^"]+"', "", page)  # the Content-Security-Policy's, per request
    return answer.status_code, answer["Location"], page.replace(email, "EMAIL")


def test_every_join_with_an_email_gets_the_same_check_your_email_answer(
    merchant_a, merchant_b, owner_b, mailoutbox
):
    from django.test import Client

    enrol_member(merchant=merchant_a, email="member.here@example.com")
    enrol_member(merchant=merchant_b, email="member.elsewhere@example.com")

    answers = {
        email: _answer(Client(), merchant_a, email)
        for email in (
            "new@example.com",
            "member.here@example.com",  # a member of this merchant already
            "member.elsewhere@example.com",  # an account, with a card at another merchant
            owner_b.email,  # an account of staff
        )
    }

    assert len(set(answers.values())) == 1, answers
    status, location, page = answers["new@example.com"]
    assert (status, location) == (302, CHECK_YOUR_EMAIL)
    assert 'sent a code to <a href="mailto:EMAIL">EMAIL</a>' in page
    assert "already" not in page
    # The owner of each address is told what happened; nobody else is.
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert set(mails) == set(answers)
    assert "Your card is ready" in mails["new@example.com"].body
    assert "You already have a card here" in mails["member.here@example.com"].body
    assert "Your card is ready" in mails["member.elsewhere@example.com"].body
    assert Member.objects.for_merchant(merchant_a).count() == 4


def test_an_existing_account_is_not_signed_in_without_proof(client, merchant_a, merchant_b):
    # Bob is a member at B; his account is older than this form.
    enrol_member(merchant=merchant_b, email="bob@example.com")

    answer = _join(client, merchant_a, email="bob@example.com")

    assert answer.status_code == 302
    assert answer["Location"] == CHECK_YOUR_EMAIL
    assert Member.objects.for_merchant(merchant_a).filter(email="bob@example.com").exists()
    assert "_auth_user_id" not in client.session
    assert client.get("/m/aroma/").status_code == 302
    assert client.get("/m/bee/").status_code == 302


def test_a_staff_account_is_not_signed_in_by_joining(client, merchant_a, owner_a):
    answer = _join(client, merchant_a, email=owner_a.email)

    assert answer["Location"] == CHECK_YOUR_EMAIL
    assert "_auth_user_id" not in client.session
    assert client.get("/portal/").status_code == 302


def test_a_phone_only_join_shows_the_card_once_in_this_browser(client, merchant_a):
    answer = _join(client, merchant_a, phone="0722 000 111")

    member = Member.objects.for_merchant(merchant_a).get(phone="+40722000111")
    assert answer["Location"] == "/m/aroma/welcome"
    welcome = client.get("/m/aroma/welcome")
    assert "<svg" in welcome.content.decode()
    assert member.card_number[-4:] in welcome.content.decode()
    # Another browser does not see it.
    from django.test import Client

    assert Client().get("/m/aroma/welcome")["Location"] == "/m/aroma/join"


def test_a_phone_only_join_opens_nothing_but_its_new_card(client, merchant_a, merchant_b):
    # The phone is not proved either: the welcome page shows the new card, and nothing more.
    _join(client, merchant_a, phone="0722 000 111")

    assert client.get("/m/aroma/welcome").status_code == 200
    assert client.get("/m/aroma/").status_code == 302
    assert client.get("/m/aroma/data.json").status_code == 302
    assert client.get("/m/bee/welcome")["Location"] == "/m/bee/join"


def test_a_duplicate_email_is_answered_by_mail_and_never_shows_the_card(
    client, merchant_a, ana, mailoutbox
):
    answer = _join(client, merchant_a, email="ANA@example.com", phone="")

    assert answer.status_code == 302
    assert answer["Location"] == CHECK_YOUR_EMAIL
    page = client.get(answer["Location"]).content.decode()
    assert "already" not in page.lower()
    for secret in (ana.card_number, ana.card_number[:3] + " " + ana.card_number[3:6], "Ana "):
        assert secret not in page
    assert Member.objects.for_merchant(merchant_a).count() == 1
    [mail] = mailoutbox
    assert mail.to == ["ana@example.com"]
    assert "You already have a card here, so no new card was made." in mail.body
    # The code in it opens Ana's card, for Ana, who has the mail.
    client.post(answer["Location"], {"code": _code(mail)})
    assert "Hello, Ana" in client.get("/m/aroma/").content.decode()


def test_a_new_email_with_a_members_phone_mails_no_code(client, merchant_a, ana, mailoutbox):
    answer = _join(client, merchant_a, email="someone@example.com", phone="0722 123 456")

    assert answer["Location"] == CHECK_YOUR_EMAIL
    [mail] = mailoutbox
    assert mail.to == ["someone@example.com"]
    assert "already has a card here" in mail.body
    assert not re.search(r"^[A-Z0-9]{2,}(-[A-Z0-9]{2,})+$", mail.body, re.MULTILINE)
    assert Member.objects.for_merchant(merchant_a).count() == 1
    assert "_auth_user_id" not in client.session


def test_a_duplicate_phone_in_another_format_is_caught(client, merchant_a, ana):
    answer = _join(client, merchant_a, phone="+40 722 123 456")

    html = answer.content.decode()
    assert answer.status_code == 400
    assert "already a member" not in html
    assert "We could not make a card with these details." in html
    assert ana.card_number not in html
    assert Member.objects.for_merchant(merchant_a).count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"phone": "12"}, "phone", "“12” is not a valid phone number."),
        ({"email": "ana@"}, "email", "“ana@” is not a valid email address."),
        (
            {"email": "x@example.com", "birth_day": "30", "birth_month": "2"},
            "birth_day",
            "30 February is not a date that exists.",
        ),
        (
            {"email": "x@example.com", "birth_day": "3"},
            "birth_day",
            "Choose both the day and the month of your birthday.",
        ),
        ({}, "email", "Give your email address or your phone number."),
        (
            {"email": "x@example.com", "referral_code": "nope2345"},
            "referral_code",
            "The referral code NOPE2345 is unknown.",
        ),
    ],
)
def test_bad_input_gets_a_field_error_that_says_what_is_wrong(
    client, merchant_a, fields, field, message
):
    answer = _join(client, merchant_a, **fields)

    assert answer.status_code == 400
    assert answer.context["form"].errors[field] == [message]
    assert message in answer.content.decode()
    assert not Member.objects.for_merchant(merchant_a).exists()


def test_a_known_referral_code_links_the_friend(client, merchant_a, ana):
    _join(client, merchant_a, email="friend@example.com", referral_code=ana.referral_code.lower())

    friend = Member.objects.for_merchant(merchant_a).get(email="friend@example.com")
    assert friend.referred_by == ana


def test_a_referral_code_of_another_merchant_is_unknown(client, merchant_a, bob_at_b):
    answer = _join(
        client, merchant_a, email="friend@example.com", referral_code=bob_at_b.referral_code
    )

    assert "referral_code" in answer.context["form"].errors


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_created(client, merchant_a):
    users = get_user_model().objects.count()

    answer = _join(client, merchant_a, email="bot@example.com", website="http://spam.example")

    assert answer.status_code == 200
    assert "Thank you" in answer.content.decode()
    assert not Member.objects.exists()
    assert get_user_model().objects.count() == users


def test_joins_are_rate_limited_per_ip(client, merchant_a):
    for number in range(JOIN_LIMIT):
        answer = _join(client, merchant_a, email=f"person{number}@example.com")
        assert answer.status_code == 302
        client.logout()

    answer = _join(client, merchant_a, email="one.too.many@example.com")

    assert answer.status_code == 429
    assert "Too many attempts" in answer.content.decode()
    assert "try again in an hour" in answer.content.decode()
    assert not Member.objects.filter(email="one.too.many@example.com").exists()
    # Another address is not held back.
    other = client.post(
        "/m/aroma/join",
        {"email": "elsewhere@example.com", "first_name": "E"},
        REMOTE_ADDR="10.9.8.7",
    )
    assert other.status_code == 302


def test_a_signed_in_person_joining_with_their_own_email_goes_to_the_card(
    client, merchant_a, merchant_b
):
    bob = enrol_member(merchant=merchant_b, email="bob@example.com")
    client.force_login(bob.user)

    answer = _join(client, merchant_a, email="bob@example.com")

    assert answer["Location"] == "/m/aroma/"
    assert client.get("/m/aroma/").status_code == 200
