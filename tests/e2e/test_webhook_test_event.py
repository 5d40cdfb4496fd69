"""An owner sends a test event to a webhook endpoint and sees it arrive in the log."""

import json

from playwright.sync_api import expect

from loyalty.webhooks import services
from tests.loyalty.webhooks import conftest as webhook_fixtures

# The real receiver on 127.0.0.1 and the setting that lets an endpoint point at it.
receiver = webhook_fixtures.receiver
insecure = webhook_fixtures.insecure
_consumer_registered = webhook_fixtures._consumer_registered  # autouse


def test_owner_sends_a_test_event_and_sees_it_in_the_log(
    live_server, page, owner_a, merchant_a, password, receiver, insecure
):
    endpoint = services.create_endpoint(
        merchant=merchant_a, actor=owner_a, url=receiver.url, events=["member.joined"]
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")

    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name=endpoint.url).click()
    page.get_by_role("button", name="Send a test event").click()

    expect(page.get_by_text("Test event sent: your receiver answered 204.")).to_be_visible()
    log = page.locator("#log")
    expect(log.get_by_text("webhook.test")).to_be_visible()
    expect(log.get_by_text("Delivered")).to_be_visible()
    expect(log.get_by_role("list").first).to_contain_text("204")
    [request] = receiver.requests
    assert json.loads(request.body)["type"] == "webhook.test"
