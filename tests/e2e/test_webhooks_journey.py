"""An owner connects a webhook to a receiver, watches a delivery arrive and sends it again."""

import json

from playwright.sync_api import expect

from loyalty.tasks import drain_outbox
from loyalty.webhooks.delivery import send_due_deliveries
from members.services.enrolment import enrol_member
from tests.loyalty.webhooks import conftest as webhook_fixtures

# The real receiver on 127.0.0.1 and the setting that lets an endpoint point at it.
receiver = webhook_fixtures.receiver
insecure = webhook_fixtures.insecure
_consumer_registered = webhook_fixtures._consumer_registered  # autouse


def test_owner_connects_a_webhook_and_sends_a_delivery_again(
    live_server,
    page,
    snapshot,
    owner_a,
    merchant_a,
    shop_a,
    password,
    receiver,
    insecure,
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")

    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="Add an endpoint").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description").fill("Newsletter tool")
    page.get_by_label("A member joined").check()
    snapshot(page, "webhook-new")
    page.get_by_role("button", name="Save").click()

    secret = page.get_by_label("Signing secret")
    assert secret.input_value().startswith("whsec_")

    enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    drain_outbox()
    assert send_due_deliveries() == 1
    page.reload()
    expect(page.get_by_text("Delivered")).to_be_visible()
    snapshot(page, "webhook-detail")

    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("will be sent again")).to_be_visible()
    assert send_due_deliveries() == 1
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["member.joined"] * 2
