"""Saving the merchant's survey from the portal's editor, and the loop's settings.

A survey has its score question (NPS 0-10 or CSAT 1-5) and the reason prompt, each in the
three survey languages (empty: the built-in words of that language), up to three optional
questions (a rating 1-5, a single choice with its labels per language, or a text), and when
and how often members are asked. One survey per merchant is active (a partial unique
constraint): activating one deactivates the others in the same transaction.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.models import (
    FeedbackSettings,
    InviteChannel,
    QuestionKind,
    Survey,
    SurveyKind,
    SurveyQuestion,
)
from loyalty.audit import log_action
from loyalty.errors import ValidationFailed
from loyalty.models import Merchant

# The languages a survey speaks (the analyser's three), in the editor's order.
SURVEY_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", gettext_lazy("English")),
    ("ro", gettext_lazy("Romanian")),
    ("ru", gettext_lazy("Russian")),
)
LANGUAGE_CODES = tuple(code for code, _label in SURVEY_LANGUAGES)
MAX_QUESTIONS = 3
MAX_CHOICES = 8
LIMITS = {
    "incentive_points": (0, 10_000),
    "invite_after_hours": (0, 168),
    "sampling_percent": (1, 100),
    "cooldown_days": (0, 365),
    "link_days": (1, 30),
}


@dataclass
class QuestionDraft:
    """One optional question as the editor sends it."""

    kind: str
    text: dict[str, str]
    choices: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SurveyDraft:
    """Everything the editor saves about a survey."""

    name: str
    kind: str = SurveyKind.NPS
    active: bool = True
    question: dict[str, str] = field(default_factory=dict)
    reason_prompt: dict[str, str] = field(default_factory=dict)
    incentive_points: int = 0
    invite_after_hours: int = 3
    sampling_percent: int = 100
    cooldown_days: int = 30
    channel: str = InviteChannel.AUTO
    link_days: int = 7
    questions: list[QuestionDraft] = field(default_factory=list)


def _words(values: dict[str, str]) -> dict[str, str]:
    """Only the survey languages, trimmed; an empty one is left out (the built-in words)."""
    return {code: values[code].strip() for code in LANGUAGE_CODES if values.get(code, "").strip()}


def check_draft(draft: SurveyDraft) -> None:
    """ValidationFailed with the first problem, so the service never saves a bad survey."""
    if not draft.name.strip():
        raise ValidationFailed(_("Give the survey a name."))
    if draft.kind not in SurveyKind.values:
        raise ValidationFailed(_("Choose the kind of survey."))
    if draft.channel not in InviteChannel.values:
        raise ValidationFailed(_("Choose a channel."))
    for name, (low, high) in LIMITS.items():
        value = getattr(draft, name)
        if not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed(
                _("%(field)s must be between %(low)s and %(high)s.")
                % {"field": Survey._meta.get_field(name).verbose_name, "low": low, "high": high}
            )
    if len(draft.questions) > MAX_QUESTIONS:
        raise ValidationFailed(_("A survey has at most three optional questions."))
    for question in draft.questions:
        if question.kind not in QuestionKind.values:
            raise ValidationFailed(_("Choose the kind of each question."))
        text = _words(question.text)
        if not text:
            raise ValidationFailed(_("Write each question in at least one language."))
        if question.kind == QuestionKind.CHOICE:
            for code in text:
                labels = [c.strip() for c in question.choices.get(code, []) if c.strip()]
                if not 2 <= len(labels) <= MAX_CHOICES:
                    raise ValidationFailed(
                        _("A single-choice question needs 2 to 8 choices in each of its languages.")
                    )


def current_survey(merchant: Merchant) -> Survey | None:
    """The survey the editor opens: the active one, else the newest."""
    surveys = Survey.objects.for_merchant(merchant)
    return surveys.filter(active=True).first() or surveys.order_by("-created_at", "-id").first()


def _apply(survey: Survey, draft: SurveyDraft) -> None:
    survey.name = draft.name.strip()[:120]
    survey.kind = draft.kind
    survey.active = draft.active
    survey.question = _words(draft.question)
    survey.reason_prompt = _words(draft.reason_prompt)
    for name in LIMITS:
        setattr(survey, name, getattr(draft, name))
    survey.channel = draft.channel


def _save_questions(survey: Survey, questions: list[QuestionDraft]) -> None:
    """The questions as drafted, in order. Answers keep theirs by question id in `extra`, so a
    question that stays in its place keeps its row (and its answers' meaning)."""
    existing = list(survey.questions.order_by("position", "id"))
    for position, draft in enumerate(questions, start=1):
        text = _words(draft.text)
        choices = {}
        if draft.kind == QuestionKind.CHOICE:
            choices = {
                code: [c.strip() for c in draft.choices.get(code, []) if c.strip()] for code in text
            }
        row = existing[position - 1] if position <= len(existing) else None
        if row is None:
            row = SurveyQuestion(merchant_id=survey.merchant_id, survey=survey)
        row.position, row.kind, row.text, row.choices = position, draft.kind, text, choices
        row.save()
    for row in existing[len(questions) :]:
        row.delete()


@transaction.atomic
def save_survey(
    *, merchant: Merchant, actor: User | None, draft: SurveyDraft, survey: Survey | None = None
) -> Survey:
    """Create (`survey=None`) or update the merchant's survey with its questions. Activating
    it deactivates the merchant's other surveys first (one is active at a time)."""
    check_draft(draft)
    if survey is not None:
        survey = Survey.objects.for_merchant(merchant).select_for_update().get(pk=survey.pk)
    else:
        survey = Survey(merchant=merchant)
    if draft.active:
        others = Survey.objects.for_merchant(merchant).filter(active=True)
        if survey.pk:
            others = others.exclude(pk=survey.pk)
        others.update(active=False)
    created = survey.pk is None
    _apply(survey, draft)
    survey.save()
    _save_questions(survey, draft.questions)
    log_action(
        merchant=merchant,
        actor=actor,
        action="feedback.survey.created" if created else "feedback.survey.saved",
        target=survey,
        data={"active": survey.active, "kind": survey.kind, "questions": len(draft.questions)},
    )
    return survey


def feedback_settings(merchant: Merchant) -> FeedbackSettings:
    """The merchant's settings of the loop (unsaved defaults when there are none yet)."""
    return FeedbackSettings.objects.filter(merchant=merchant).first() or FeedbackSettings(
        merchant=merchant
    )


@transaction.atomic
def save_feedback_settings(
    *, merchant: Merchant, actor: User, review_url: str, case_due_hours: int
) -> FeedbackSettings:
    """The public review link promoters are sent to, and the hours a manager has per case."""
    if not 1 <= case_due_hours <= 720:
        raise ValidationFailed(_("The hours to answer a case must be between 1 and 720."))
    row, _created = FeedbackSettings.objects.update_or_create(
        merchant=merchant,
        defaults={"review_url": review_url.strip(), "case_due_hours": case_due_hours},
    )
    log_action(
        merchant=merchant,
        actor=actor,
        action="feedback.settings.saved",
        target=row,
        data={"review_url": row.review_url, "case_due_hours": case_due_hours},
    )
    return row
