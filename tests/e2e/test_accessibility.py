"""axe-core (Deque's accessibility engine) on the key pages of the portal, the POS and the member
page, with demo-like data: a page fails on any "serious" or "critical" violation; "moderate" ones
are printed per page and gathered in a summary at the end of the run.

axe.min.js comes from the installed axe-playwright-python package (no CDN) and is injected with
Playwright's page.evaluate, which the page's Content-Security-Policy does not govern: each page
checks that it was served under the strict policy, that axe-core answered, and that neither axe
nor the page tripped the policy (no `securitypolicyviolation` event).
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from loyalty.models import Shop
from loyalty.points.purchases import record_purchase
from loyalty.tasks import drain_outbox
from loyalty.webhooks.services import create_endpoint
from members.member_page.views.card import HISTORY_PAGE_SIZE
from members.models import Member
from rewards.models import RewardKind
from rewards.services import redeem_reward
from tests.e2e.sessions import sign_in_browser
from tests.loyalty.test_focus_ring import contrast
from tests.personas import make_ana

PHONE = {"width": 390, "height": 844}
DEMO_BRAND = "#9a3412"  # loyalty/demo/seed.py
LIGHT_BRAND = "#fde047"
FAILING = {"serious", "critical"}
AXE = Axe()
# Moderate violations of every page run, printed after the run (see _moderate_summary).
MODERATE: dict[str, list[str]] = {}
# Runs before any script of the page: collects what the Content-Security-Policy blocks.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@dataclass
class Data:
    """The data a page needs: Ana with purchases and a voucher, a webhook endpoint."""

    ana: Member
    till: Shop
    reward_id: int
    endpoint_id: int


@pytest.fixture
def data(merchant_a, shop_a, owner_a) -> Data:
    merchant_a.brand_color = DEMO_BRAND
    merchant_a.save()
    ana = make_ana(merchant_a, shop=shop_a)
    for number in range(3):
        record_purchase(
            shop=shop_a, member=ana, external_id=f"R-{number}", amount=Decimal("450.00")
        )
    ana.refresh_from_db()
    reward = merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)
    redeem_reward(member=ana, reward=reward, actor=owner_a)
    endpoint = create_endpoint(
        merchant=merchant_a, actor=owner_a, url="https://8.8.8.8/hooks", events=["member.joined"]
    )
    drain_outbox()  # the daily statistics the dashboard and insights read
    return Data(ana=ana, till=shop_a, reward_id=reward.pk, endpoint_id=endpoint.pk)


def _signed_in(new_page, live_server, user, viewport=None) -> Page:
    page = new_page(viewport=viewport) if viewport else new_page()
    if user is None:
        return page
    sign_in_browser(page.context, live_server, user)
    return page


def _a_long_history(data: Data) -> None:
    # More purchases and points entries than a page holds: both lists get their pager.
    for number in range(HISTORY_PAGE_SIZE):
        record_purchase(
            shop=data.till, member=data.ana, external_id=f"L-{number}", amount=Decimal("12.00")
        )


def _a_light_brand(data: Data) -> None:
    # A merchant may pick a pale colour: the header's text must stay readable on it.
    data.ana.merchant.brand_color = LIGHT_BRAND
    data.ana.merchant.save()


def _a_bad_email(page: Page, data: Data) -> None:
    page.get_by_label("Email", exact=True).fill("not-an-address")
    page.get_by_role("button", name="Add the member").click()
    expect(page.locator(".error-summary")).to_be_focused()


def _pos_member_panel(page: Page, data: Data) -> None:
    page.get_by_label("Card, QR code, phone or email").fill(data.ana.phone)
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("heading", name="Ana")).to_be_visible()


@dataclass(frozen=True)
class Visit:
    """A page: who looks (owner, cashier, member or nobody), where, on what screen."""

    who: str
    path: Callable[[Data], str]
    phone: bool = False
    before: Callable[[Data], None] | None = None
    then: Callable[[Page, Data], None] | None = None


PAGES = {
    "portal-dashboard": Visit("owner", lambda s: "/portal/"),
    "portal-members": Visit("owner", lambda s: "/portal/members/"),
    "portal-member": Visit("owner", lambda s: f"/portal/members/{s.ana.pk}/"),
    "portal-member-new": Visit("owner", lambda s: "/portal/members/new/"),
    "portal-member-new-errors": Visit("owner", lambda s: "/portal/members/new/", then=_a_bad_email),
    "portal-dashboard-phone": Visit("owner", lambda s: "/portal/", phone=True),
    "portal-members-phone": Visit("owner", lambda s: "/portal/members/", phone=True),
    "portal-purchases-phone": Visit("owner", lambda s: "/portal/purchases/", phone=True),
    "portal-insights-phone": Visit("owner", lambda s: "/portal/insights/", phone=True),
    "portal-program": Visit("owner", lambda s: "/portal/program/"),
    "portal-reward-new": Visit("owner", lambda s: "/portal/rewards/new/"),
    "portal-campaign-new": Visit("owner", lambda s: "/portal/campaigns/new/"),
    "portal-rewards": Visit("owner", lambda s: "/portal/rewards/"),
    "portal-reward-form": Visit("owner", lambda s: f"/portal/rewards/{s.reward_id}/"),
    "portal-vouchers": Visit("owner", lambda s: "/portal/rewards/vouchers/"),
    "portal-purchases": Visit("owner", lambda s: "/portal/purchases/"),
    "portal-insights": Visit("owner", lambda s: "/portal/insights/"),
    "portal-campaigns": Visit("owner", lambda s: "/portal/campaigns/"),
    "portal-feedback": Visit("owner", lambda s: "/portal/feedback/"),
    "portal-survey": Visit("owner", lambda s: "/portal/feedback/survey/"),
    "portal-settings": Visit("owner", lambda s: "/portal/settings/"),
    "portal-staff": Visit("owner", lambda s: "/portal/settings/staff/"),
    "portal-webhooks": Visit("owner", lambda s: "/portal/webhooks/"),
    "portal-webhook": Visit("owner", lambda s: f"/portal/webhooks/{s.endpoint_id}/"),
    "portal-till-guide": Visit("owner", lambda s: "/portal/settings/api/"),
    "portal-light-brand": Visit("owner", lambda s: "/portal/", before=_a_light_brand),
    "pos-home": Visit("cashier", lambda s: "/pos/"),
    "pos-light-brand": Visit("cashier", lambda s: "/pos/", before=_a_light_brand),
    "pos-member-panel": Visit("cashier", lambda s: "/pos/", then=_pos_member_panel),
    "pos-member-panel-phone": Visit(
        "cashier", lambda s: "/pos/", phone=True, then=_pos_member_panel
    ),
    "member-join": Visit("nobody", lambda s: "/m/aroma/join", phone=True),
    "member-sign-in": Visit("nobody", lambda s: "/m/aroma/login", phone=True),
    "member-card": Visit("member", lambda s: "/m/aroma/", phone=True),
    "member-card-light-brand": Visit(
        "member", lambda s: "/m/aroma/", phone=True, before=_a_light_brand
    ),
    "member-rewards": Visit("member", lambda s: "/m/aroma/rewards", phone=True),
    "member-vouchers": Visit("member", lambda s: "/m/aroma/vouchers", phone=True),
    "member-redeem": Visit(
        "member", lambda s: f"/m/aroma/rewards/{s.reward_id}/redeem", phone=True
    ),
    "member-history": Visit(
        "member", lambda s: "/m/aroma/history", phone=True, before=_a_long_history
    ),
    "member-profile": Visit("member", lambda s: "/m/aroma/profile", phone=True),
}


def _describe(violation: dict) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:6])
    more = len(violation["nodes"]) - 6
    return f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}" + (
        f" and {more} more" if more > 0 else ""
    )


class _ModerateSummary:
    """Prints the moderate violations of the run in pytest's terminal summary, -s or not."""

    def pytest_terminal_summary(self, terminalreporter):
        if not MODERATE:
            return
        terminalreporter.write_sep("-", "axe: moderate violations (not failing)")
        for name, lines in sorted(MODERATE.items()):
            for line in lines:
                terminalreporter.write_line(f"{name}: {line}")


