"""Which language a page speaks: the reader's choice, else their browser's, else the merchant's.

`LocaleMiddleware` has already taken the language switcher's cookie or the browser's
`Accept-Language`; when neither names a language Fidela speaks, the page falls back to the
merchant's default language (a business setting), not to English. Staff pages put the language
a person once picked with the switcher (kept on their account, for their other browsers) before
their browser's; a member's page puts the language the member chose (at joining, in their
profile or with the switcher) first.
"""

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


def speak(request: HttpRequest, merchant: Merchant, chosen: str = "") -> str:
    """Activate the page's language for the rest of this request and return it."""
    language = page_language(request, merchant, chosen)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language
