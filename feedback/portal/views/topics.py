"""The merchant's topic keywords (/portal/feedback/topics/): the eight topics with the words
the merchant added to each, per language; adding one, removing one (asks first), and "Try a
sentence", which answers through HTMX with what the analyser makes of it with these keywords.
Managers only."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from feedback.analysis import analyse
from feedback.analysis.keywords import MAX_LENGTH, add_topic_keyword, delete_topic_keyword
from feedback.analysis.sentiment import LEXICONS
from feedback.models import Sentiment, Topic, TopicKeyword
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required

LANGUAGE_CHOICES = [
    ("", gettext_lazy("Every language")),
    ("en", gettext_lazy("English")),
    ("ro", gettext_lazy("Romanian")),
    ("ru", gettext_lazy("Russian")),
]
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)
BUILT_IN_SHOWN = 12  # built-in words shown per topic and language


class KeywordForm(forms.Form):
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=Topic.choices)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=LANGUAGE_CHOICES, required=False
    )
    keyword = forms.CharField(
        label=gettext_lazy("Word or phrase"),
        max_length=MAX_LENGTH,
        help_text=gettext_lazy(
            "Found in every form of the word (“croissant” finds “croissants”), with or "
            "without diacritics."
        ),
    )


class TryForm(forms.Form):
    prefix = "try"  # the page has two forms; their fields' ids must differ

    text = forms.CharField(
        label=gettext_lazy("A customer's comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("Detect it")), *LANGUAGE_CHOICES[1:]],
        required=False,
    )


def _topics(request: HttpRequest) -> list[dict]:
    """Each topic with the merchant's keywords and a few of the built-in words."""
    mine: dict[str, list[TopicKeyword]] = {}
    for row in TopicKeyword.objects.for_merchant(request.merchant).order_by(
        "topic", "language", "keyword"
    ):
        mine.setdefault(row.topic, []).append(row)
    return [
        {
            "value": topic.value,
            "label": topic.label,
            "keywords": [
                {"row": row, "language": LANGUAGE_NAMES.get(row.language, row.language)}
                for row in mine.get(topic.value, [])
            ],
            "built_in": [
                (LANGUAGE_NAMES[code], ", ".join(lexicon.TOPICS[topic.value][:BUILT_IN_SHOWN]))
                for code, lexicon in LEXICONS.items()
            ],
        }
        for topic in Topic
    ]


def _page(request: HttpRequest, form: KeywordForm, try_form: TryForm, result=None, status=200):
    context = {
        "nav": "feedback",
        "tab": "topics",
        "topics": _topics(request),
        "form": form,
        "try_form": try_form,
        "result": _result(result),
    }
    return render(request, "portal/feedback/topics.html", context, status=status)


def _result(analysis) -> dict | None:
    if analysis is None:
        return None
    topic_labels = dict(Topic.choices)
    return {
        "language": LANGUAGE_NAMES.get(analysis.language, analysis.language) or "",
        "sentiment": analysis.sentiment,
        "sentiment_label": dict(Sentiment.choices).get(analysis.sentiment, ""),
        "topics": [topic_labels.get(topic, topic) for topic in analysis.topics],
    }


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def topics(request: HttpRequest) -> HttpResponse:
    form = KeywordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = add_topic_keyword(
                merchant=request.merchant,
                actor=request.user,
                topic=data["topic"],
                language=data["language"],
                keyword=data["keyword"],
            )
        except DomainError as error:
            form.add_error("keyword", error.message)
        else:
            messages.success(
                request,
                _("“%(keyword)s” now counts for %(topic)s.")
                % {"keyword": row.keyword, "topic": row.get_topic_display()},
            )
            return redirect("portal:feedback_topics")
    return _page(request, form, TryForm(), status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def topic_keyword_delete(request: HttpRequest, keyword_id: int) -> HttpResponse:
    keyword = get_object_or_404(TopicKeyword.objects.for_merchant(request.merchant), pk=keyword_id)
    if request.method == "POST":
        delete_topic_keyword(keyword=keyword, actor=request.user)
        messages.success(request, _("“%(keyword)s” removed.") % {"keyword": keyword.keyword})
        return redirect("portal:feedback_topics")
    context = {
        "nav": "feedback",
        "tab": "topics",
        "keyword": keyword,
        "language": LANGUAGE_NAMES.get(keyword.language, keyword.language),
    }
    return render(request, "portal/feedback/topic_delete.html", context)


@require_POST
@staff_required(Role.MANAGER)
def topics_try(request: HttpRequest) -> HttpResponse:
    """What the analyser finds in a sentence with the merchant's keywords: the "try" partial
    for HTMX, the whole page without JavaScript."""
    try_form = TryForm(request.POST)
    result = None
    if try_form.is_valid():
        data = try_form.cleaned_data
        result = analyse(data["text"], merchant=request.merchant, language=data["language"])
    status = 400 if try_form.errors else 200
    if request.htmx:
        context = {"try_form": try_form, "result": _result(result), "htmx": True}
        return render(request, "portal/feedback/topics.html#try", context, status=status)
    return _page(request, KeywordForm(), try_form, result, status=status)
