"""The survey editor: creating and editing the merchant's survey, its words per language and
its optional questions, the loop's settings, validation that keeps what was typed, and one
active survey per merchant."""

import pytest
from django.urls import reverse

from feedback.models import FeedbackSettings, QuestionKind, Survey, SurveyKind
from feedback.surveys.editor import QuestionDraft, SurveyDraft, save_survey
from loyalty.errors import ValidationFailed
from loyalty.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/portal/feedback/survey/"


def _form(**overrides) -> dict:
    data = {
        "name": "After the visit",
        "kind": SurveyKind.NPS,
        "active": "on",
        "incentive_points": "10",
        "invite_after_hours": "3",
        "sampling_percent": "50",
        "cooldown_days": "30",
        "channel": "auto",
        "link_days": "7",
        "question_en": "",
        "question_ro": "Cât de probabil este să ne recomandați?",
        "reason_en": "Why?",
        "review_url": "https://g.page/aroma/review",
        "case_due_hours": "12",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_url_is_named():
    assert reverse("portal:feedback_survey") == URL


def test_a_manager_creates_the_survey(manager_client, merchant_a):
    page = manager_client.get(URL)
    assert page.status_code == 200
    assert "A new survey" in page.content.decode()

    answer = manager_client.post(
        URL,
        _form(
            q1_kind=QuestionKind.CHOICE,
            q1_text_en="What did you buy?",
            q1_choices_en="Coffee\nCake\n\n",
            q2_kind=QuestionKind.RATING,
            q2_text_ro="Curățenia",
        ),
    )
    assert answer.status_code == 302

    survey = Survey.objects.for_merchant(merchant_a).get()
    assert survey.active and survey.kind == SurveyKind.NPS
    assert survey.question == {"ro": "Cât de probabil este să ne recomandați?"}  # en: built-in
    assert survey.reason_prompt == {"en": "Why?"}
    assert (survey.incentive_points, survey.sampling_percent) == (10, 50)
    questions = list(survey.questions.order_by("position"))
    assert [(q.position, q.kind) for q in questions] == [(1, "choice"), (2, "rating")]
    assert questions[0].choices == {"en": ["Coffee", "Cake"]}
    assert questions[1].text == {"ro": "Curățenia"}
    settings = FeedbackSettings.objects.get(merchant=merchant_a)
    assert (settings.review_url, settings.case_due_hours) == ("https://g.page/aroma/review", 12)
    assert AuditEvent.objects.filter(action="feedback.survey.created").count() == 1


def test_the_editor_edits_the_active_survey(owner_client, merchant_a):
    survey = save_survey(
        merchant=merchant_a,
        actor=None,
        draft=SurveyDraft(name="Old name", kind=SurveyKind.CSAT),
    )
    page = owner_client.get(URL).content.decode()
    assert "Old name" in page

    owner_client.post(
        URL,
        _form(
            survey=survey.pk,
            name="New name",
            kind=SurveyKind.CSAT,
            q1_kind="text",
            q1_text_en="Anything else?",
        ),
    )
    survey.refresh_from_db()
    assert survey.name == "New name"
    assert survey.kind == SurveyKind.CSAT
    assert survey.questions.get().text == {"en": "Anything else?"}

    # Removing the question removes its row.
    owner_client.post(URL, _form(survey=survey.pk, name="New name"))
    assert not survey.questions.exists()
    assert Survey.objects.for_merchant(merchant_a).count() == 1


def test_validation_errors_keep_what_was_typed(manager_client, merchant_a):
    answer = manager_client.post(
        URL,
        _form(
            name="",
            sampling_percent="150",
            q1_kind=QuestionKind.CHOICE,
            q1_text_en="Which drink?",
            q1_choices_en="Only one",
            q2_text_en="A question without a kind",
        ),
    )

    html = answer.content.decode()
    assert answer.status_code == 400
    assert "nothing was saved" in html
    assert "Give 2 to 8 choices" in html
    assert "Choose the kind of this question." in html
    assert "Which drink?" in html and "A question without a kind" in html
    assert "Cât de probabil este să ne recomandați?" in html
    assert not Survey.objects.for_merchant(merchant_a).exists()
    assert not FeedbackSettings.objects.filter(merchant=merchant_a).exists()


def test_one_survey_is_active_at_a_time(manager_client, merchant_a):
    first = save_survey(merchant=merchant_a, actor=None, draft=SurveyDraft(name="First"))

    page = manager_client.get(URL, {"new": "1"}).content.decode()
    assert "A new survey" in page
    manager_client.post(URL, _form(name="Second"))

    first.refresh_from_db()
    second = Survey.objects.for_merchant(merchant_a).get(name="Second")
    assert second.active and not first.active
    assert Survey.objects.for_merchant(merchant_a).filter(active=True).count() == 1


def test_the_service_refuses_a_fourth_question(merchant_a):
    questions = [QuestionDraft(kind="text", text={"en": f"Q{n}"}) for n in range(4)]
    with pytest.raises(ValidationFailed):
        save_survey(
            merchant=merchant_a, actor=None, draft=SurveyDraft(name="Too many", questions=questions)
        )
    assert not Survey.objects.exists()


def test_another_merchants_survey_is_404(outsider_client, merchant_a):
    survey = save_survey(merchant=merchant_a, actor=None, draft=SurveyDraft(name="Ours"))

    assert outsider_client.get(URL, {"survey": survey.pk}).status_code == 404
    assert outsider_client.post(URL, _form(survey=survey.pk, name="Theirs")).status_code == 404
    survey.refresh_from_db()
    assert survey.name == "Ours"


def test_a_cashier_is_refused(cashier_client):
    assert cashier_client.get(URL).status_code == 403
    assert cashier_client.post(URL, _form()).status_code == 403
