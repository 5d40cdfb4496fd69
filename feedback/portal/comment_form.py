"""The comments list's filters (`/portal/feedback/comments/` and its CSV): every field is
optional; the period is the insights' period picker (`period`, `from`, `to`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import NpsGroup, Sentiment, Topic
from loyalty.analytics.periods import DEFAULT, PRESETS
from loyalty.models import Shop

LANGUAGE_NAMES = {"en": _("English"), "ro": _("Romanian"), "ru": _("Russian")}
DATE = forms.DateInput(attrs={"type": "date"})


class CommentFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[*PRESETS.items(), ("custom", _("Custom"))],
        initial=DEFAULT,
    )
    group = forms.ChoiceField(
        label=_("Group"), required=False, choices=[("", _("Everyone")), *NpsGroup.choices]
    )
    score_min = forms.IntegerField(label=_("Score from"), required=False, min_value=0, max_value=10)
    score_max = forms.IntegerField(
        label=_("Score up to"), required=False, min_value=0, max_value=10
    )
    topic = forms.ChoiceField(
        label=_("Topic"), required=False, choices=[("", _("Any topic")), *Topic.choices]
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), required=False, choices=[("", _("Any")), *Sentiment.choices]
    )
    shop = forms.TypedChoiceField(label=_("Shop"), required=False, coerce=int, empty_value=None)
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, shops: list[Shop], languages: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(label=_("From"), required=False, widget=DATE)
        self.fields["to"] = forms.DateField(label=_("To"), required=False, widget=DATE)
        self.fields["shop"].choices = [("", _("Every shop"))] + [
            (shop.pk, shop.name) for shop in shops
        ]
        self.fields["language"].choices = [("", _("Any language"))] + [
            (code, LANGUAGE_NAMES.get(code, code)) for code in languages
        ]

    def filters(self) -> dict:
        """The `feedback.insights.queries.comments` filters of the valid fields (a field
        with a bad value is left out, and shows its error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        found = {
            "score_min": data.get("score_min"),
            "score_max": data.get("score_max"),
            "group": data.get("group") or "",
            "topic": data.get("topic") or "",
            "sentiment": data.get("sentiment") or "",
            "shop_id": data.get("shop"),
            "language": data.get("language") or "",
        }
        return {name: value for name, value in found.items() if value not in (None, "")}
