"""An owner copies a command of the till guide and a new API key with their Copy buttons."""

import pytest
from playwright.sync_api import expect

from loyalty.portal.views.till_guide import examples
from tests.e2e.conftest import TIMEOUT_MS, VIEWPORT


@pytest.fixture
def clipboard_page(browser):
    """A page whose context may read and write the clipboard (the `new_page` one may not)."""
    context = browser.new_context(
        viewport=VIEWPORT, permissions=["clipboard-read", "clipboard-write"]
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def _sign_in(page, live_server, user, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")


def test_copy_puts_the_command_on_the_clipboard_and_says_copied(
    live_server, clipboard_page, owner_a, merchant_a, password
):
    page = clipboard_page
    _sign_in(page, live_server, owner_a, password)
    page.goto(f"{live_server.url}/portal/settings/api/")
    expected = examples(merchant_a, key="$FIDELA_KEY", base=f"{live_server.url}/api/v1")[0]

    section = page.locator(f"#example-{expected.slug}")
    button = section.get_by_role("button", name=f"Copy {expected.title}")
    button.click()

    expect(button).to_have_text("Copied")
    expect(section.get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == expected.command
    # The API address is the one in the browser, with its port.
    assert page.locator("#api-address").inner_text() == f"{live_server.url}/api/v1/"


def test_a_long_command_wraps_inside_a_phone_screen(
    live_server, clipboard_page, owner_a, merchant_a, password
):
    page = clipboard_page
    page.set_viewport_size({"width": 375, "height": 740})
    _sign_in(page, live_server, owner_a, password)
    page.goto(f"{live_server.url}/portal/settings/api/")

    block = page.locator("#example-purchase pre.example")
    sizes = block.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1]  # nothing hidden to the right


def test_copy_puts_a_new_api_key_on_the_clipboard(
    live_server, clipboard_page, owner_a, merchant_a, shop_a, password
):
    page = clipboard_page
    _sign_in(page, live_server, owner_a, password)
    page.goto(f"{live_server.url}/portal/settings/api-keys/")
    page.get_by_label("Shop").select_option(label=shop_a.name)
    page.get_by_label("Name").fill("Till 1")
    page.get_by_role("button", name="Create the key").click()

    key = page.locator("#new-key").input_value()
    assert key
    button = page.get_by_role("button", name="Copy the API key")
    button.click()

    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == key
