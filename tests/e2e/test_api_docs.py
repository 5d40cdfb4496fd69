"""The interactive API docs (/api/v1/docs/) render in a browser from this server alone: no
script, style or font from a CDN."""

from urllib.parse import urlsplit

from playwright.sync_api import expect


def test_the_api_docs_render_without_any_other_host(page, live_server, db, snapshot):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto(f"{live_server.url}/api/v1/docs/")

    expect(page.get_by_text("Fidela Shop API").first).to_be_visible()
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/purchases").first
    ).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    snapshot(page, "api-docs")
    assert hosts == {urlsplit(live_server.url).netloc}, hosts
