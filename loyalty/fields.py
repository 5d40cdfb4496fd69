"""Form fields the surfaces share (the portal and the POS ask for a reason the same way)."""

from django import forms

from loyalty.points.ledger import REASON_LENGTH


class ReasonField(forms.CharField):
    """Why a change was made: kept with the ledger entry and the audit row."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", REASON_LENGTH)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(**kwargs)
