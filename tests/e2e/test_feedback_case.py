"""A manager opens the case of an unhappy answer, gives a few points, replies to the customer
by email and resolves the case after the confirmation."""

from playwright.sync_api import expect

from campaigns.messaging.send import send_due_messages
from feedback.models import Case, CaseStatus
from tests.campaigns import sending_kit
from tests.e2e.test_csp import LISTEN
from tests.feedback.cases_kit import answered
from tests.personas import make_ana

smtp_server = sending_kit.smtp_server  # the real SMTP server


def test_manager_replies_to_an_unhappy_customer_and_resolves_the_case(
    live_server, page, snapshot, manager_a, merchant_a, shop_a, password, smtp_server
):
    ana = make_ana(merchant_a, shop=shop_a)
    answer = answered(
        merchant_a,
        member=ana,
        shop=shop_a,
        score=3,
        comment="The cake was stale and nobody said sorry.",
        sentiment="negative",
        topics=["quality", "staff"],
    )
    case = Case.objects.get(answer=answer)
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(manager_a.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")

    page.goto(f"{live_server.url}/portal/feedback/cases/")
    page.get_by_role("link", name="Ana Pop").click()
    expect(page.get_by_text("The cake was stale and nobody said sorry.")).to_be_visible()
    snapshot(page, "feedback-case")

    page.get_by_label("Or bonus points").fill("50")
    page.get_by_role("button", name="Give the recovery").click()
    expect(page.get_by_text("Recovery given.")).to_be_visible()

    page.get_by_label("Message to the customer").fill("Ana, we are sorry about the cake.")
    page.get_by_role("button", name="Send the reply").click()
    expect(page.get_by_text("Reply sent to the customer.")).to_be_visible()

    page.get_by_role("link", name="Resolve…").click()
    page.get_by_role("button", name="Resolve the case").click()
    expect(page.get_by_text("Case resolved.")).to_be_visible()
    snapshot(page, "feedback-case-resolved")
    assert page.evaluate("window.__violations") == []

    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.recovery_points == 50
    assert send_due_messages() == 1
    [mail] = smtp_server.to("ana.pop@example.com")
    body = mail.get_body(("plain",)).get_content()
    assert "we are sorry about the cake" in body
    assert "50 points" in body
