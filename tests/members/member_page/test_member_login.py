"""Members sign in with a code mailed to them (allauth's login by code) and land on their card."""

import re

from allauth.account.models import EmailAddress
from django.test import Client

from members.services.enrolment import enrol_member


def _code(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+)\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def _request_code(client, slug, email, next_url=None):
    data = {"email": email}
    if next_url:
        data["next"] = next_url
    return client.post(f"/m/{slug}/login", data)


def test_the_card_sends_a_stranger_to_the_member_sign_in(client, merchant_a):
    answer = client.get("/m/aroma/history")

    assert answer.status_code == 302
    assert answer["Location"] == "/m/aroma/login?next=/m/aroma/history"


def test_sign_in_by_code_lands_on_the_card(client, merchant_a, ana, mailoutbox):
    # Ana joined at the till: her account has no allauth address row yet.
    assert not EmailAddress.objects.filter(user=ana.user).exists()

    answer = _request_code(client, "aroma", "ana@example.com", next_url="/m/aroma/")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/code/confirm/")
    assert "next=%2Fm%2Faroma%2F" in answer["Location"]
    assert mailoutbox[-1].to == ["ana@example.com"]
    confirm = client.post(answer["Location"], {"code": _code(mailoutbox[-1])})
    assert confirm.status_code == 302
    assert confirm["Location"] == "/m/aroma/"
    card = client.get("/m/aroma/")
    assert card.status_code == 200
    assert "Hello, Ana" in card.content.decode()
    # The code proved the address.
    assert EmailAddress.objects.get(user=ana.user).verified


def test_sign_in_returns_to_the_page_asked_for(client, merchant_a, ana, mailoutbox):
    asked = client.get("/m/aroma/profile")
    login_page = client.get(asked["Location"])
    assert 'name="next" value="/m/aroma/profile"' in login_page.content.decode()

    answer = _request_code(client, "aroma", "ana@example.com", next_url="/m/aroma/profile")
    confirm = client.post(answer["Location"], {"code": _code(mailoutbox[-1])})

    assert confirm["Location"] == "/m/aroma/profile"


def test_next_outside_the_merchant_is_ignored(client, merchant_a, merchant_b, ana):
    page = client.get("/m/aroma/login?next=https://evil.example/")
    assert 'name="next" value="/m/aroma/"' in page.content.decode()
    page = client.get("/m/aroma/login?next=/m/bee/")
    assert 'name="next" value="/m/aroma/"' in page.content.decode()


def test_an_unknown_email_tells_nobody_who_is_a_member(client, merchant_a, mailoutbox):
    answer = _request_code(client, "aroma", "nobody@example.com")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/code/confirm/")
    assert mailoutbox[-1].to == ["nobody@example.com"]
    assert "_auth_user_id" not in client.session


def test_a_bad_email_is_a_field_error(client, merchant_a):
    answer = _request_code(client, "aroma", "not-an-email")

    assert answer.status_code == 400
    assert answer.context["form"].errors["email"]


def test_a_signed_in_member_goes_straight_to_the_card(ana_client, merchant_a):
    answer = ana_client.get("/m/aroma/login")

    assert answer["Location"] == "/m/aroma/"


def test_a_person_with_no_card_here_is_told_so(ana_client, merchant_b):
    answer = ana_client.get("/m/bee/login")

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "No card at Bakery Bee" in html
    assert "ana@example.com" in html


def test_start_sends_a_customer_to_their_card(ana_client, merchant_a):
    assert ana_client.get("/start/")["Location"] == "/m/aroma/"


def test_start_still_sends_staff_to_the_portal(owner_client, merchant_a):
    assert owner_client.get("/start/")["Location"] == "/portal/"


def test_start_sends_a_person_with_neither_to_onboarding(merchant_a, merchant_b):
    member = enrol_member(merchant=merchant_b, email="gone@example.com")
    client = Client()
    client.force_login(member.user)
    member.user.member_cards.update(status="anonymized")

    assert client.get("/start/")["Location"] == "/welcome/"


def test_staff_still_sign_in_with_a_password(client, owner_a, merchant_a, password):
    answer = client.post("/accounts/login/", {"login": owner_a.email, "password": password})

    assert answer.status_code == 302
    assert client.get("/start/")["Location"] == "/portal/"


def test_the_code_page_wears_the_merchants_brand(client, merchant_a, ana, mailoutbox):
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()
    answer = _request_code(client, "aroma", "ana@example.com", next_url="/m/aroma/")

    page = client.get(answer["Location"]).content.decode()

    assert "--brand: #7c2d12" in page
    assert 'class="member-top"' in page and "Aroma Café" in page
    assert 'href="/m/aroma/"' in page
    assert 'class="member-page"' in page
    # A wrong code shows the page again, still in the brand (the next field travels with it).
    wrong = client.post(answer["Location"], {"code": "WRONG-CODE", "next": "/m/aroma/"})
    assert "--brand: #7c2d12" in wrong.content.decode()


def test_staff_sign_in_stays_in_fidelas_colours(client, merchant_a):
    page = client.get("/accounts/login/").content.decode()

    assert "--brand:" not in page and 'class="member-top"' not in page
    assert 'class="simple"' in page


# --- The mail is the merchant's, not the host's ------------------------------------------------


def test_the_sign_in_mail_is_the_merchants(client, merchant_a, ana, mailoutbox):
    _request_code(client, "aroma", "ana@example.com", next_url="/m/aroma/")

    [mail] = mailoutbox
    assert mail.subject == "Your Aroma Café sign-in code"
    assert mail.body.startswith("Hello from Aroma Café!")
    assert "Here is the code to open your Aroma Café card." in mail.body
    assert mail.from_email == '"Aroma Café" <noreply@fidela.localhost>'
    assert "testserver" not in mail.subject + mail.body
    # The link back is the card, at the site's public address.
    assert "http://127.0.0.1:8000/m/aroma/" in mail.body


def test_a_sign_in_asked_for_an_unknown_address_points_to_the_join_page(
    client, merchant_a, mailoutbox
):
    _request_code(client, "aroma", "nobody@example.com")

    [mail] = mailoutbox
    assert mail.subject == "Your Aroma Café sign-in"
    assert "No card has this address." in mail.body
    assert "http://127.0.0.1:8000/m/aroma/join" in mail.body
    assert "/accounts/signup/" not in mail.body


def test_staff_sign_in_mail_stays_fidelas(client, owner_a, mailoutbox):
    client.post("/accounts/login/code/", {"email": owner_a.email})

    [mail] = mailoutbox
    assert mail.subject == "[Fidela] Sign-in code"
    assert mail.body.startswith("Hello from Fidela!")
    assert "testserver" not in mail.subject + mail.body
