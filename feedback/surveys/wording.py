"""What a survey says, in one language: the merchant's words when it wrote them for that
language, else the built-in words translated (gettext, under `translation.override`)."""

from django.utils.translation import gettext as _

from feedback.models import Survey, SurveyKind, SurveyQuestion
from loyalty.models import Merchant


def _own(words: dict, language: str) -> str:
    if not isinstance(words, dict):
        return ""
    return str(words.get(language) or words.get(language.split("-")[0]) or "").strip()


def question_text(survey: Survey, language: str, merchant: Merchant) -> str:
    """The score's question; call under `translation.override(language)`."""
    own = _own(survey.question, language)
    if own:
        return own
    if survey.kind == SurveyKind.CSAT:
        return _("How satisfied were you with your visit to %(merchant)s?") % {
            "merchant": merchant.name
        }
    return _("How likely are you to recommend %(merchant)s to a friend or colleague?") % {
        "merchant": merchant.name
    }


def reason_text(survey: Survey, language: str) -> str:
    """The reason's prompt; call under `translation.override(language)`."""
    return _own(survey.reason_prompt, language) or _("What is the main reason for your score?")


def question_label(question: SurveyQuestion, language: str) -> str:
    return _own(question.text, language) or next(
        (str(v) for v in (question.text or {}).values() if v), ""
    )


def question_choices(question: SurveyQuestion, language: str) -> list[str]:
    """A single-choice question's labels in the language (else the first language given)."""
    choices = question.choices if isinstance(question.choices, dict) else {}
    found = choices.get(language) or choices.get(language.split("-")[0])
    if not found:
        found = next((v for v in choices.values() if v), [])
    return [str(label) for label in found if str(label).strip()]