@pytest.fixture(scope="session", autouse=True)
def _moderate_summary(request):
    plugin = _ModerateSummary()
    request.config.pluginmanager.register(plugin, "axe-moderate-summary")
    return plugin


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_axe_violation(
    name, live_server, new_page, data, owner_a, cashier_a
):
    visit = PAGES[name]
    user = {"owner": owner_a, "cashier": cashier_a, "member": data.ana.user, "nobody": None}
    if visit.before:
        visit.before(data)
    page = _signed_in(
        new_page, live_server, user[visit.who], viewport=PHONE if visit.phone else None
    )
    page.add_init_script(LISTEN)
    answer = page.goto(f"{live_server.url}{visit.path(data)}")
    assert answer.status == 200, answer.url
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    page.wait_for_load_state("load")
    if visit.then:
        visit.then(page, data)

    results = AXE.run(page)
    # axe ran under the page's policy: it reports which engine checked the page.
    assert results.response["testEngine"]["name"] == "axe-core"
    assert page.evaluate("window.__violations") == []
    violations = results.response["violations"]
    moderate = [_describe(v) for v in violations if v["impact"] == "moderate"]
    if moderate:
        MODERATE[name] = moderate
        print(f"\naxe, moderate on {name}:\n  " + "\n  ".join(moderate))
    failing = [_describe(v) for v in violations if v["impact"] in FAILING]
    assert not failing, f"axe on {name} ({page.url}):\n  " + "\n  ".join(failing)


