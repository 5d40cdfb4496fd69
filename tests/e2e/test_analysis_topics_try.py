"""A manager adds a topic keyword and tries a sentence on the Comment topics page: the
answer comes through HTMX, uses the new keyword, and the page breaks no
Content-Security-Policy rule."""

from playwright.sync_api import expect

from tests.e2e.test_insights_cohorts import LISTEN


def test_manager_adds_a_keyword_and_tries_a_sentence(
    live_server, page, snapshot, merchant_a, manager_a, password
):
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(manager_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
    page.goto(f"{live_server.url}/portal/feedback/topics/")

    page.get_by_label("Topic", exact=True).select_option("availability")
    page.locator("#id_language").select_option("en")
    page.get_by_label("Word or phrase").fill("oat milk")
    page.get_by_role("button", name="Add the keyword").click()
    expect(page.get_by_text("“oat milk” now counts for Product availability.")).to_be_visible()
    expect(page.get_by_role("row", name="Product availability")).to_contain_text("oat milk")

    page.get_by_label("A customer's comment").fill("No oat milk again and the barista was rude")
    page.get_by_role("button", name="Try it").click()
    result = page.locator("#try-result")
    expect(result).to_contain_text("Negative")
    expect(result).to_contain_text("Product availability")
    expect(result).to_contain_text("Staff")
    # HTMX swapped the answer in: the page stayed where it was.
    expect(page).to_have_url(f"{live_server.url}/portal/feedback/topics/")
    snapshot(page, "feedback-topics")
    assert page.evaluate("window.__violations") == []
