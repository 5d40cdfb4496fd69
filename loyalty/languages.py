"""Which language a page speaks: the reader's choice, else their browser's, else the merchant's.

`LocaleMiddleware` has already taken the language switcher's cookie or the browser's
`Accept-Language`; when neither names a language Fidela speaks, the page falls back to the
merchant's default language (a business setting), not to English. Staff pages put the language
a person once picked with the switcher (kept on their account, for their other browsers) before
their browser's; a member's page puts the language the member chose (at joining, in their
profile or with the switcher) first.

What is not a page (an email, an SMS, a worker's message) has no browser: it speaks
`reader_language`, the language its reader chose (a member's `Member.language`, a staff
user's `User.language`), else the merchant's default language, else `LANGUAGE_CODE`.
"""

from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from loyalty.models import Merchant

SUPPORTED = frozenset(code for code, _name in settings.LANGUAGES)


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def reader_language(chosen: str | None, merchant: Merchant | None) -> str:
    """The language of a message to one person, away from any page: the language they chose
    (a member's or a staff user's own) if Fidela speaks it, else the merchant's default
    language, else `LANGUAGE_CODE`. Render the message under `translation.override` of it."""
    return (
        _supported(chosen)
        or _supported(merchant.default_language if merchant else None)
        or settings.LANGUAGE_CODE
    )


def by_language(readers: Iterable[tuple[str, str]], merchant: Merchant) -> dict[str, list[str]]:
    """Addresses grouped by the language each reader reads, from (address, chosen) pairs: one
    mail per language to a merchant's staff, each person in their own."""
    groups: dict[str, list[str]] = {}
    for address, chosen in readers:
        groups.setdefault(reader_language(chosen, merchant), []).append(address)
    return groups


def switcher_language(request: HttpRequest) -> str | None:
    """The language picked with the footer's switcher (its cookie), if Fidela speaks it."""
    return _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))


def browser_language(request: HttpRequest) -> str | None:
    """The first language of the browser's Accept-Language that Fidela speaks, if any."""
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        found = _supported(code)
        if found:
            return found
    return None


def page_language(request: HttpRequest, merchant: Merchant, chosen: str = "") -> str:
    """The switcher's choice, else `chosen` (a member's own), else the browser's, else the
    merchant's default language."""
    return (
        switcher_language(request)
        or _supported(chosen)
        or browser_language(request)
        or _supported(merchant.default_language)
        or settings.LANGUAGE_CODE
    )


def speak_to_client(request: HttpRequest, merchant: Merchant) -> str:
    """The shop API's language, once the key has named the merchant: the client's
    Accept-Language if Fidela speaks it, else the merchant's default language, else
    `LANGUAGE_CODE`. Activated for the rest of the request, so that DRF's own messages and the
    domain errors raised later speak it too (problem `code`s stay English)."""
    language = browser_language(request) or reader_language(None, merchant)
    translation.activate(language)
    return language


def speak(request: HttpRequest, merchant: Merchant, chosen: str = "") -> str:
    """Activate the page's language for the rest of this request and return it."""
    language = page_language(request, merchant, chosen)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language
