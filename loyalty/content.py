"""What the merchant writes, in each language: a reward's name, a tier's, a stamp card's.

The merchant writes each name once in their business's default language, in the model's own
field, and may give it in the other languages Fidela speaks; those words are kept on the
object, in its `translations` JSON field: ``{"ro": {"name": "Cafea gratuită"}, "ru": {...}}``.
`localized` reads the words for the language being spoken (the page's, or the email's under
`translation.override`), and falls back to the merchant's own words where a language has none.

`TranslationsFormMixin` gives a portal form the fields for the other languages; the form's
template includes ``portal/_translations.html`` to show them, and the service that saves the
object takes ``translations=`` with the other fields.
"""

import copy
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant


def localized(obj: Any, field: str, language: str | None = None) -> str:
    """`obj`'s `field` in `language` (default: the active one), else the merchant's own words."""
    if obj is None:
        return ""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    words = (getattr(obj, "translations", None) or {}).get(language) or {}
    return words.get(field) or getattr(obj, field)


def other_languages(merchant: Merchant) -> list[tuple[str, str]]:
    """The languages besides the merchant's default one, as (code, name) pairs."""
    return [(code, name) for code, name in settings.LANGUAGES if code != merchant.default_language]


def in_each_language(
    merchant: Merchant, words: Callable[[], dict[str, str]]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """What Fidela writes for a merchant (the sample tiers and rewards a new one starts with):
    `words()` in the merchant's default language, for the model's own fields, and in each other
    language, as `translations`."""
    with translation.override(merchant.default_language or settings.LANGUAGE_CODE):
        own = {field: str(text) for field, text in words().items()}
    translations = {}
    for code, _name in other_languages(merchant):
        with translation.override(code):
            translations[code] = {field: str(text) for field, text in words().items()}
    return own, translations


def clean_translations(value: Any, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Only Fidela's languages and the given fields, trimmed, without the empty ones."""
    cleaned: dict[str, dict[str, str]] = {}
    if not isinstance(value, dict):
        return cleaned
    for code, _name in settings.LANGUAGES:
        words = value.get(code)
        if not isinstance(words, dict):
            continue
        kept = {f: str(words[f]).strip() for f in fields if str(words.get(f) or "").strip()}
        if kept:
            cleaned[code] = kept
    return cleaned


class TranslationsFormMixin:
    """For a portal form of an object with `translations`: one optional field per translated
    field and other language (``name_ro``), filled from the object, gathered by
    `translations()`. Call `add_translation_fields(merchant)` at the end of `__init__`."""

    translated_fields: tuple[str, ...] = ("name",)

    def add_translation_fields(self, merchant: Merchant, instance: Any = None) -> None:
        instance = instance if instance is not None else getattr(self, "instance", None)
        saved = (getattr(instance, "translations", None) or {}) if instance else {}
        self._translation_languages = other_languages(merchant)
        for code, language in self._translation_languages:
            for name in self.translated_fields:
                field = copy.deepcopy(self.fields[name])
                field.required = False
                field.help_text = ""
                field.label = _("%(field)s (%(language)s)") % {
                    "field": self.fields[name].label,
                    "language": language,
                }
                field.initial = (saved.get(code) or {}).get(name, "")
                field.widget.attrs["lang"] = code
                self.fields[f"{name}_{code}"] = field

    def translation_groups(self) -> list[dict]:
        """The other languages' fields, one group per language, for the template."""
        return [
            {
                "code": code,
                "language": language,
                "fields": [self[f"{name}_{code}"] for name in self.translated_fields],
            }
            for code, language in getattr(self, "_translation_languages", [])
        ]

    def translations_open(self) -> bool:
        """Shown open when some words are given, or one of them is wrong."""
        return any(
            field.value() or field.errors
            for group in self.translation_groups()
            for field in group["fields"]
        )

    def translations(self) -> dict[str, dict[str, str]]:
        """The words given for the other languages, as the `translations` field keeps them."""
        data = self.cleaned_data
        given = {
            code: {name: data.get(f"{name}_{code}") or "" for name in self.translated_fields}
            for code, _language in getattr(self, "_translation_languages", [])
        }
        return clean_translations(given, self.translated_fields)
