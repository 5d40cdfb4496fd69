"""What each channel hands over: an email (text and HTML, with RFC 8058 headers on
marketing), an SMS, an in-app message (nothing to hand: "sent" means shown on the member page).

Marketing email carries a visible unsubscribe link (added at the foot of the text and HTML
when the template did not place it) and the `List-Unsubscribe` / `List-Unsubscribe-Post`
headers of RFC 8058, both the same URL (`campaigns.messaging.unsubscribe`). Transactional
email carries neither.
"""

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import override

from campaigns.messaging.unsubscribe import unsubscribe_url
from campaigns.models import Channel, Message, Purpose
from loyalty.models import Merchant
from members.sms import SmsMessage


def from_address(merchant: Merchant) -> str:
    """The merchant's name before the platform's address (as the sign-in mail does)."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = merchant.name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{name}" <{address}>'


def _with_footer(message: Message, url: str) -> tuple[str, str]:
    """The bodies with a visible unsubscribe link, unless the template put one in already."""
    text, html = message.body_text, message.body_html
    with override(message.language or None):
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
        text, html = _with_footer(message, url)
    email = EmailMultiAlternatives(
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


def build_sms(message: Message) -> SmsMessage:
    return SmsMessage(to=message.to_address, body=message.body_text)
