"""Under the Content-Security-Policy, the portal, the POS, the member page, the join page and
the API docs run in Chromium without a single violation: nothing inline is blocked, because
nothing is inline. Every console message and every `securitypolicyviolation` event counts."""

from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import expect

from loyalty.points.purchases import record_purchase
from loyalty.tasks import drain_outbox
from loyalty.tenancy.services import create_api_key
from loyalty.webhooks.services import create_endpoint
from members.services.enrolment import enrol_member
from rewards.models import RewardKind
from rewards.services import redeem_reward

# Runs before any script of the page (Playwright injects it outside the page's CSP).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:`
    + `${event.lineNumber} ${event.sample}`);
});
"""


class Watch:
    """The console messages, page errors and CSP violations of one browser context."""

    def __init__(self, context, live_server):
        self.live_server = live_server
        self.problems: list[str] = []
        context.add_init_script(LISTEN)
        self.page = context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message):
        self.problems.append(f"console {message.type}: {message.text} ({self.page.url})")

    def visit(self, path: str) -> None:
        answer = self.page.goto(f"{self.live_server.url}{path}")
        assert answer.status == 200, path
        assert "script-src 'self'" in answer.headers["content-security-policy"], path
        self.check()

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        violations = self.page.evaluate("window.__violations || []")
        self.problems += [f"{self.page.url}: {text}" for text in violations]


@pytest.fixture
def watcher(browser, live_server):
    """Opens a browser context that watches, signed in as `user` when given; closed after the
    test (an open context keeps live-server threads, and their database connections, alive)."""
    contexts = []

    def open_watch(user=None) -> Watch:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(10_000)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies["sessionid"].value
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        return Watch(context, live_server)

    yield open_watch
    for context in contexts:
        context.close()


@pytest.fixture
def shop_data(merchant_a, shop_a, owner_a):
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()
    ana = enrol_member(
        merchant=merchant_a, email="ana@example.com", phone="0721 234 567", first_name="Ana"
    )
    for number in range(3):
        record_purchase(
            shop=shop_a, member=ana, external_id=f"R-{number}", amount=Decimal("450.00")
        )
    ana.refresh_from_db()
    redeem_reward(
        member=ana, reward=merchant_a.rewards.get(kind=RewardKind.FREE_ITEM), actor=owner_a
    )
    create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a, name="Till 1")
    ana.endpoint = create_endpoint(
        merchant=merchant_a,
        actor=owner_a,
        url="https://8.8.8.8/hooks",
        events=["member.joined"],
    )
    drain_outbox()  # the daily statistics the dashboard and insights read
    return ana


def test_the_portal_runs_without_a_csp_violation(watcher, owner_a, shop_data, snapshot):
    watch = watcher(owner_a)
    page = watch.page

    # The sales bars are SVG now (no style attribute): they still show the day's share.
    watch.visit("/portal/")
    today = page.locator(".daily-sales tr.today .bar")
    assert today.locator("rect").get_attribute("width") == "100"
    assert today.bounding_box()["width"] > 50
    snapshot(page, "csp-dashboard")

    for path in [
        "/portal/members/",
        f"/portal/members/{shop_data.pk}/",
        "/portal/members/leaderboard/",
        "/portal/members/import/",
        "/portal/purchases/",
        "/portal/insights/",
        "/portal/insights/?period=custom&from=2020-01-01&to=2020-01-31",
        "/portal/program/",
        "/portal/rewards/",
        "/portal/settings/api-keys/",
        "/portal/settings/audit/",
    ]:
        watch.visit(path)

    # The insights overview: the revenue chart is drawn (SVG, coloured by classes) beside its
    # table, and the period picker moves to another period.
    watch.visit("/portal/insights/")
    chart = page.locator("svg.chart-line")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 300
    assert page.locator("svg.chart-line polyline").count() >= 1
    page.get_by_role("link", name="7 days").click()
    expect(page.get_by_role("link", name="7 days")).to_have_attribute("aria-current", "page")
    watch.check()

    # HTMX swaps: the members search and the reward preview as one types.
    watch.visit("/portal/members/")
    page.get_by_role("searchbox").fill("ana")
    expect(page.locator("tbody")).to_contain_text("Ana")
    watch.visit("/portal/rewards/")
    page.get_by_role("link", name="Free coffee").first.click()
    page.get_by_label("Name", exact=True).fill("Free muffin")
    page.get_by_label("Points cost").blur()
    expect(
        page.locator("#reward-preview").get_by_role("heading", name="Free muffin")
    ).to_be_visible()
    # The brand colour reaches the preview through the page's nonce'd style.
    assert (
        page.locator(".reward-preview").evaluate(
            "el => getComputedStyle(el).getPropertyValue('--brand').trim()"
        )
        == "#7c2d12"
    )
    watch.check()

    # The signing secret selects itself on focus and the Copy button copies it: handlers from
    # app.js, not attributes.
    watch.visit(f"/portal/webhooks/{shop_data.endpoint.pk}/")
    secret = page.get_by_label("Signing secret")
    secret.focus()
    assert secret.evaluate("el => el.selectionEnd - el.selectionStart") == len(
        shop_data.endpoint.secret
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == shop_data.endpoint.secret
    watch.check()
    assert watch.problems == []


def test_the_pos_runs_without_a_csp_violation(watcher, cashier_a, shop_data):
    watch = watcher(cashier_a)
    page = watch.page

    watch.visit("/pos/")
    search = page.get_by_label("Card, QR code, phone or email")
    search.fill("0721 234 567")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("heading", name="Ana")).to_be_visible()
    watch.check()
    assert (
        page.locator(".topbar").evaluate(
            "el => getComputedStyle(el).getPropertyValue('--brand').trim()"
        )
        == "#7c2d12"
    )
    assert watch.problems == []


def test_the_member_page_and_the_join_page_run_without_a_csp_violation(
    watcher, live_server, merchant_a, shop_data
):
    member = watcher(shop_data.user)
    for path in ["/m/aroma/", "/m/aroma/history", "/m/aroma/rewards", "/m/aroma/vouchers"]:
        member.visit(path)
    member.visit("/m/aroma/")
    assert member.page.url == f"{live_server.url}/m/aroma/", member.page.url
    expect(
        member.page.get_by_role("img", name="QR code of your card, to scan at the till")
    ).to_be_visible()
    assert (
        member.page.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"
        )
        == "#7c2d12"
    )

    stranger = watcher()
    stranger.visit("/m/aroma/join")
    stranger.visit("/m/aroma/login")
    stranger.visit("/accounts/login/")

    assert member.problems + stranger.problems == []


def test_the_api_docs_run_without_a_csp_violation(watcher, db):
    watch = watcher()

    watch.visit("/api/v1/docs/")
    expect(watch.page.get_by_role("button", name="Authorize")).to_be_visible()
    watch.check()

    assert watch.problems == []
