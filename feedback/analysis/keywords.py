"""The merchant's own topic keywords: adding one, removing one (the portal's write paths).

A keyword is stored as the analyser reads it (lower case, one spelling of ș and ț, single
spaces), so "Oat Milk" and "oat  milk" are the same keyword, refused the second time. One the
built-in words already find for that topic is refused too, with a word saying so.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from feedback.analysis.builtin import BuiltinAnalyser
from feedback.analysis.language import LANGUAGES
from feedback.analysis.text import normalise, tokenise
from feedback.models import Topic, TopicKeyword
from loyalty.audit import log_action
from loyalty.errors import Conflict, ValidationFailed
from loyalty.models import Merchant

MAX_LENGTH = 80


def clean_keyword(keyword: str) -> str:
    """The keyword as stored: normalised, single spaces; ValidationFailed when it has no word."""
    cleaned = " ".join(normalise(keyword).split())
    if not any(token.kind == "word" for token in tokenise(cleaned)):
        raise ValidationFailed(_("A keyword needs at least one word."))
    if len(cleaned) > MAX_LENGTH:
        raise ValidationFailed(
            _("A keyword has at most %(count)d characters.") % {"count": MAX_LENGTH}
        )
    return cleaned


def built_in_finds(*, keyword: str, topic: str, language: str) -> bool:
    """Whether the built-in words already give `topic` to the keyword alone (in `language`,
    or in each of the three when it is "")."""
    analyser = BuiltinAnalyser()
    languages = [language] if language else list(LANGUAGES)
    return all(topic in analyser.analyse(keyword, language=each).topics for each in languages)


@transaction.atomic
def add_topic_keyword(
    *, merchant: Merchant, actor: AbstractBaseUser | None, topic: str, language: str, keyword: str
) -> TopicKeyword:
    """Add a keyword to one of the topics, for one language or ("") all. Conflict when the
    merchant has it already or the built-in words find it."""
    if topic not in Topic.values:
        raise ValidationFailed(_("Choose one of the topics."))
    if language not in ("", *LANGUAGES):
        raise ValidationFailed(_("Choose English, Romanian, Russian or every language."))
    cleaned = clean_keyword(keyword)
    label = Topic(topic).label
    same = TopicKeyword.objects.for_merchant(merchant).filter(topic=topic, keyword=cleaned)
    if same.filter(language__in={"", language}).exists():
        raise Conflict(
            _("“%(keyword)s” is already one of your keywords for %(topic)s.")
            % {"keyword": cleaned, "topic": label}
        )
    if built_in_finds(keyword=cleaned, topic=topic, language=language):
        raise Conflict(
            _("“%(keyword)s” already counts for %(topic)s without adding it.")
            % {"keyword": cleaned, "topic": label}
        )
    try:
        with transaction.atomic():
            row = TopicKeyword.objects.create(
                merchant=merchant, topic=topic, language=language, keyword=cleaned
            )
    except IntegrityError:  # the same keyword added at the same moment
        raise Conflict(
            _("“%(keyword)s” is already one of your keywords for %(topic)s.")
            % {"keyword": cleaned, "topic": label}
        ) from None
    log_action(
        merchant=merchant,
        actor=actor,
        action="feedback.topic_keyword.added",
        target=row,
        data={"topic": topic, "language": language, "keyword": cleaned},
    )
    return row


@transaction.atomic
def delete_topic_keyword(*, keyword: TopicKeyword, actor: AbstractBaseUser | None) -> None:
    """Remove one of the merchant's keywords (comments analysed already keep their topics)."""
    log_action(
        merchant=keyword.merchant,
        actor=actor,
        action="feedback.topic_keyword.deleted",
        target=keyword,
        data={"topic": keyword.topic, "language": keyword.language, "keyword": keyword.keyword},
    )
    keyword.delete()
