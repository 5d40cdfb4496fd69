"""An owner signs up, sets up the business and invites a cashier, who joins and reaches the POS."""

import re

from playwright.sync_api import expect

from loyalty.models import Merchant, Role, StaffMember, User

OWNER_EMAIL = "ana@aroma.example"
CASHIER_EMAIL = "bogdan@aroma.example"
OWNER_PASSWORD = "Espresso-at-7-sharp"
CASHIER_PASSWORD = "Latte-art-every-day"


def _verification_code(message) -> str:
    # allauth's codes look like "K7QX-M2PD".
    match = re.search(r"^\s*([A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+)\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def _invitation_link(message) -> str:
    match = re.search(r"https?://\S+/invite/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def test_owner_sets_up_the_business_and_a_cashier_joins_it(
    live_server, settings, mailoutbox, page, new_page, snapshot
):
    # Invitation links are absolute; they must point at the server under test.
    settings.SITE_URL = live_server.url

    # The owner signs up.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password", exact=True).fill(OWNER_PASSWORD)
    page.get_by_label("Password (again)").fill(OWNER_PASSWORD)
    snapshot(page, "signup")
    page.get_by_role("button", name="Sign Up").click()

    # The address is proved with the code from the verification mail.
    expect(page.get_by_role("heading", name="Enter Email Verification Code")).to_be_visible()
    assert mailoutbox[-1].to == [OWNER_EMAIL]
    snapshot(page, "verify-email")
    page.get_by_label("Code").fill(_verification_code(mailoutbox[-1]))
    page.get_by_role("button", name="Confirm").click()

    # Onboarding: the business and its first shop.
    expect(page).to_have_url(f"{live_server.url}/welcome/")
    expect(page.get_by_role("heading", name="Set up your business")).to_be_visible()
    page.get_by_label("Business name").fill("Aroma Café")
    page.get_by_label("First shop").fill("Old Town")
    page.get_by_label("Shop address").fill("Strada Sforii 1, Brașov")
    snapshot(page, "onboarding")
    page.get_by_role("button", name="Create my business").click()

    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("status")).to_contain_text("Welcome to Fidela, Aroma Café is ready.")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("heading", name="Aroma Café is set up")).to_be_visible()
    snapshot(page, "portal-dashboard")

    # Settings → Staff: invite a cashier for the shop.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings sections").get_by_role(
        "link", name="Staff"
    ).click()
    expect(page).to_have_url(f"{live_server.url}/portal/settings/staff/")
    invite = page.get_by_role("form", name="Invite someone")
    invite.get_by_label("Email").fill(CASHIER_EMAIL)
    invite.get_by_label("Role").select_option(label="Cashier")
    invite.get_by_label("Shop").select_option(label="Old Town")
    invite.get_by_role("button", name="Send the invitation").click()

    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {CASHIER_EMAIL}.")
    waiting = page.get_by_role("table", name="Invitations waiting for an answer")
    expect(waiting.get_by_role("row", name=CASHIER_EMAIL)).to_contain_text("Cashier · Old Town")
    snapshot(page, "portal-settings-staff")

    # The cashier, on another device, opens the link from the email and sets a password.
    assert mailoutbox[-1].to == [CASHIER_EMAIL]
    cashier = new_page()
    cashier.goto(_invitation_link(mailoutbox[-1]))
    expect(cashier.get_by_role("heading", name="Join Aroma Café")).to_be_visible()
    expect(cashier.get_by_text("You will work at Old Town.")).to_be_visible()
    snapshot(cashier, "invitation")
    cashier.get_by_label("Choose a password").fill(CASHIER_PASSWORD)
    cashier.get_by_label("Repeat the password").fill(CASHIER_PASSWORD)
    cashier.get_by_role("button", name="Set my password and join").click()

    expect(cashier).to_have_url(f"{live_server.url}/pos/")
    expect(cashier.get_by_role("banner").get_by_text("You are at Old Town")).to_be_visible()
    expect(cashier.get_by_role("status")).to_contain_text("You joined Aroma Café.")
    snapshot(cashier, "pos")

    merchant = Merchant.objects.get(name="Aroma Café")
    shop = merchant.shops.get()
    assert shop.name == "Old Town"
    assert StaffMember.objects.get(merchant=merchant, user__email=OWNER_EMAIL).role == Role.OWNER
    cashier_staff = StaffMember.objects.get(merchant=merchant, user__email=CASHIER_EMAIL)
    assert cashier_staff.role == Role.CASHIER
    assert cashier_staff.shop == shop
    assert User.objects.get(email=CASHIER_EMAIL).check_password(CASHIER_PASSWORD)
