"""The markup merchants write their messages in, the variables it may use, and saving templates.

The markup is plain text, never HTML: a blank line starts a paragraph, a line break stays a
line break, `{{ first_name }}` is a variable, `[label](https://…)` is a link (its target may be
a link variable: `[Your card]({{ member_page_link }})`), and a bare `https://…` address is a
link too. Everything else is text, escaped when it becomes HTML, so a merchant (or a member's
name) can never put markup into an email.

`parse` turns a body into paragraphs of tokens; campaigns/messaging/render.py renders them as
HTML, as text and as SMS. `check_template` lists the unknown variables by name, and
`save_template` refuses to save a template that has any.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import MessageTemplate, Purpose, TemplateContent
from loyalty.audit import log_action
from loyalty.errors import ValidationFailed
from loyalty.models import User

# name -> what the editor says it becomes
VARIABLES: dict[str, str] = {
    "first_name": _("the member's first name"),
    "points": _("the points balance (“1,250 points”)"),
    "points_value": _("what the balance is worth in money"),
    "tier": _("the member's tier"),
    "next_reward": _("the cheapest reward the member cannot afford yet"),
    "next_reward_points": _("the points still needed for it"),
    "favourite_category": _("the category the member spends most on (12 months)"),
    "best_offer": _(
        "the offer picked for the member: a live promotion on their favourite category, "
        "else the reward they are nearest to"
    ),
    "voucher_code": _("the code of the voucher the message comes with"),
    "voucher_qr": _("the voucher's QR code (in SMS and text: a link to it)"),
    "member_page_link": _("a link to the member's card page"),
    "unsubscribe_link": _("a link to unsubscribe (marketing messages only)"),
}
LINK_VARIABLES = frozenset({"member_page_link", "unsubscribe_link"})
VOUCHER_VARIABLES = frozenset({"voucher_code", "voucher_qr"})
MARKETING_ONLY = frozenset({"unsubscribe_link"})

_VARIABLE = r"\{\{(?P<var>[^{}]*)\}\}"
_TOKEN = re.compile(
    r"\[(?P<label>[^\]\n]+)\]\((?P<target>\{\{[^{}]*\}\}|https?://[^\s)]+)\)"
    "|" + _VARIABLE + r"|(?P<url>https?://[^\s<>\"]*[^\s<>\".,;:!?)\]])"
)
_TARGET_VARIABLE = re.compile(_VARIABLE)


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Link:
    label: tuple["Text | Var", ...]
    url: str = ""  # a literal http(s) address, or
    variable: str = ""  # a link variable


Token = Text | Var | Link
Line = tuple[Token, ...]


@dataclass(frozen=True)
class Paragraph:
    lines: tuple[Line, ...] = field(default_factory=tuple)


def _inline(text: str) -> list[Text | Var]:
    """Text and variables only (a link's label, a subject)."""
    tokens: list[Text | Var] = []
    position = 0
    for match in _TARGET_VARIABLE.finditer(text):
        if match.start() > position:
            tokens.append(Text(text[position : match.start()]))
        tokens.append(Var(match.group("var").strip()))
        position = match.end()
    if position < len(text):
        tokens.append(Text(text[position:]))
    return tokens


def parse_line(text: str) -> Line:
    tokens: list[Token] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            tokens.append(Text(text[position : match.start()]))
        if match.group("label") is not None:
            target = match.group("target")
            variable = _TARGET_VARIABLE.fullmatch(target)
            label = tuple(_inline(match.group("label")))
            if variable:
                tokens.append(Link(label, variable=variable.group("var").strip()))
            else:
                tokens.append(Link(label, url=target))
        elif match.group("var") is not None:
            tokens.append(Var(match.group("var").strip()))
        else:
            url = match.group("url")
            tokens.append(Link((Text(url),), url=url))
        position = match.end()
    if position < len(text):
        tokens.append(Text(text[position:]))
    return tuple(tokens)


def parse(body: str) -> list[Paragraph]:
    """Paragraphs (split at blank lines) of lines of tokens."""
    blocks = re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip())
    return [
        Paragraph(tuple(parse_line(line.strip()) for line in block.split("\n")))
        for block in blocks
        if block.strip()
    ]


