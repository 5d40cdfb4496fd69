"""A manager writes a message template and sees it, as Ana will, while typing: the email in
its sandboxed frame (styles inlined, no CSP violation on the portal page), the text beside."""

from playwright.sync_api import expect

from tests.campaigns.templates_helpers import make_template
from tests.e2e.test_csp import watcher  # noqa: F401 (the fixture that watches the console)


def test_the_preview_follows_the_draft_for_a_real_member(watcher, owner_a, merchant_a, ana):  # noqa: F811
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()
    template = make_template(
        merchant_a, "Hello {{ first_name }}, you have {{ points }}.", subject="Spring Kakapo"
    )
    watch = watcher(owner_a)
    page = watch.page

    watch.visit(f"/portal/campaigns/templates/{template.pk}/")
    frame = page.frame_locator("iframe[name=email-preview-frame]")
    expect(frame.locator("body")).to_contain_text("Hello Ana, you have")
    header = frame.locator(".head")
    assert "rgb(124, 45, 18)" in header.evaluate("el => getComputedStyle(el).backgroundColor")

    page.get_by_label("Message (English)").fill("Dear {{ first_name }}, a Kakapo gift awaits.")
    expect(frame.locator("body")).to_contain_text("Dear Ana, a Kakapo gift awaits.")
    expect(page.locator(".message-text")).to_contain_text("Dear Ana, a Kakapo gift awaits.")
    watch.check()
    assert watch.problems == []
