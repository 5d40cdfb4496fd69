"""An owner signs in with the keyboard alone, and the portal fits a phone screen."""

from playwright.sync_api import expect

from loyalty.models import Role
from loyalty.tenancy.services import invite_staff

PHONE = {"width": 390, "height": 844}
# Skip link, the brand and the "sign up" link come before the email field.
MAX_TABS_TO_EMAIL = 5
# Names the elements that reach past the right edge and are not clipped by a scrolling box
# (absolutely positioned ones escape a box that is not itself positioned).
WIDER_THAN_THE_SCREEN = """
(() => {
  const escapes = (el) => {
    const absolute = ["absolute", "fixed"].includes(getComputedStyle(el).position);
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (style.overflowX !== "visible" && (!absolute || style.position !== "static")) {
        return false;
      }
    }
    return true;
  };
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5 && escapes(el))
    .slice(0, 8)
    .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">`
      + ` ${el.textContent.trim().slice(0, 30)} (right edge`
      + ` ${Math.round(el.getBoundingClientRect().right)}px)`);
})()
"""


def _is_focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def _sign_in(page, live_server, email, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")


def test_owner_signs_in_with_the_keyboard_only(
    live_server, page, snapshot, owner_a, merchant_a, password
):
    page.goto(f"{live_server.url}/accounts/login/")
    email = page.get_by_label("Email")
    password_field = page.get_by_label("Password")

    for _ in range(MAX_TABS_TO_EMAIL):
        page.keyboard.press("Tab")
        if _is_focused(email):
            break
    assert _is_focused(email), f"the email field is not among the first {MAX_TABS_TO_EMAIL} tabs"
    # Keyboard users must see where they are.
    assert email.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.type(owner_a.email)

    page.keyboard.press("Tab")
    expect(password_field).to_be_focused()
    page.keyboard.type(password)
    snapshot(page, "login")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Aroma Café")


def test_portal_fits_a_phone_screen(
    live_server, new_page, snapshot, owner_a, merchant_a, shop_a, password
):
    invite_staff(
        merchant=merchant_a,
        actor=owner_a,
        email="a.cashier.with.a.rather.long.address@example.com",
        role=Role.CASHIER,
        shop=shop_a,
    )
    page = new_page(viewport=PHONE)
    _sign_in(page, live_server, owner_a.email, password)

    for path in [
        "/portal/",
        "/portal/settings/profile/",
        "/portal/settings/shops/",
        "/portal/settings/staff/",
        "/portal/settings/api-keys/",
        "/portal/settings/audit/",
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("main")).to_be_visible()
        snapshot(page, "phone" + path.rstrip("/").replace("/", "-"))
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width, (
            f"{path} is {scroll_width}px wide on a phone; too wide: "
            f"{page.evaluate(WIDER_THAN_THE_SCREEN)}"
        )
