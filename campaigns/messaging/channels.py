"""What each channel hands over: an email (text and HTML, with RFC 8058 headers on
marketing), an SMS, an in-app message (nothing to hand: "sent" means shown on the member page).

Marketing email carries a visible unsubscribe link (added at the foot of the text and HTML
when the template did not place it) and the `List-Unsubscribe` / `List-Unsubscribe-Post`
headers of RFC 8058, both the same URL (`campaigns.messaging.unsubscribe`). Transactional
email carries neither.
"""

import re
import secrets
from email import policy, quoprimime
from email.utils import formatdate, make_msgid, parseaddr
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.core.mail.utils import DNS_NAME
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import override

from campaigns.messaging.unsubscribe import unsubscribe_url
from campaigns.models import Channel, Message, Purpose
from loyalty.languages import reader_language
from loyalty.models import Merchant
from members.sms import SmsMessage


def from_address(merchant: Merchant) -> str:
    """The merchant's name before the platform's address (as the sign-in mail does)."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = merchant.name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{name}" <{address}>'


def _with_footer(message: Message, merchant: Merchant, url: str) -> tuple[str, str]:
    """The bodies with a visible unsubscribe link, unless the template put one in already; the
    link's words in the message's language (a worker has no request to take one from)."""
    text, html = message.body_text, message.body_html
    with override(reader_language(message.language, merchant)):
        label = _("Unsubscribe")
    if url not in text:
        text = f"{text.rstrip()}\n\n--\n{label}: {url}\n"
    if html and escape(url) not in html and url not in html:
        footer = f'<p class="unsubscribe"><a href="{escape(url)}">{escape(label)}</a></p>'
        at = html.lower().rfind("</body>")
        html = f"{html[:at]}{footer}{html[at:]}" if at >= 0 else html + footer
    return text, html


def build_email(message: Message, merchant: Merchant, connection) -> EmailMultiAlternatives:
    """The email of a claimed message (its `to_address` set), on the batch's connection."""
    headers = {"X-Fidela-Message": str(message.pk)}
    text, html = message.body_text, message.body_html
    if message.purpose == Purpose.MARKETING:
        url = unsubscribe_url(merchant, message.member_id, Channel.EMAIL, message.send_key)
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        text, html = _with_footer(message, merchant, url)
    email = WireEmail(
        subject=message.subject,
        body=text,
        from_email=from_address(merchant),
        to=[message.to_address],
        headers=headers,
        connection=connection,
    )
    if html:
        email.attach_alternative(html, "text/html")
    return email


# --- The email's bytes, written straight ----------------------------------------------------------
#
# Django's path (email.mime objects, then the generator) parses every address, makes a Header
# object per header and compiles a regular expression per boundary: about 1 ms a message, more
# than the SMTP transaction on a local server. A broadcast's messages differ only in the
# address, the unsubscribe link and the rendered bodies, so `wire_bytes` writes those and
# takes the subject and the sender, encoded and folded by Django's own functions, from a cache.
# What a parser reads back is what Django's path gives (tests/campaigns/test_send_perf_mime.py).

CRLF = "\r\n"
LINE = 78  # RFC 5322: a header line should not be longer (998 is the limit)
NEWLINES = re.compile(r"\r\n|\r|\n")  # what the generator turns into CRLF
WIRE_POLICY = policy.compat32.clone(linesep=CRLF)
ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# A dot-atom address: Django's sanitize_address gives it back as it is.
PLAIN_ADDRESS = re.compile(rf"{ATOM}(?:\.{ATOM})*@[A-Za-z0-9-]{{1,63}}(?:\.[A-Za-z0-9-]{{1,63}})*")
DJANGO_HEADERS = {"from", "to", "cc", "reply-to", "date", "message-id"}


class WireEmail(EmailMultiAlternatives):
    """Django's email whose `message()` is its bytes as `wire_bytes` writes them; one it does
    not write (an attachment, a line break in a header, an address beyond plain ASCII, another
    charset) is built by Django's path. Any backend can send it (they read `message()`)."""

    def message(self):
        raw = wire_bytes(self)
        return super().message() if raw is None else WireMessage(raw)


class WireMessage:
    """The part of `email.message.Message` that Django's backends read: the bytes."""

    def __init__(self, raw: bytes):
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n", policy=None) -> bytes:
        return self.raw if linesep == CRLF else self.raw.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom: bool = False, maxheaderlen: int = 0, policy=None) -> str:
        return self.as_bytes().decode("utf-8", errors="surrogateescape")

    def get_charset(self) -> None:
        return None

    __bytes__ = as_bytes


