"""allauth's hooks: where a new owner lands, and whose name the sign-in mails carry.

A member signs in on /m/<slug>/ pages, so the mail is the merchant's: "Your Aroma Café
sign-in code", from "Aroma Café <noreply@…>", greeting from the merchant. Staff mail (the
portal's sign-in, password reset, address confirmation) stays Fidela's. Nothing here takes
the host name of the request, which the mails used to show ("[127.0.0.1:8300] Sign-In Code").
Each mail speaks its reader's language: the member's card's, the staff user's own, else the
language of the page that sent it.
"""

import re
from email.utils import parseaddr
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from loyalty.languages import reader_language
from loyalty.models import Merchant, User

PLATFORM_NAME = "Fidela"
# The member pages, and allauth's code page on its way back to one (`next`).
_MEMBER_PATH = re.compile(r"^/m/(?P<slug>[-\w]+)/")
# The member views set this on the request when a join sends the mail: which mail to send.
JOIN_MAIL_ATTRIBUTE = "fidela_join_mail"
JOIN_MAILS = {"joined", "already_member", "contact_taken"}
_JOIN_TEMPLATES = {"account/email/login_code", "account/email/unknown_account"}
# A member's code sign-in says one thing when it ends ("You are signed in to … rewards"): the
# code page itself says a code was sent, and proving the address is part of signing in.
_MEMBER_QUIET_MESSAGES = {
    "account/messages/login_code_sent.txt",
    "account/messages/email_confirmed.txt",
}
_SIGNED_IN_MESSAGE = "account/messages/logged_in.txt"


def member_signed_in_message(merchant: Merchant) -> str:
    """The one message after a member's sign-in, by email code or by SMS code."""
    return _("You are signed in to %(merchant)s rewards.") % {"merchant": merchant.name}


def member_merchant(request: HttpRequest | None) -> Merchant | None:
    """The merchant of the member page a request is on, or is on its way back to."""
    if request is None:
        return None
    for candidate in (request.path, request.POST.get("next"), request.GET.get("next")):
        match = _MEMBER_PATH.match(candidate or "")
        if match:
            return Merchant.objects.filter(slug=match["slug"]).first()
    return None


class AccountAdapter(DefaultAccountAdapter):
    _merchant: Merchant | None = None

    def get_signup_redirect_url(self, request):
        # A new owner names the merchant and the first shop next.
        return reverse("onboarding")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = context.get("request") or allauth_context.request
        self._merchant = member_merchant(request)
        join_mail = getattr(request, JOIN_MAIL_ATTRIBUTE, "") if request is not None else ""
        if self._merchant and join_mail in JOIN_MAILS and template_prefix in _JOIN_TEMPLATES:
            # What the owner of the address needs to hear about this join; the page that
            # typed the address is told the same "check your email" every time.
            template_prefix = f"email/members/join_{join_mail}"
        site_name = self._merchant.name if self._merchant else PLATFORM_NAME
        ctx: dict[str, Any] = {
            "request": request,
            "email": email,
            "merchant": self._merchant,
            "site_name": site_name,
            "site_url": settings.SITE_URL,
            # allauth's own mail templates name the site; never the host of the request.
            "current_site": SimpleNamespace(
                name=site_name, domain=urlsplit(settings.SITE_URL).netloc
            ),
        }
        if self._merchant is not None:
            ctx["card_url"] = settings.SITE_URL + reverse(
                "member:card", kwargs={"merchant_slug": self._merchant.slug}
            )
            ctx["login_url"] = settings.SITE_URL + reverse(
                "member:login", kwargs={"merchant_slug": self._merchant.slug}
            )
            ctx["join_url"] = settings.SITE_URL + reverse(
                "member:join", kwargs={"merchant_slug": self._merchant.slug}
            )
        ctx.update(context)
        with translation.override(self._mail_language(email, ctx.get("user"))):
            msg = self.render_mail(template_prefix, email, ctx)
        msg.send()

    def _mail_language(self, email: str, user: Any) -> str:
        """A member's mail speaks the member's language (`reader_language`), a staff mail the
        user's; one who never chose reads it in the language of the page that sent it."""
        chosen = ""
        if self._merchant is not None:
            chosen = (
                self._merchant.members.filter(email__iexact=email)
                .exclude(language="")
                .values_list("language", flat=True)
                .first()
            ) or ""
        elif user is not None:
            chosen = getattr(user, "language", "")
        elif email:
            found = User.objects.filter(email__iexact=email).values_list("language", flat=True)
            chosen = found.first() or ""
        return reader_language(chosen or translation.get_language(), self._merchant)

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        merchant = member_merchant(request) if message_template else None
        if merchant is not None and message_template in _MEMBER_QUIET_MESSAGES:
            return
        if merchant is not None and message_template == _SIGNED_IN_MESSAGE:
            text = member_signed_in_message(merchant)
            messages.add_message(request, level, text, extra_tags=extra_tags)
            return
        super().add_message(
            request,
            level,
            message_template=message_template,
            message_context=message_context,
            extra_tags=extra_tags,
            message=message,
        )

    def format_email_subject(self, subject: str) -> str:
        # A member's mail is the merchant's own: its subject names the merchant already.
        if self._merchant is not None:
            return force_str(subject)
        return f"[{PLATFORM_NAME}] {force_str(subject)}"

    def get_from_email(self) -> str:
        if self._merchant is None:
            return settings.DEFAULT_FROM_EMAIL
        # The merchant's name before the platform's address. Left unencoded (Django encodes
        # headers on sending), quoted so that a comma or a dot in a name stays one name.
        _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        name = self._merchant.name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{name}" <{address}>'
