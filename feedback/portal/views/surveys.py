"""The survey editor (/portal/feedback/survey/): the merchant's survey (the active one, else
the newest; `?new=1` starts another), its questions in each survey language, when and how
often members are asked, and the loop's settings. Managers and owners."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from feedback.models import Survey
from feedback.portal.survey_form import SurveyForm
from feedback.surveys.editor import (
    current_survey,
    feedback_settings,
    save_feedback_settings,
    save_survey,
)
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required


def _survey_for(request: HttpRequest) -> Survey | None:
    """The survey being edited: the form's hidden id, else a new one, else the current one."""
    source = request.POST if request.method == "POST" else request.GET
    survey_id = source.get("survey", "")
    if survey_id.isdigit():
        return get_object_or_404(Survey.objects.for_merchant(request.merchant), pk=survey_id)
    if source.get("new") or request.method == "POST":
        return None
    return current_survey(request.merchant)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def survey_editor(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    survey = _survey_for(request)
    settings_row = feedback_settings(merchant)
    form = SurveyForm(
        request.POST or None,
        instance=survey or Survey(merchant=merchant, name=_("After the visit"), active=True),
        settings_row=settings_row,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_survey(
                merchant=merchant, actor=request.user, draft=form.draft(), survey=survey
            )
            save_feedback_settings(
                merchant=merchant,
                actor=request.user,
                review_url=form.cleaned_data["review_url"] or "",
                case_due_hours=form.cleaned_data["case_due_hours"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Survey saved."))
            return redirect(f"{request.path}?survey={saved.pk}")
    others = Survey.objects.for_merchant(merchant).order_by("-created_at", "-id")
    context = {
        "nav": "feedback",
        "tab": "survey",
        "form": form,
        "survey": survey,
        "surveys": [s for s in others if survey is None or s.pk != survey.pk],
    }
    return render(
        request, "portal/feedback/survey.html", context, status=400 if form.errors else 200
    )
