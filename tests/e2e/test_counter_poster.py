"""An owner prints a counter poster: from the business settings to the poster's QR code, with
the portal's navigation gone from the printed page."""

from playwright.sync_api import expect


def test_owner_opens_the_counter_poster_and_prints_it(
    live_server, page, snapshot, owner_a, merchant_a, password
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    join_url = f"{live_server.url}/m/{merchant_a.slug}/join"
    expect(page.get_by_label("Join link")).to_have_value(join_url)
    snapshot(page, "business-settings-links")
    page.get_by_role("link", name="Print a counter poster with a QR code").click()

    expect(page).to_have_url(f"{live_server.url}/portal/settings/poster/")
    expect(
        page.get_by_role("heading", name=f"Scan to join {merchant_a.name}'s rewards")
    ).to_be_visible()
    qr = page.locator("svg.poster-qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 200 and abs(box["width"] - box["height"]) < 2
    expect(page.get_by_text(join_url.split("://", 1)[1])).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    snapshot(page, "counter-poster")

    page.emulate_media(media="print")

    expect(nav).to_be_hidden()
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(qr).to_be_visible()
    printed = qr.bounding_box()
    assert printed is not None and printed["width"] >= 400  # 14 cm on the A4 page
    snapshot(page, "counter-poster-print")
