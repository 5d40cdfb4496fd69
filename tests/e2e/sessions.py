"""Signing a browser in without its sign-in form: a Django session cookie for `user`."""

from django.conf import settings
from django.test import Client


def sign_in_browser(context, live_server, user) -> None:
    """Give the Playwright browser context a signed-in session of `user` on the live server."""
    client = Client()
    client.force_login(user)
    host = live_server.url.split("//")[1].split(":")[0]
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "domain": host, "path": "/"}]
    )
