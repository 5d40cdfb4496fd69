"""The cases pages: the list and its filters, a case's page and its forms, for managers and
owners of the merchant only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Message
from feedback.models import Case, CaseNoteKind, CaseStatus
from loyalty.tasks import drain_outbox
from tests.feedback import cases_kit
from tests.feedback.cases_kit import answered

customer = cases_kit.customer  # fixtures
case = cases_kit.case

pytestmark = pytest.mark.django_db


def _url(name: str, case: Case) -> str:
    return reverse(f"portal:{name}", args=[case.pk])


def test_the_list_is_empty_at_first(manager_client, merchant_a):
    page = manager_client.get(reverse("portal:feedback_cases"))

    assert page.status_code == 200
    assert "No cases yet" in page.content.decode()


def test_the_list_shows_the_case_and_its_overdue_badge(manager_client, case):
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=1))

    html = manager_client.get(reverse("portal:feedback_cases")).content.decode()

    assert "Ana Pop" in html
    assert "Overdue" in html
    assert _url("feedback_case", case) in html


def test_the_list_filters_by_status_overdue_shop_and_owner(
    manager_client, case, merchant_a, shop_a2, manager_a
):
    url = reverse("portal:feedback_cases")
    overdue_only = manager_client.get(url, {"overdue": "on"}).content.decode()
    assert "No case matches these filters." in overdue_only
    resolved = manager_client.get(url, {"status": CaseStatus.RESOLVED}).content.decode()
    assert "No case matches these filters." in resolved
    other_shop = manager_client.get(url, {"shop": shop_a2.pk}).content.decode()
    assert "No case matches these filters." in other_shop
    mine = manager_client.get(url, {"owner": manager_a.pk}).content.decode()
    assert "No case matches these filters." in mine
    nobody = manager_client.get(url, {"owner": "none", "status": "open"}).content.decode()
    assert _url("feedback_case", case) in nobody


def test_the_case_page_shows_the_answer(manager_client, case):
    html = manager_client.get(_url("feedback_case", case)).content.decode()

    assert "We waited forty minutes for a coffee." in html
    assert "Waiting time" in html  # the topic, in words
    assert "Negative" in html
    assert reverse("portal:member", args=[case.member_id]) in html
    assert "It goes by the way they came: Email." in html


def test_a_manager_replies_and_resolves(manager_client, case):
    answer = manager_client.post(_url("feedback_case_reply", case), {"text": "So sorry, Ana."})
    assert answer.status_code == 302
    assert Message.objects.get(source_type="feedback_case").body_text == "So sorry, Ana."

    confirm = manager_client.get(_url("feedback_case_resolve", case))
    assert "Resolve the case?" in confirm.content.decode()
    manager_client.post(_url("feedback_case_resolve", case))
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    timeline = manager_client.get(_url("feedback_case", case)).content.decode()
    assert "So sorry, Ana." in timeline


def test_resolving_before_telling_says_why(manager_client, case):
    answer = manager_client.post(_url("feedback_case_resolve", case), follow=True)

    assert "Reply to the customer before resolving" in answer.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_the_status_form_refuses_resolved_before_told_and_keeps_the_page(manager_client, case):
    answer = manager_client.post(_url("feedback_case_status", case), {"status": "resolved"})

    assert answer.status_code == 400
    assert "Reply to the customer before resolving" in answer.content.decode()


def test_an_empty_reply_is_shown_again_with_its_error(manager_client, case):
    answer = manager_client.post(_url("feedback_case_reply", case), {"text": ""})

    assert answer.status_code == 400
    assert "This field is required." in answer.content.decode()
    assert not Message.objects.exists()


def test_notes_owner_and_points_from_the_page(manager_client, case, manager_a):
    manager_client.post(_url("feedback_case_note", case), {"text": "Spoke to the barista."})
    manager_client.post(_url("feedback_case_owner", case), {"owner": manager_a.pk})
    manager_client.post(_url("feedback_case_recovery", case), {"points": "40"})

    case.refresh_from_db()
    assert case.owner == manager_a
    assert case.recovery_points == 40
    assert case.notes.filter(kind=CaseNoteKind.NOTE, text="Spoke to the barista.").exists()
    html = manager_client.get(_url("feedback_case", case)).content.decode()
    assert "40 bonus points" in html


def test_a_voucher_from_the_page(owner_client, case, merchant_a):
    reward = merchant_a.rewards.live().first()

    owner_client.post(_url("feedback_case_recovery", case), {"reward": reward.pk})

    case.refresh_from_db()
    assert case.recovery_voucher.reward == reward


def test_a_reward_and_points_together_are_refused(manager_client, case, merchant_a):
    reward = merchant_a.rewards.live().first()
    answer = manager_client.post(
        _url("feedback_case_recovery", case), {"reward": reward.pk, "points": "10"}
    )

    assert answer.status_code == 400
    assert "not both" in answer.content.decode()


def test_another_merchants_reward_is_not_offered(manager_client, case, merchant_b):
    reward = merchant_b.rewards.live().first()
    answer = manager_client.post(_url("feedback_case_recovery", case), {"reward": reward.pk})

    assert answer.status_code == 400
    case.refresh_from_db()
    assert case.recovery_voucher is None


def test_another_merchants_case_is_404(outsider_client, case):
    assert outsider_client.get(_url("feedback_case", case)).status_code == 404
    assert (
        outsider_client.post(_url("feedback_case_reply", case), {"text": "Hi"}).status_code == 404
    )
    assert not Message.objects.exists()


def test_a_cashier_is_refused(cashier_client, case):
    assert cashier_client.get(reverse("portal:feedback_cases")).status_code == 403
    assert cashier_client.get(_url("feedback_case", case)).status_code == 403
    assert cashier_client.post(_url("feedback_case_reply", case), {"text": "Hi"}).status_code == 403


def test_the_outsiders_list_does_not_show_our_cases(outsider_client, case):
    html = outsider_client.get(reverse("portal:feedback_cases")).content.decode()
    assert "Ana Pop" not in html


def test_a_won_back_case_says_so(manager_client, merchant_a, shop_a, customer):
    answer = answered(merchant_a, member=customer, shop=shop_a, score=1)
    Case.objects.filter(answer=answer).update(
        status=CaseStatus.RESOLVED, resolved_at=timezone.now(), won_back=True
    )

    html = manager_client.get(reverse("portal:feedback_cases"), {"status": ""}).content.decode()
    assert "Won back" in html


def test_the_overdue_filter_finds_the_late_case(manager_client, case, merchant_a, shop_a):
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(minutes=5))

    html = manager_client.get(reverse("portal:feedback_cases"), {"overdue": "on"}).content.decode()

    assert _url("feedback_case", case) in html
    assert "Overdue" in html


def test_the_list_pages_past_fifty(manager_client, merchant_a, shop_a, customer):
    for _n in range(52):
        answered(merchant_a, member=customer, shop=shop_a, score=2, drain=False)
    drain_outbox()

    first = manager_client.get(reverse("portal:feedback_cases")).content.decode()
    assert "52 cases" in first
    assert "Page 1 of 2" in first
    second = manager_client.get(reverse("portal:feedback_cases"), {"page": "2"})
    assert second.status_code == 200
