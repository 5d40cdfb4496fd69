"""A customer joins on the join page, opens the card with the code mailed to them, sees its QR
code, signs out, signs in again by code, changes a consent and downloads their data — on a
phone screen."""

import json
import re
from pathlib import Path

from playwright.sync_api import expect

from members.models import Consent, Member

PHONE = {"width": 390, "height": 844}
EMAIL = "irina@example.com"


def _sign_in_code(message) -> str:
    # allauth's codes look like "K7QX-M2PD".
    match = re.search(r"^\s*([A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+)\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def test_a_customer_joins_signs_in_by_code_and_manages_their_data(
    live_server, new_page, mailoutbox, snapshot, merchant_a
):
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()
    page = new_page(viewport=PHONE)
    card_url = f"{live_server.url}/m/aroma/"

    # Joins: email, first name, a birthday without the year; consents stay as they are (off).
    page.goto(f"{live_server.url}/m/aroma/join")
    expect(page.get_by_role("heading", name="Join Aroma Café")).to_be_visible()
    expect(
        page.get_by_label("Send me offers and news from Aroma Café by email.")
    ).not_to_be_checked()
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("First name").fill("Irina")
    page.get_by_label("Day").select_option("12")
    page.get_by_label("Month", exact=True).select_option("8")
    snapshot(page, "member-join")
    page.get_by_role("button", name="Join", exact=True).click()

    # The address is proved with the code mailed to it; then the card, with its QR code.
    expect(page.get_by_label("Code")).to_be_visible()
    assert mailoutbox[-1].to == [EMAIL]
    assert mailoutbox[-1].subject == "Your Aroma Café sign-in code"
    page.get_by_label("Code").fill(_sign_in_code(mailoutbox[-1]))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(card_url)
    expect(page.get_by_role("heading", name="Hello, Irina")).to_be_visible()
    qr = page.get_by_role("img", name="QR code of your card, to scan at the till")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 220
    member = Member.objects.get(merchant=merchant_a, email=EMAIL)
    expect(page.locator(".card-number")).to_have_text(
        f"{member.card_number[:3]} {member.card_number[3:6]} {member.card_number[6:]}"
    )
    expect(page.get_by_text("No purchases yet.")).to_be_visible()
    snapshot(page, "member-card")

    # Signs out, and back in with the code from the mail.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/m/aroma/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_label("Code")).to_be_visible()
    assert mailoutbox[-1].to == [EMAIL]
    page.get_by_label("Code").fill(_sign_in_code(mailoutbox[-1]))
    snapshot(page, "member-code")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(card_url)

    # Turns on email offers on the profile page, with one button, and sees it saved.
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("button", name="Turn on Email offers").click()
    expect(page.get_by_role("status")).to_contain_text("Email offers: on.")
    expect(page.get_by_role("button", name="Turn off Email offers")).to_be_visible()
    consent = Consent.objects.get(member=member)
    assert (consent.granted, consent.source) == (True, "member_page")
    snapshot(page, "member-profile")

    # Downloads their data.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename == "aroma-my-data.json"
    data = json.loads(Path(download.value.path()).read_text())
    assert data["profile"]["email"] == EMAIL
    assert data["profile"]["birthday"] == "--08-12"
    assert data["consents"]["email_marketing"] is True
