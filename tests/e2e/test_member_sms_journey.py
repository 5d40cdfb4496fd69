"""A customer who gave only a phone number joins, then signs in with a code texted to them —
on a phone screen, with an SMS backend configured."""

import re

import pytest
from playwright.sync_api import expect

from members import sms

PHONE_SCREEN = {"width": 390, "height": 844}


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "members.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def test_a_phone_only_customer_joins_and_signs_in_by_sms(
    live_server, new_page, sms_outbox, snapshot, merchant_a
):
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()
    page = new_page(viewport=PHONE_SCREEN)

    # Joins with a phone number only, typed the local way.
    page.goto(f"{live_server.url}/m/aroma/join")
    page.get_by_label("Phone", exact=True).fill("0744 555 666")
    page.get_by_label("First name").fill("Dan")
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.get_by_role("heading", name="Welcome to Aroma Café!")).to_be_visible()

    # Goes to sign in, and chooses the phone.
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Phone").fill("0744-555-666")
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_role("heading", name="Enter the code we sent you")).to_be_visible()
    assert [message.to for message in sms_outbox] == ["+40744555666"]
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)
    page.get_by_label("Code").fill(code)
    snapshot(page, "member-sms-code")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/m/aroma/")
    expect(page.get_by_role("heading", name="Hello, Dan")).to_be_visible()
    snapshot(page, "member-sms-card")

    # Signs out: the card is closed again.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/m/aroma/login")
    page.goto(f"{live_server.url}/m/aroma/")
    expect(page).to_have_url(re.compile(r"/m/aroma/login\?next="))
