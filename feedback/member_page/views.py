"""The survey's pages on the member page, without signing in: the signed link is the proof.

- `survey/<token>/` (`member:survey`): an invitation's answer page. A changed link says kindly
  that it is not valid (404), a closed one that it expired (410), an answered one thanks; none
  of them writes anything. The POST answers once (`answer_survey`), then shows the thank-you
  page by redirecting to the same address (a reload sends nothing twice).
- `survey/<token>/stop/` (`member:survey_stop`): GET asks, POST stops survey requests.
- `survey/receipt/<token>/` (`member:survey_receipt`): the anonymous answer for the sale of a
  receipt's QR code (`answer_receipt`), the same page and the same rules.

Everything is in the member's language (`loyalty.languages.page_language`: the switcher's,
the member's own, the browser's, else the merchant's; a receipt has no member) and the merchant's
colours (`render_member_page`).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from feedback.models import Answer, Invitation, QuestionKind, Survey, SurveyKind
from feedback.surveys.answering import (
    SurveyLinkInvalid,
    answer_receipt,
    answer_survey,
    promoter_links,
    score_range,
)
from feedback.surveys.invitations import stop_survey_requests
from feedback.surveys.links import (
    ANSWERED,
    TAMPERED,
    LinkCheck,
    read_receipt_token,
    read_survey_token,
)
from feedback.surveys.wording import (
    question_choices,
    question_label,
    question_text,
    reason_text,
)
from loyalty.errors import ValidationFailed
from loyalty.languages import page_language
from loyalty.models import Merchant
from members.member_page.access import merchant_page, render_member_page
from members.models import Member

TEMPLATES = "member/feedback/"


def _render(request, name: str, merchant: Merchant, language: str, context, status=200):
    with translation.override(language):
        return render_member_page(
            request, TEMPLATES + name, merchant, {"language": language, **context}, status=status
        )


def _form_context(survey: Survey, merchant: Merchant, language: str, posted) -> dict:
    questions = []
    for question in survey.questions.all()[:3]:
        questions.append(
            {
                "id": question.pk,
                "name": f"q{question.pk}",
                "kind": question.kind,
                "label": question_label(question, language),
                "choices": list(enumerate(question_choices(question, language)))
                if question.kind == QuestionKind.CHOICE
                else [],
                "value": posted.get(f"q{question.pk}", ""),
            }
        )
    return {
        "survey": survey,
        "csat": survey.kind == SurveyKind.CSAT,
        "question": question_text(survey, language, merchant),
        "reason": reason_text(survey, language),
        "scores": [str(score) for score in score_range(survey)],
        "chosen": str(posted.get("score", "")),
        "comment": posted.get("comment", ""),
        "questions": questions,
        "rating_values": ["1", "2", "3", "4", "5"],
        "kinds": QuestionKind,
    }


def _thanks(request, merchant: Merchant, language: str, answer: Answer) -> HttpResponse:
    context = {"answer": answer, **promoter_links(answer)}
    return _render(request, "thanks.html", merchant, language, context)


def _closed(request, merchant: Merchant, language: str, check: LinkCheck) -> HttpResponse:
    """The kind page of a changed (404) or closed (410) link."""
    tampered = check.state == TAMPERED
    context = {"tampered": tampered}
    return _render(
        request, "link_invalid.html", merchant, language, context, 404 if tampered else 410
    )


def _answer_page(request, merchant, language, check: LinkCheck, answer, action: str):
    """The form on GET; on POST the answer, then the thank-you page (a redirect to GET)."""
    if check.state == ANSWERED:
        return _thanks(request, merchant, language, check.answer)
    if not check.valid:
        return _closed(request, merchant, language, check)
    error = ""
    if request.method == "POST":
        extra = {key.removeprefix("q"): value for key, value in request.POST.items()}
        try:
            with translation.override(language):
                answer(
                    score=request.POST.get("score"),
                    comment=request.POST.get("comment", ""),
                    extra=extra,
                )
        except ValidationFailed as exc:
            error = exc.message
        except SurveyLinkInvalid:  # it closed between the page and the answer
            return _closed(request, merchant, language, check)
        else:
            return redirect(request.path)
    posted = request.POST if request.method == "POST" else request.GET
    context = {
        "error": error,
        "action": action,
        **_form_context(check.survey, merchant, language, posted),
    }
    return _render(request, "survey.html", merchant, language, context, 400 if error else 200)


@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, merchant: Merchant, token: str) -> HttpResponse:
    check = read_survey_token(merchant, token)
    member: Member | None = check.invitation.member if check.invitation else None
    language = page_language(request, merchant, member.language if member else "")

    def answer(**fields):
        return answer_survey(merchant=merchant, token=token, **fields)

    return _answer_page(request, merchant, language, check, answer, request.path)


@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def survey_receipt(request: HttpRequest, merchant: Merchant, token: str) -> HttpResponse:
    check = read_receipt_token(merchant, token)
    language = page_language(request, merchant)

    def answer(**fields):
        return answer_receipt(merchant=merchant, token=token, **fields)

    return _answer_page(request, merchant, language, check, answer, request.path)


@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def survey_stop(request: HttpRequest, merchant: Merchant, token: str) -> HttpResponse:
    """Stop survey requests: asks on GET (link scanners stop nothing), stops on POST. A link
    that expired still stops them; only a changed one is refused."""
    check = read_survey_token(merchant, token)
    invitation: Invitation | None = check.invitation
    chosen = invitation.member.language if invitation and invitation.member else ""
    language = page_language(request, merchant, chosen)
    if invitation is None:
        return _closed(request, merchant, language, check)
    if request.method == "POST":
        stop_survey_requests(invitation=invitation)
        return _render(request, "stopped.html", merchant, language, {})
    return _render(request, "stop.html", merchant, language, {"action": request.path})
