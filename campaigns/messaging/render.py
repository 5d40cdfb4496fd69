"""A template filled for one member: what the email, the SMS or the in-app card says.

`render(template, member, ...)` picks the language (the one asked for, else the member's, else
the template's default, else the merchant's), fills the variables the words use (and only
those: a broadcast does not look up the next reward of members whose message never names it)
and renders:

- email: `html`, the merchant's branded layout (templates/email/campaigns/message.html) with
  its CSS (message.css, in the brand's colours) inlined by css-inline (mail clients drop
  <style>), and `text`, readable on its own;
- SMS: `sms`, plain text with the addresses written out (not tracked: every character
  counts), and `sms_segments`, how many parts a phone receives (GSM-7 or UCS-2);
- in-app: `subject` as the card's title and `html` as its body.

Member data and the merchant's words are escaped in HTML; only the renderer writes markup.
With a `message`, links go through the signed click redirect and, if the template counts
opens, the email carries the open pixel (campaigns/messaging/tracking.py).
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import css_inline
import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from campaigns.messaging import tracking
from campaigns.messaging.templates import (
    LINK_VARIABLES,
    Line,
    Paragraph,
    Text,
    Token,
    Var,
    parse,
    parse_subject,
    variables_of,
)
from campaigns.models import (
    CategoryAffinity,
    Channel,
    Message,
    MessageTemplate,
    PromotionScope,
    Purpose,
    TemplateContent,
)
from campaigns.promotions.earning import label as promotion_label
from campaigns.promotions.earning import live_promotions
from loyalty.content import localized
from loyalty.money import format_money, format_points
from loyalty.points.ledger import get_program, points_money
from members.branding import DARK_INK, brand_colours
from members.models import Member
from rewards.models import Reward, Voucher
from rewards.queries import Offer, active_rewards, offer_for

GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


class MissingVoucher(Exception):
    """The template names a voucher and none was given: a caller's mistake, not the member's."""


@dataclass(frozen=True)
class Rendered:
    channel: str
    language: str
    subject: str
    text: str
    html: str
    sms: str

    @property
    def sms_segments(self) -> int:
        return sms_segments(self.sms)

    @property
    def sms_encoding(self) -> str:
        return "GSM-7" if is_gsm7(self.sms) else "UCS-2"


def is_gsm7(text: str) -> bool:
    return all(char in GSM7 or char in GSM7_EXTENDED for char in text)


def sms_segments(text: str) -> int:
    """Parts a phone receives: 160 GSM-7 characters in one (153 each when split; the euro sign and
    brackets take two), 70 UCS-2 units in one (67 when split) for anything else."""
    if not text:
        return 0
    if is_gsm7(text):
        units = len(text) + sum(1 for char in text if char in GSM7_EXTENDED)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else math.ceil(units / part)


@dataclass(frozen=True)
class Value:
    text: str
    url: str = ""  # a link variable's address
    html: str = ""  # markup the renderer made (the QR picture); else the text, escaped
    tracked: bool = True


def choose_content(
    template: MessageTemplate,
    member: Member,
    language: str | None = None,
    contents: Iterable[TemplateContent] | None = None,
) -> TemplateContent:
    """The words in the language asked for, else the member's, else the template's default
    (itself the merchant's unless set), else any."""
    if contents is None:
        contents = _cached(template, "contents", lambda: list(template.contents.all()))
    contents = {content.language: content for content in contents}
    if not contents:
        raise TemplateContent.DoesNotExist(f"template {template.pk} has no words")
    for code in (language, member.language, template.fallback_language):
        if not code:
            continue
        for candidate in (code, code.split("-")[0]):
            if candidate in contents:
                return contents[candidate]
    return next(iter(contents.values()))


def _cached(template: MessageTemplate, name: str, compute: Callable):
    """What every member of a batch shares (the words, the catalogue, the program), kept on
    the template object for as long as it lives: a broadcast renders one template object for
    thousands of members, and a fresh object reads again."""
    cache = template.__dict__.setdefault("_render_cache", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def best_offer(
    member: Member, rewards: Iterable[Reward] | None = None, moment=None
) -> tuple[str, str]:
    """The next best offer picked for this member: (their favourite category, the offer).

    The favourite is the category with the highest share of their spend over 12 months
    (`CategoryAffinity`). The offer is a live promotion on that category ("Coffee beans week
    x3 on coffee beans"), else the reward they are nearest to ("Free coffee: 40 points to
    go"), else nothing; a template can then say "our new beans" in its own words.
    """
    moment = moment or timezone.now()
    favourite = (
        CategoryAffinity.objects.for_merchant(member.merchant_id)
        .filter(member=member)
        .order_by("-share", "category")
        .values_list("category", flat=True)
        .first()
    ) or ""
    if favourite:
        for promotion in live_promotions(member.merchant, member, moment):
            in_it = favourite in promotion.categories
            if promotion.applies_to == PromotionScope.CATEGORIES and in_it:
                return favourite, _("%(promotion)s on %(category)s") % {
                    "promotion": promotion_label(promotion),
                    "category": favourite,
                }
    nearest = next_reward_out_of_reach(member, rewards)
    if nearest is None:
        return favourite, ""
    return favourite, _("%(reward)s: %(points)s to go") % {
        "reward": localized(nearest.reward, "name"),
        "points": format_points(nearest.points_missing),
    }


def next_reward_out_of_reach(
    member: Member, rewards: Iterable[Reward] | None = None
) -> Offer | None:
    """The cheapest reward the member could redeem but cannot afford yet."""
    now = timezone.now()
    if rewards is None:
        rewards = active_rewards(member.merchant, now=now)
    offers = [
        offer
        for offer in (offer_for(member, reward, now=now) for reward in rewards)
        if offer.available and not offer.locked_by_tier and not offer.affordable
    ]
    return min(offers, key=lambda offer: offer.reward.points_cost, default=None)


def _absolute(name: str, member: Member, **kwargs) -> str:
    return settings.SITE_URL + reverse(
        f"member:{name}", kwargs={"merchant_slug": member.merchant.slug, **kwargs}
    )


def _voucher_values(voucher: Voucher | None, member: Member) -> dict[str, Value]:
    if voucher is None:
        raise MissingVoucher("this template names a voucher: pass voucher=")
    png = segno.make(voucher.code, error="m").png_data_uri(scale=5, border=2)
    alt = escape(_("QR code of your voucher, to scan at the till"))
    page = (
        _absolute("voucher", member, voucher_id=voucher.pk)
        if voucher.pk
        else _absolute("vouchers", member)
    )
    return {
        "voucher_code": Value(voucher.code),
        "voucher_qr": Value(
            page, url=page, html=f'<img class="qr" src="{png}" alt="{alt}" width="160">'
        ),
    }


def member_values(
    member: Member,
    names: Iterable[str],
    *,
    voucher: Voucher | None = None,
    unsubscribe_url: str | None = None,
    template: MessageTemplate | None = None,
) -> dict[str, Value]:
    """The values of the variables named, for this member (each looked up only if used;
    with the `template`, what all members share is read once per template object)."""
    names = set(names)
    merchant = member.merchant

    def shared(name: str, compute: Callable):
        return _cached(template, name, compute) if template is not None else compute()

    values: dict[str, Value] = {"first_name": Value(member.first_name)}
    if {"points", "points_value"} & names:
        balance = member.points_balance
        values["points"] = Value(format_points(balance))
        program = shared("program", lambda: get_program(merchant))
        money = points_money(max(balance, 0), program)
        values["points_value"] = Value(format_money(money, merchant))
    if "tier" in names:
        values["tier"] = Value(localized(member.tier, "name") if member.tier_id else "")
    if {"next_reward", "next_reward_points"} & names:
        rewards = shared("rewards", lambda: list(active_rewards(merchant)))
        offer = next_reward_out_of_reach(member, rewards)
        values["next_reward"] = Value(localized(offer.reward, "name") if offer else "")
        values["next_reward_points"] = Value(format_points(offer.points_missing) if offer else "")
    if {"favourite_category", "best_offer"} & names:
        rewards = shared("rewards", lambda: list(active_rewards(merchant)))
        favourite, offer = best_offer(member, rewards)
        values["favourite_category"] = Value(favourite)
        values["best_offer"] = Value(offer)
    if {"voucher_code", "voucher_qr"} & names:
        values.update(_voucher_values(voucher, member))
    values["member_page_link"] = Value(_absolute("card", member), url=_absolute("card", member))
    unsubscribe = unsubscribe_url or _absolute("profile", member)
    values["unsubscribe_link"] = Value(unsubscribe, url=unsubscribe, tracked=False)
    return values


Href = Callable[[str, bool], str]


def _untracked(url: str, tracked: bool) -> str:
    return url


def _tracker(message: Message | None, member: Member) -> Href:
    if message is None or message.pk is None:
        return _untracked
    slug = member.merchant.slug if message.merchant_id == member.merchant_id else None

    def href(url: str, tracked: bool) -> str:
        return tracking.click_url(message, url, slug=slug) if tracked else url

    return href


def _value(values: dict[str, Value], name: str) -> Value:
    return values.get(name, Value(""))


def _html_tokens(tokens: Iterable[Token], values: dict[str, Value], href: Href) -> str:
    out: list[str] = []
    for token in tokens:
        if isinstance(token, Text):
            out.append(escape(token.text))
        elif isinstance(token, Var):
            value = _value(values, token.name)
            if token.name in LINK_VARIABLES:
                target = escape(href(value.url, value.tracked))
                out.append(f'<a href="{target}">{escape(value.url)}</a>')
            else:
                out.append(value.html or escape(value.text))
        else:
            value = _value(values, token.variable) if token.variable else Value(token.url)
            url = value.url or value.text
            label = _html_tokens(token.label, values, href)
            out.append(f'<a href="{escape(href(url, value.tracked))}">{label}</a>')
    return "".join(out)


def _text_tokens(tokens: Iterable[Token], values: dict[str, Value], href: Href) -> str:
    out: list[str] = []
    for token in tokens:
        if isinstance(token, Text):
            out.append(token.text)
        elif isinstance(token, Var):
            value = _value(values, token.name)
            out.append(href(value.url, value.tracked) if value.url else value.text)
        else:
            value = _value(values, token.variable) if token.variable else Value(token.url)
            url = value.url or value.text
            label = _text_tokens(token.label, values, href)
            target = href(url, value.tracked)
            out.append(target if label == url else f"{label} ({target})")
    return "".join(out)


def body_html(paragraphs: list[Paragraph], values: dict[str, Value], href: Href) -> str:
    return "\n".join(
        "<p>" + "<br>\n".join(_html_tokens(line, values, href) for line in p.lines) + "</p>"
        for p in paragraphs
    )


def body_text(paragraphs: list[Paragraph], values: dict[str, Value], href: Href) -> str:
    return "\n\n".join(
        "\n".join(_text_tokens(line, values, href) for line in p.lines) for p in paragraphs
    )


def _subject(line: Line, values: dict[str, Value]) -> str:
    return " ".join(_text_tokens(line, values, _untracked).split())


def _email(
    template: MessageTemplate,
    member: Member,
    *,
    subject: str,
    html_body: str,
    text_body: str,
    values: dict[str, Value],
    message: Message | None,
    language: str,
) -> tuple[str, str]:
    merchant = member.merchant
    colours = brand_colours(merchant)
    context = {
        "merchant": merchant,
        "language": language,
        "subject": subject,
        "body_html": html_body,
        "body_text": text_body,
        "brand": colours["brand"],
        "brand_ink": colours["brand_ink"],
        # Links in the brand's colour when it reads on white; dark ink when it does not.
        "link_colour": colours["brand"] if colours["brand_ink"] == "#ffffff" else DARK_INK,
        "logo_url": settings.SITE_URL + merchant.logo.url if merchant.logo else "",
        "marketing": template.purpose == Purpose.MARKETING,
        "unsubscribe_url": values["unsubscribe_link"].url,
        "member_page_url": values["member_page_link"].url,
        "pixel_url": (
            tracking.open_pixel_url(message, slug=merchant.slug)
            if template.track_opens and message is not None and message.pk
            else ""
        ),
    }
    html = render_to_string("email/campaigns/message.html", context)
    css = render_to_string("email/campaigns/message.css", context)
    text = render_to_string("email/campaigns/message.txt", context)
    inlined = css_inline.inline(html, extra_css=css, load_remote_stylesheets=False)
    return inlined, text.strip() + "\n"


def render(
    template: MessageTemplate,
    member: Member,
    *,
    voucher: Voucher | None = None,
    language: str | None = None,
    unsubscribe_url: str | None = None,
    message: Message | None = None,
    contents: Iterable[TemplateContent] | None = None,
) -> Rendered:
    """The template filled for this member, on the template's channel (module docstring).

    `contents` replaces the saved words (the portal previews a form before it is saved)."""
    content = choose_content(template, member, language, contents)
    paragraphs = parse(content.body)
    names = variables_of(content.subject, content.body)
    with translation.override(content.language):
        values = member_values(
            member, names, voucher=voucher, unsubscribe_url=unsubscribe_url, template=template
        )
        subject = _subject(parse_subject(content.subject), values)
        if template.channel == Channel.SMS:
            sms = body_text(paragraphs, values, _untracked)
            return Rendered(template.channel, content.language, subject, sms, "", sms)
        href = _tracker(message, member)
        html_body = body_html(paragraphs, values, href)
        text_body = body_text(paragraphs, values, href)
        if template.channel == Channel.IN_APP:
            return Rendered(template.channel, content.language, subject, text_body, html_body, "")
        html, text = _email(
            template,
            member,
            subject=subject,
            html_body=html_body,
            text_body=text_body,
            values=values,
            message=message,
            language=content.language,
        )
    return Rendered(template.channel, content.language, subject, text, html, "")