def test_after_a_failed_submission_the_focus_is_on_the_error_summary(
    live_server, new_page, owner_a, merchant_a
):
    page = _signed_in(new_page, live_server, owner_a)
    page.goto(f"{live_server.url}/portal/members/new/")
    page.get_by_label("Email", exact=True).fill("not-an-address")
    page.get_by_role("button", name="Add the member").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    # Its link to the field puts the focus in the field.
    summary.get_by_role("link", name="Email").click()
    expect(page.get_by_label("Email", exact=True)).to_be_focused()


def test_the_focus_ring_has_two_tones_on_the_brand_coloured_header(
    live_server, new_page, owner_a, merchant_a
):
    merchant_a.brand_color = DEMO_BRAND
    merchant_a.save()
    page = _signed_in(new_page, live_server, owner_a)
    page.goto(f"{live_server.url}/portal/")
    page.wait_for_load_state("load")
    brand = page.locator(".topbar a.brand")
    for _ in range(4):
        page.keyboard.press("Tab")
        if brand.evaluate("el => el === document.activeElement"):
            break
    expect(brand).to_be_focused()
    style = brand.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return [s.outlineStyle, s.outlineColor, s.boxShadow]; }"
    )
    assert style[0] == "solid"
    assert style[1] == "rgb(17, 24, 39)"  # --focus-dark
    assert "rgb(255, 255, 255)" in style[2]  # --focus-light, both rings


# The header's text colour, as the browser computes it, for each brand colour given: drawn on a
# canvas to read it back as sRGB whatever syntax getComputedStyle answers in.
HEADER_INKS = """
(colours) => {
  const header = document.querySelector(".topbar .brand");
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const pen = canvas.getContext("2d", { willReadFrequently: true });
  return colours.map((colour) => {
    header.closest(".topbar").style.setProperty("--brand", colour);
    pen.fillStyle = getComputedStyle(header).color;
    pen.fillRect(0, 0, 1, 1);
    const [r, g, b] = pen.getImageData(0, 0, 1, 1).data;
    return "#" + [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("");
  });
}
"""


def test_the_headers_text_is_readable_on_any_brand_colour(
    live_server, new_page, owner_a, merchant_a
):
    page = _signed_in(new_page, live_server, owner_a)
    page.goto(f"{live_server.url}/portal/")
    steps = [f"{value:02x}" for value in range(0, 256, 51)]
    colours = [f"#{r}{g}{b}" for r in steps for g in steps for b in steps]
    colours += [DEMO_BRAND, LIGHT_BRAND, "#0f766e", "#777777", "#767676", "#808080", "#ffff00"]
    inks = page.evaluate(HEADER_INKS, colours)
    weak = {
        colour: (ink, round(contrast(ink, colour), 2))
        for colour, ink in zip(colours, inks, strict=True)
        if contrast(ink, colour) < 4.5
    }
    assert weak == {}
    # A dark brand keeps the white it always had.
    assert inks[colours.index(DEMO_BRAND)] == "#ffffff"