def parse_subject(subject: str) -> Line:
    return tuple(_inline(" ".join(subject.split())))


def variables_in(tokens: Iterable[Token]) -> list[str]:
    names: list[str] = []
    for token in tokens:
        if isinstance(token, Var):
            names.append(token.name)
        elif isinstance(token, Link):
            names.extend(variables_in(token.label))
            if token.variable:
                names.append(token.variable)
    return names


def variables_of(subject: str, body: str) -> list[str]:
    """Every variable a subject and body use, in order, each once."""
    names = variables_in(parse_subject(subject))
    for paragraph in parse(body):
        for line in paragraph.lines:
            names.extend(variables_in(line))
    return list(dict.fromkeys(names))


class TemplateInvalid(ValidationFailed):
    code = "template_invalid"


def template_problems(subject: str, body: str, *, purpose: str) -> list[str]:
    """What is wrong with these words, as sentences naming each variable (empty: nothing)."""
    problems: list[str] = []
    names = variables_of(subject, body)
    unknown = [name for name in names if name not in VARIABLES]
    if unknown:
        problems.append(
            str(_("Unknown variables: %(names)s."))
            % {"names": ", ".join(f"{{{{ {name} }}}}" for name in unknown)}
        )
    if purpose != Purpose.MARKETING:
        for name in sorted(MARKETING_ONLY.intersection(names)):
            problems.append(
                str(_("{{ %(name)s }} is only for marketing messages.")) % {"name": name}
            )
    for name in sorted(_link_problems(body)):
        problems.append(
            str(_("{{ %(name)s }} cannot be a link's words or a link's address here."))
            % {"name": name}
        )
    return problems


def _link_problems(body: str) -> set[str]:
    """Known variables misused in links: a link variable in a link's words, or a variable
    that is not a link as a link's address."""
    found: set[str] = set()
    for paragraph in parse(body):
        for line in paragraph.lines:
            for token in line:
                if isinstance(token, Link):
                    found.update(set(variables_in(token.label)) & LINK_VARIABLES)
                    if token.variable and token.variable not in LINK_VARIABLES:
                        found.add(token.variable)
    return found & set(VARIABLES)


@dataclass(frozen=True)
class ContentInput:
    language: str
    subject: str
    body: str


def check_template(*, purpose: str, contents: Iterable[ContentInput]) -> None:
    """Raises `TemplateInvalid` naming every problem of every language."""
    problems: list[str] = []
    for content in contents:
        problems.extend(
            f"{content.language}: {problem}"
            for problem in template_problems(content.subject, content.body, purpose=purpose)
        )
    if problems:
        raise TemplateInvalid(" ".join(problems))


def save_template(
    *, template: MessageTemplate, contents: list[ContentInput], actor: User | None
) -> MessageTemplate:
    """Saves a template with its words per language (a language left empty is removed)."""
    kept = [content for content in contents if content.body.strip()]
    if not kept:
        raise TemplateInvalid(_("Write the message in at least one language."))
    check_template(purpose=template.purpose, contents=kept)
    with transaction.atomic():
        created = template.pk is None
        template.updated_at = timezone.now()
        template.save()
        for content in kept:
            TemplateContent.objects.update_or_create(
                template=template,
                language=content.language,
                defaults={
                    "merchant": template.merchant,
                    "subject": " ".join(content.subject.split()),
                    "body": content.body.strip(),
                },
            )
        template.contents.exclude(language__in=[content.language for content in kept]).delete()
        log_action(
            merchant=template.merchant,
            actor=actor,
            action="campaigns.template.created" if created else "campaigns.template.saved",
            target=template,
            data={"languages": [content.language for content in kept]},
        )
    return template
