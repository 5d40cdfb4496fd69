from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.events import WEBHOOK_EVENTS


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https address on the internet that answers POST requests."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=120,
        required=False,
        help_text=_("What receives the events, e.g. “Newsletter tool”."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=WEBHOOK_EVENTS,
        widget=forms.CheckboxSelectMultiple,
    )


class EndpointEditForm(EndpointForm):
    is_active = forms.BooleanField(label=_("Active: send events to this endpoint"), required=False)
