"""Helpers of the POS journeys: signing in at the till and keeping the final screen."""

from pathlib import Path

from playwright.sync_api import expect

# Every POS journey keeps a screenshot of its final screen here, passed or failed, as the
# test's artifact (test-results/ is where CI collects them; it is not committed).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
MIN_TARGET = 44  # px, the smallest touch target

# The interactive elements of the visible page smaller than a finger, with their text.
SMALL_TARGETS = f"""
(() => [...document.querySelectorAll(
    "#main button, #main a.button, #main input:not([type=hidden]), #main summary")]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => {{
    const box = el.getBoundingClientRect();
    const checkbox = el.type === "checkbox";
    return checkbox ? box.height < 24 : box.height < {MIN_TARGET};
  }})
  .map((el) => `${{el.tagName}} ${{(el.textContent || el.name).trim().slice(0, 20)}}`
    + ` ${{Math.round(el.getBoundingClientRect().height)}}px`))()
"""


def save_final_screen(page, name: str, snapshot=None) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    if snapshot is not None:
        snapshot(page, name)
    return target


def sign_in_at_the_till(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/pos/")
    # The deferred scripts (htmx, pos.js) have run: a scan typed before them would be a plain
    # form post, which works too, but the journeys check that HTMX swaps the panels.
    page.wait_for_load_state("load")
