"""Message templates for the campaigns tests, saved through the real service."""

from campaigns.messaging.templates import ContentInput, save_template
from campaigns.models import Channel, MessageTemplate, Purpose
from loyalty.models import Merchant


def make_template(
    merchant: Merchant,
    body: str,
    *,
    subject: str = "News from us",
    channel: str = Channel.EMAIL,
    purpose: str = Purpose.MARKETING,
    name: str = "Spring letter",
    languages: dict[str, tuple[str, str]] | None = None,
    **fields,
) -> MessageTemplate:
    """A template in English (or in the `languages` given, as language: (subject, body))."""
    contents = [
        ContentInput(language, words[0], words[1])
        for language, words in (languages or {"en": (subject, body)}).items()
    ]
    template = MessageTemplate(
        merchant=merchant, name=name, channel=channel, purpose=purpose, **fields
    )
    return save_template(template=template, contents=contents, actor=None)
