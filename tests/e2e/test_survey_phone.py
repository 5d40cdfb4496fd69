"""A member answers the survey from the invitation's link on a phone, without signing in, in
the merchant's colours, and sees the thank-you page with the points, the review link and
their referral link; no console message, page error or CSP violation on the way."""

from playwright.sync_api import expect

from feedback.models import Answer, FeedbackSettings
from feedback.surveys.invitations import invite_for_purchase
from feedback.surveys.links import survey_link
from tests.feedback.surveys_kit import sale, survey_fixture, words_analyser  # noqa: F401

PHONE = {"width": 390, "height": 844}
# Runs before any script of the page (as tests/e2e/test_csp.py listens).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def test_a_member_answers_the_survey_on_a_phone(
    live_server, browser, settings, merchant_a, shop_a, ana, survey, snapshot
):
    settings.SITE_URL = live_server.url
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()
    FeedbackSettings.objects.create(merchant=merchant_a, review_url="https://reviews.example/a")
    invitation = invite_for_purchase(purchase_id=sale(shop_a, ana, "R-1").pk)
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    context.add_init_script(LISTEN)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: problems.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        answer = page.goto(survey_link(invitation))
        assert answer.status == 200
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        question = "How likely are you to recommend Aroma Café to a friend or colleague?"
        expect(page.get_by_role("heading", name=question)).to_be_visible()
        nine = page.locator("label[for=score-9]")
        box = nine.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # a thumb's tap target
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        snapshot(page, "survey-phone")

        nine.click()
        expect(page.get_by_role("radio", name="9")).to_be_checked()
        page.get_by_label("What is the main reason for your score?").fill("Great coffee")
        page.get_by_role("button", name="Send").click()

        expect(page.get_by_role("heading", name="Thank you for your answer")).to_be_visible()
        expect(page.get_by_text("+20 points on your card.")).to_be_visible()
        expect(page.get_by_role("link", name="Leave a review")).to_have_attribute(
            "href", "https://reviews.example/a"
        )
        expect(page.get_by_label("Invite a friend with your link")).to_have_value(
            f"{live_server.url}/m/aroma/join?ref={ana.referral_code}"
        )
        snapshot(page, "survey-thanks")
        problems += page.evaluate("window.__violations || []")
    finally:
        context.close()

    saved = Answer.objects.get()
    assert (saved.score, saved.group, saved.sentiment, saved.member) == (
        9,
        "promoter",
        "positive",
        ana,
    )
    assert problems == []