@lru_cache(maxsize=512)
def _folded(name: str, value: str) -> str | None:
    """A header line as Django's path writes it (encoded, folded, CRLF at its end); None when
    Django would refuse it (a line break in the value)."""
    if "\n" in value or "\r" in value:
        return None
    name, value = forbid_multi_line_headers(name, value, "utf-8")
    return WIRE_POLICY.fold(name, value)


def _plain(name: str, value: str) -> str | None:
    """A header of plain ASCII (an address, an id, a link): on its line, or on the next one
    when long; None for anything else."""
    if not value.isascii() or "\n" in value or "\r" in value:
        return None
    if len(name) + len(value) + 2 <= LINE:
        return f"{name}: {value}{CRLF}"
    if len(value) + 1 > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
        return None
    return f"{name}: {CRLF} {value}{CRLF}"


def _text_part(text: str, subtype: str) -> tuple[str, str]:
    """(headers, body) of a text part as Django writes it: UTF-8, 7bit or 8bit as it is,
    quoted-printable when a line is longer than RFC 5322 allows."""
    lines = NEWLINES.split(text)
    if any(
        len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
        for line in lines
    ):
        encoded = quoprimime.body_encode(text.encode().decode("latin-1"))
        body, encoding = CRLF.join(NEWLINES.split(encoded)), "quoted-printable"
    else:
        body, encoding = CRLF.join(lines), "7bit" if text.isascii() else "8bit"
    headers = (
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}MIME-Version: 1.0{CRLF}'
        f"Content-Transfer-Encoding: {encoding}{CRLF}"
    )
    return headers, body


def _boundary(parts: list[str]) -> str:
    while True:
        boundary = f"==============={secrets.token_hex(10)}=="
        if not any(boundary in part for part in parts):
            return boundary


def wire_bytes(email: EmailMultiAlternatives) -> bytes | None:
    """The bytes of a one-recipient email of a text body and at most an HTML alternative, as
    Django's path would give them (headers in its order); None for any other email."""
    charset = (email.encoding or settings.DEFAULT_CHARSET).lower().replace("_", "-")
    html = [c for c, mimetype in email.alternatives if mimetype == "text/html"]
    if (
        charset != "utf-8"
        or email.attachments
        or email.cc
        or email.reply_to
        or len(email.to) != 1
        or len(html) != len(email.alternatives)
        or len(html) > 1
        or any(name.lower() in DJANGO_HEADERS for name in email.extra_headers)
        or email.content_subtype != "plain"
        or not isinstance(email.body, str)
        or not email.body  # Django then sends the alternative alone
        or not PLAIN_ADDRESS.fullmatch(email.to[0])
    ):
        return None
    lines = [
        _folded("Subject", str(email.subject)),
        _folded("From", str(email.from_email)),
        _plain("To", email.to[0]),
        f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}{CRLF}",
        f"Message-ID: {make_msgid(domain=DNS_NAME)}{CRLF}",
        *(_plain(name, str(value)) for name, value in email.extra_headers.items()),
    ]
    if None in lines:
        return None
    headers, body = _text_part(email.body, "plain")
    if not html:
        return (headers + "".join(lines) + CRLF + body).encode(errors="surrogateescape")
    html_headers, html_body = _text_part(str(html[0]), "html")
    boundary = _boundary([body, html_body])
    top = f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"{CRLF}'
    wire = (
        f"{top}MIME-Version: 1.0{CRLF}{''.join(lines)}{CRLF}"
        f"--{boundary}{CRLF}{headers}{CRLF}{body}{CRLF}"
        f"--{boundary}{CRLF}{html_headers}{CRLF}{html_body}{CRLF}"
        f"--{boundary}--{CRLF}"
    )
    return wire.encode(errors="surrogateescape")


def hand_over(email: EmailMultiAlternatives, mail) -> None:
    """Send one email on the batch's open connection. On Django's own SMTP backend a wire
    email goes straight to its smtplib connection, as the backend's `_send` would hand it (the
    envelope sender sanitized as it does, once per sender; the recipient a dot-atom address,
    which it leaves as it is), without parsing both addresses for every message. Any other
    backend, or a subclass that changes how messages go, sends it as usual."""
    raw = None
    if (
        type(mail).send_messages is SmtpBackend.send_messages
        and type(mail)._send is SmtpBackend._send
        and getattr(mail, "connection", None) is not None
        and isinstance(email, WireEmail)
    ):
        raw = wire_bytes(email)
    if raw is None:
        mail.send_messages([email])
        return
    mail.connection.sendmail(_envelope(email.from_email), email.to, raw)


@lru_cache(maxsize=256)
def _envelope(address: str) -> str:
    return sanitize_address(address, "utf-8")


def build_sms(message: Message) -> SmsMessage:
    return SmsMessage(to=message.to_address, body=message.body_text)
