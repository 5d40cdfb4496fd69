"""At the till, a form sent after its page stayed open too long: the panel says so and offers
a reload, instead of Django's developer page; the reload brings a working page back."""

from playwright.sync_api import expect

from loyalty.models import Purchase
from members.services.enrolment import enrol_member
from tests.e2e.pos_helpers import TABLET, save_final_screen, sign_in_at_the_till


def test_an_expired_form_at_the_till_says_reload_and_the_reload_works(
    live_server, new_page, merchant_a, shop_a, cashier_a, password
):
    enrol_member(merchant=merchant_a, phone="+40721234567", first_name="Ana")
    page = new_page(viewport=TABLET)
    sign_in_at_the_till(page, live_server, cashier_a.email, password)
    page.get_by_label("Card, QR code, phone or email").fill("0721234567")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("heading", name="Ana")).to_be_visible()
    # What a token past its life looks like to the server (say after signing in again in
    # another tab): one it does not accept, in the header and in the forms.
    page.evaluate(
        """() => {
            document.body.setAttribute("hx-headers", '{"X-CSRFToken": "expired"}');
            for (const field of document.querySelectorAll("[name=csrfmiddlewaretoken]")) {
                field.value = "expired";
            }
        }"""
    )

    page.get_by_label("Amount (€)").fill("5.00")
    page.get_by_role("button", name="Record sale").click()

    panel = page.locator("#pos-panel")
    expect(panel.get_by_role("heading", name="This page was open too long")).to_be_visible()
    expect(panel).not_to_contain_text("CSRF verification failed")
    assert not Purchase.objects.exists()
    save_final_screen(page, "pos-csrf-expired")
    panel.get_by_role("link", name="Reload the page").click()

    expect(page).to_have_url(f"{live_server.url}/pos/")
    page.get_by_label("Card, QR code, phone or email").fill("0721234567")
    page.get_by_role("button", name="Find", exact=True).click()
    page.get_by_label("Amount (€)").fill("5.00")
    page.get_by_role("button", name="Record sale").click()
    expect(page.get_by_role("heading", name="+5 points for Ana")).to_be_visible()
    assert Purchase.objects.count() == 1
