"""The survey editor's form: the survey's settings, its words in each survey language, up to
three optional questions, and the loop's settings (review link, hours per case).

Field names: `question_<lang>`, `reason_<lang>`, and for question n (1-3) `q<n>_kind`,
`q<n>_text_<lang>`, `q<n>_choices_<lang>` (one choice per line). `draft()` turns the cleaned
data into the editor service's `SurveyDraft`.
"""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.models import FeedbackSettings, QuestionKind, Survey, SurveyKind
from feedback.surveys.editor import (
    LIMITS,
    MAX_CHOICES,
    MAX_QUESTIONS,
    SURVEY_LANGUAGES,
    QuestionDraft,
    SurveyDraft,
)

QUESTION_NUMBERS = range(1, MAX_QUESTIONS + 1)


class SurveyForm(forms.ModelForm):
    review_url = FeedbackSettings._meta.get_field("review_url").formfield(
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("Promoters are invited to leave a public review here."),
    )
    case_due_hours = forms.IntegerField(
        label=gettext_lazy("Hours to answer a case"), min_value=1, max_value=720, initial=24
    )

    class Meta:
        model = Survey
        fields = [
            "name",
            "kind",
            "active",
            "incentive_points",
            "invite_after_hours",
            "sampling_percent",
            "cooldown_days",
            "channel",
            "link_days",
        ]

    def __init__(self, *args, settings_row: FeedbackSettings, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (low, high) in LIMITS.items():
            self.fields[name].min_value, self.fields[name].max_value = low, high
            self.fields[name].widget.attrs.update(min=low, max=high)
            self.fields[name].validators += [MinValueValidator(low), MaxValueValidator(high)]
        self.fields["active"].help_text = _(
            "Only one survey asks at a time: activating this one stops the others."
        )
        self.fields["kind"].widget = forms.RadioSelect(choices=SurveyKind.choices)
        self.fields["case_due_hours"].initial = settings_row.case_due_hours
        self.fields["review_url"].initial = settings_row.review_url
        survey = self.instance
        for code, language in SURVEY_LANGUAGES:
            self.fields[f"question_{code}"] = forms.CharField(
                label=_("Score question (%(language)s)") % {"language": language},
                required=False,
                max_length=300,
                initial=survey.question.get(code, ""),
                help_text=_("Empty: the built-in words."),
            )
            self.fields[f"reason_{code}"] = forms.CharField(
                label=_("Reason prompt (%(language)s)") % {"language": language},
                required=False,
                max_length=300,
                initial=survey.reason_prompt.get(code, ""),
                help_text=_("Empty: “What is the main reason for your score?”"),
            )
        questions = list(survey.questions.order_by("position", "id")) if survey.pk else []
        for n in QUESTION_NUMBERS:
            self._add_question_fields(n, questions[n - 1] if n <= len(questions) else None)

    def _add_question_fields(self, n: int, question) -> None:
        self.fields[f"q{n}_kind"] = forms.ChoiceField(
            label=_("Question %(n)s") % {"n": n},
            required=False,
            choices=[("", _("No question")), *QuestionKind.choices],
            initial=question.kind if question else "",
        )
        for code, language in SURVEY_LANGUAGES:
            self.fields[f"q{n}_text_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": language},
                required=False,
                max_length=300,
                initial=question.text.get(code, "") if question else "",
            )
            self.fields[f"q{n}_choices_{code}"] = forms.CharField(
                label=_("Choices (%(language)s), one per line") % {"language": language},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial="\n".join(question.choices.get(code, [])) if question else "",
            )

    def validate_unique(self) -> None:
        # One active survey per merchant: the service deactivates the others when this one
        # is activated, so the partial unique constraint is not the form's to check.
        return

    def language_fields(self, prefix: str) -> list:
        return [self[f"{prefix}_{code}"] for code, _label in SURVEY_LANGUAGES]

    def question_fields(self) -> list:
        return self.language_fields("question")

    def reason_fields(self) -> list:
        return self.language_fields("reason")

    def question_blocks(self) -> list[dict]:
        """The optional questions' bound fields, for the template."""
        return [
            {
                "n": n,
                "kind": self[f"q{n}_kind"],
                "texts": self.language_fields(f"q{n}_text"),
                "choices": self.language_fields(f"q{n}_choices"),
            }
            for n in QUESTION_NUMBERS
        ]

    def _choices(self, n: int, code: str) -> list[str]:
        raw = self.cleaned_data.get(f"q{n}_choices_{code}") or ""
        return [line.strip() for line in raw.splitlines() if line.strip()]

    def clean(self):
        data = super().clean()
        for n in QUESTION_NUMBERS:
            kind = data.get(f"q{n}_kind")
            texts = {
                code: (data.get(f"q{n}_text_{code}") or "").strip() for code, _l in SURVEY_LANGUAGES
            }
            if not kind:
                if any(texts.values()):
                    self.add_error(f"q{n}_kind", _("Choose the kind of this question."))
                continue
            if not any(texts.values()):
                self.add_error(f"q{n}_text_en", _("Write the question in at least one language."))
            if kind == QuestionKind.CHOICE:
                for code, _label in SURVEY_LANGUAGES:
                    count = len(self._choices(n, code))
                    if texts[code] and not 2 <= count <= MAX_CHOICES:
                        self.add_error(
                            f"q{n}_choices_{code}",
                            _("Give 2 to %(most)s choices, one per line.") % {"most": MAX_CHOICES},
                        )
        return data

    def draft(self) -> SurveyDraft:
        data = self.cleaned_data
        codes = [code for code, _label in SURVEY_LANGUAGES]
        questions = [
            QuestionDraft(
                kind=data[f"q{n}_kind"],
                text={code: data.get(f"q{n}_text_{code}", "") for code in codes},
                choices={code: self._choices(n, code) for code in codes},
            )
            for n in QUESTION_NUMBERS
            if data.get(f"q{n}_kind")
        ]
        return SurveyDraft(
            name=data["name"],
            kind=data["kind"],
            active=data["active"],
            question={code: data.get(f"question_{code}", "") for code in codes},
            reason_prompt={code: data.get(f"reason_{code}", "") for code in codes},
            incentive_points=data["incentive_points"],
            invite_after_hours=data["invite_after_hours"],
            sampling_percent=data["sampling_percent"],
            cooldown_days=data["cooldown_days"],
            channel=data["channel"],
            link_days=data["link_days"],
            questions=questions,
        )
