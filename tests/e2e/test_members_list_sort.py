"""An owner sorts the members list by its column headers (highest balance first, then the
reverse, with the filters' "Order" following), and the table fits: inside its container on a
1366 px laptop, and scrolling within its own region on a 390 px phone, never the page.

Members are enrolled and credited through the real services; the longest texts a row shows
(a long email, a long name, a four-figure spend) are there so that the widths are honest.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from loyalty.points.ledger import adjust_points
from loyalty.points.purchases import record_purchase
from members.services.enrolment import enrol_member

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Runs before the page's scripts: any Content-Security-Policy violation is kept.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI || "inline"}`);
});
"""
PEOPLE = [
    ("Ana", "Pop", "ana.pop@example.com", 300, "25.00"),
    (
        "Bogdan-Alexandru",
        "Constantinescu",
        "bogdan.alexandru.constantinescu@example.com",
        40,
        "1250.00",
    ),
    ("Carla", "Zed", "carla.zed@example.com", 1200, "80.00"),
    ("Dan", "Ionescu", "dan.ionescu@example.com", 5, "9.50"),
]


def names_in_order(page) -> list[str]:
    return page.locator("table.members tbody th[scope=row] a").all_inner_texts()


def settled_box(locator) -> dict:
    """The element's box once it is on the page: an htmx swap still in flight (the filter's
    second trigger) detaches the old table for a moment, and a detached element has no box."""
    for _attempt in range(20):
        expect(locator).to_be_visible()
        box = locator.bounding_box()
        if box is not None:
            return box
    raise AssertionError(f"{locator} never settled on the page")


def sign_in(page, live_server, email: str, password: str) -> None:
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")


def members(merchant, shop, owner) -> None:
    for n, (first, last, email, points, spend) in enumerate(PEOPLE):
        member = enrol_member(
            merchant=merchant,
            email=email,
            phone=f"+4072123456{n}",
            first_name=first,
            last_name=last,
        )
        record_purchase(
            shop=shop,
            member=member,
            external_id=f"R-{n}",
            amount=Decimal(spend),
            occurred_at=timezone.now() - timedelta(days=n + 1),
        )
        member.refresh_from_db()
        adjust_points(
            member=member, points=points - member.points_balance, reason="e2e", actor=owner
        )


def test_owner_sorts_members_by_a_header_and_the_table_fits(
    live_server, new_page, snapshot, merchant_a, shop_a, owner_a, password
):
    members(merchant_a, shop_a, owner_a)
    page = new_page(viewport=LAPTOP)
    sign_in(page, live_server, owner_a.email, password)
    page.goto(f"{live_server.url}/portal/members/")
    table = page.locator("table.members")
    expect(table).to_be_visible()
    page.evaluate("window.__noReload = true")

    balance = page.locator("thead th", has=page.get_by_role("link", name="Balance"))
    page.get_by_role("link", name="Balance").click()
    expect(balance).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(f"{live_server.url}/portal/members/?sort=-balance")
    assert names_in_order(page) == [
        "Carla Zed",
        "Ana Pop",
        "Bogdan-Alexandru Constantinescu",
        "Dan Ionescu",
    ]
    expect(page.get_by_label("Order")).to_have_value("-balance")  # the filters keep it

    page.get_by_role("link", name="Balance").click()
    expect(balance).to_have_attribute("aria-sort", "ascending")
    assert names_in_order(page) == [
        "Dan Ionescu",
        "Bogdan-Alexandru Constantinescu",
        "Ana Pop",
        "Carla Zed",
    ]
    expect(page.get_by_label("Order")).to_have_value("balance")
    assert page.evaluate("window.__noReload") is True  # htmx swapped the list

    # A filter afterwards keeps the order the header chose.
    page.get_by_text("Filters and order").click()
    page.get_by_label("Balance from (points)").fill("10")
    page.get_by_label("Balance from (points)").press("Enter")
    expect(page.locator("table.members tbody tr")).to_have_count(3)
    assert names_in_order(page) == ["Bogdan-Alexandru Constantinescu", "Ana Pop", "Carla Zed"]
    expect(balance).to_have_attribute("aria-sort", "ascending")

    # 1366 px: the whole table, "Joined" included, inside its container.
    wrap = settled_box(page.locator(".table-wrap"))
    box = settled_box(table)
    assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 0.5, page.evaluate(HEADER_WIDTHS)
    assert page.locator("main").evaluate("m => m.scrollWidth <= m.clientWidth")
    # The filters' drop-downs show their whole text.
    assert page.evaluate(CUT_SELECTS) == []
    snapshot(page, "members-list-sorted-laptop")

    # 390 px: the table scrolls inside its labelled region; the page itself does not.
    phone = new_page(viewport=PHONE)
    sign_in(phone, live_server, owner_a.email, password)
    phone.goto(f"{live_server.url}/portal/members/?sort=-balance")
    region = phone.get_by_role("region", name="Members")
    expect(region).to_be_visible()
    assert region.evaluate("r => getComputedStyle(r).overflowX") == "auto"
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), (
        phone.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    )
    region.focus()
    expect(region).to_be_focused()  # reachable by keyboard, so arrow keys scroll it
    snapshot(phone, "members-list-phone")
    assert page.evaluate("window.__violations") == []
    assert phone.evaluate("window.__violations") == []


# Selects whose chosen option is wider than the box shows (text cut with an ellipsis).
CUT_SELECTS = """
(() => {
  const canvas = document.createElement("canvas").getContext("2d");
  const cut = [];
  for (const select of document.querySelectorAll(".member-filters select")) {
    const style = getComputedStyle(select);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const room = select.clientWidth - padding - 20;  // 20 px for the drop-down's arrow
    for (const option of select.options) {
      if (canvas.measureText(option.text).width > room) cut.push(`${select.name}: ${option.text}`);
    }
  }
  return cut;
})()
"""
HEADER_WIDTHS = """
[...document.querySelectorAll("table.members thead th")]
  .map(t => `${t.textContent}=${t.offsetWidth}`)
"""
