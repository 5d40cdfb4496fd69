from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.events import WEBHOOK_EVENTS
from loyalty.models.webhooks import WebhookEndpoint
from loyalty.webhooks.safety import UnsafeWebhookURL, check_url


class EndpointForm(forms.Form):
    """An endpoint's address and events. Every problem is reported in one round.

    The safety check of the URL (https, a public address) runs here, in `clean()`, next to the
    field checks: were it left to the service, which runs only once the form is valid, a missing
    event would hide an unsafe URL until the next round (and the service stops at its first
    refusal). The service checks again: the form is a courtesy, not the guard.
    """

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

    def __init__(self, *args, endpoint: WebhookEndpoint | None = None, **kwargs):
        self.endpoint = endpoint
        super().__init__(*args, **kwargs)

    def _url_needs_check(self, url: str) -> bool:
        if self.endpoint is None:
            return True
        # As the service: a new address, or one switched back on, is checked again.
        switched_on = self.cleaned_data.get("is_active") and not self.endpoint.is_active
        return url != self.endpoint.url or bool(switched_on)

    def clean(self) -> dict:
        cleaned = super().clean()
        url = cleaned.get("url")
        if url:
            url = cleaned["url"] = url.strip()
            if self._url_needs_check(url):
                try:
                    check_url(url)  # a DNS look-up; no transaction is open in a form
                except UnsafeWebhookURL as exc:
                    self.add_error("url", forms.ValidationError(exc.message, code=exc.code))
        return cleaned


class EndpointEditForm(EndpointForm):
    is_active = forms.BooleanField(label=_("Active: send events to this endpoint"), required=False)
