"""An owner brings the till history of the previous system: uploads the file, reads the
preview, starts the import, and watches the progress bar until the report shows."""

from datetime import timedelta

from playwright.sync_api import expect

from loyalty.clock import local_today
from members import tasks
from members.models import PurchaseHistoryImport


def test_owner_imports_purchase_history(live_server, page, snapshot, owner_a, merchant_a, password):
    day = (local_today(merchant_a) - timedelta(days=2)).isoformat()
    text = f"customer_id,date,amount\nK1,{day},12.50\nK1,{day},30.00\nK2,{day},7.25\n"

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")

    page.goto(f"{live_server.url}/portal/members/")
    page.get_by_role("link", name="Import purchase history").click()
    expect(page.get_by_text("No purchase history imported yet")).to_be_visible()
    page.get_by_label("CSV file", exact=True).set_input_files(
        files=[{"name": "till.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Upload and preview").click()

    preview = page.get_by_role("table", name="What the file holds")
    expect(preview.get_by_role("row", name="New members")).to_contain_text("2")
    expect(preview.get_by_role("row", name="Purchases to add")).to_contain_text("3")
    expect(
        page.get_by_label("Award the points these purchases would have earned")
    ).not_to_be_checked()
    snapshot(page, "history-preview")
    page.get_by_role("button", name="Import 3 purchases").click()
    expect(page.get_by_text("0 of 3 purchases")).to_be_visible()

    # The worker's turn: the page, polling its progress, shows the report by itself.
    tasks.run_history_import(PurchaseHistoryImport.objects.get(merchant=merchant_a).pk)
    expect(page.get_by_text("3 of 3 purchases")).to_be_visible()
    report = page.get_by_role("table", name="What the import did")
    expect(report.get_by_role("row", name="Purchases added")).to_contain_text("3")
    expect(page.get_by_text("Finished on")).to_be_visible()
    snapshot(page, "history-report")
