"""What a person sees when a form is refused for its CSRF token (settings.CSRF_FAILURE_VIEW).

Mostly a page left open past the token's life (or across a sign-in in another tab): say so in
plain words, with a button that reloads the page they are on. An HTMX request (the POS panel)
gets the message as a partial to swap in; any other request gets the whole styled page.
Django's developer page is never shown, whatever DEBUG says.
"""

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

TEMPLATE = "403_csrf.html"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    htmx = getattr(request, "htmx", None)
    context = {"reload_url": _reload_url(request)}
    if htmx:
        # Swapped into a page that has its own h1.
        return render(request, f"{TEMPLATE}#message", context | {"heading": "h2"}, status=403)
    return render(request, TEMPLATE, context | {"heading": "h1"}, status=403)


def _reload_url(request: HttpRequest) -> str:
    """The page the person is on, if it is one of ours: HTMX says it, a browser's Referer too.

    Otherwise the address the form was sent to (most forms here are sent to their own page).
    """
    htmx = getattr(request, "htmx", None)
    candidates = [htmx.current_url if htmx else None, request.headers.get("Referer")]
    for url in candidates:
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(url)
            return parts.path + (f"?{parts.query}" if parts.query else "") or "/"
    return request.path
