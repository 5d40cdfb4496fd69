"""An owner looks at today's purchases: the date preset, a status that says what became of
each sale, the member's name that leads to their page, the CSV of what is shown; the table
fits a 1366 px laptop and the page never scrolls sideways on a 390 px phone.

Sales go through the points engine and the refund service, as the till's would.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from members.services.enrolment import enrol_member
from tests.e2e.test_members_list_sort import LAPTOP, PHONE, sign_in


def test_owner_reads_todays_purchases_and_exports_them(
    live_server, new_page, snapshot, merchant_a, shop_a, owner_a, password
):
    ana = enrol_member(
        merchant=merchant_a,
        email="bogdan.alexandru.constantinescu@example.com",
        first_name="Bogdan-Alexandru",
        last_name="Constantinescu",
    )
    refunded = record_purchase(
        shop=shop_a, member=ana, external_id="TILL-2026-000123", amount=Decimal("1250.00")
    ).purchase
    refund_purchase(purchase=refunded, external_id="RF-1", amount=Decimal("250.00"))
    record_purchase(shop=shop_a, member=None, external_id="TILL-2026-000124", amount=Decimal("9"))
    record_purchase(
        shop=shop_a,
        member=ana,
        external_id="OLD-1",
        amount=Decimal("5.00"),
        occurred_at=timezone.now() - timedelta(days=45),
    )

    page = new_page(viewport=LAPTOP)
    sign_in(page, live_server, owner_a.email, password)
    page.goto(f"{live_server.url}/portal/purchases/")
    expect(page.get_by_role("status")).to_have_text("3 purchases, newest first")

    page.get_by_role("link", name="Today", exact=True).click()
    expect(page.get_by_role("link", name="Today", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("status")).to_have_text("2 purchases, newest first")
    row = page.get_by_role("row", name="TILL-2026-000123")
    expect(row.locator(".status-partly_refunded")).to_have_text("Partly refunded")
    expect(page.get_by_role("row", name="TILL-2026-000124")).to_contain_text("OK")

    # The whole table inside its container.
    wrap = page.locator(".table-wrap").bounding_box()
    box = page.locator("table.purchases").bounding_box()
    assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 0.5, (box, wrap)
    snapshot(page, "purchases-today-laptop")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3  # the header and today's two sales, not the old one
    assert "TILL-2026-000123" in lines[2] and "partly_refunded" in lines[2]

    row.get_by_role("link", name="Bogdan-Alexandru Constantinescu").click()
    expect(page).to_have_url(f"{live_server.url}/portal/members/{ana.pk}/")

    phone = new_page(viewport=PHONE)
    sign_in(phone, live_server, owner_a.email, password)
    phone.goto(f"{live_server.url}/portal/purchases/")
    expect(phone.get_by_role("region", name="Purchases")).to_be_visible()
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), (
        phone.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    )
    snapshot(phone, "purchases-phone")
    assert page.evaluate("window.__violations") == []
    assert phone.evaluate("window.__violations") == []
