"""Answering a survey: from an invitation's signed link, or anonymously from the receipt's QR.

`answer_survey` and `answer_receipt` read the token first (`feedback.surveys.links`): a
tampered or expired token raises `SurveyLinkInvalid` before anything is written. Then, in one
transaction, under the member's row lock (for the incentive) and the purchase's:

- one `Answer` per purchase: a second answer (a double tap, a second tab, the receipt and the
  invitation both) finds the first and changes nothing; the purchase's OneToOne decides a race;
- the score is checked against the survey's kind (0-10 NPS, 1-5 CSAT) and the group derived
  (NPS: 9-10 promoter, 7-8 passive, 0-6 detractor; CSAT has none);
- the optional questions' answers are kept by question id in `extra`: a rating 1-5 as an int,
  a single choice as the int index of the label (labels differ by language, positions do not),
  a text as a string (at most 1000 characters); a value that is not a valid answer is left out;
- the comment goes through the analyser seam (`feedback.analysis.analyse`) for its language,
  sentiment and topics;
- the member's tier is kept with the answer (NPS by tier);
- the incentive (`Survey.incentive_points`) is a bonus ledger entry with the reference
  `survey:purchase:<id>`, unique per member in the ledger: paid once per purchase answered,
  to an active member (the anonymous receipt answer earns nothing: nobody to pay);
- `feedback.received` (every answer) and `feedback.detractor` (an NPS detractor, or a CSAT
  score of 1 or 2) go to the outbox with {answer, member, survey, score, group, sentiment,
  topics, shop, purchase}, and `points.earned` for an incentive.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.analysis import analyse
from feedback.models import (
    Answer,
    AnswerSource,
    FeedbackSettings,
    Invitation,
    InvitationStatus,
    NpsGroup,
    QuestionKind,
    Survey,
    SurveyKind,
)
from feedback.surveys.links import TAMPERED, LinkCheck, read_receipt_token, read_survey_token
from loyalty.errors import DomainError, ValidationFailed
from loyalty.events import emit
from loyalty.models import EntryKind, Merchant, PointsEntry, Purchase
from loyalty.points.ledger import credit, get_program, lock_member
from members.models import Member, MemberStatus

TEXT_LIMIT = 1000
COMMENT_LIMIT = 2000


class SurveyLinkInvalid(DomainError):
    """A survey link that was changed (`survey_link_tampered`) or has closed
    (`survey_link_expired`)."""

    code = "survey_link_tampered"
    default_message = _("This survey link is not valid.")


@dataclass(frozen=True)
class AnswerResult:
    answer: Answer
    created: bool  # False: the purchase was answered already, nothing changed


def score_range(survey: Survey) -> range:
    return range(1, 6) if survey.kind == SurveyKind.CSAT else range(11)


def group_of(survey: Survey, score: int) -> str:
    if survey.kind == SurveyKind.CSAT:
        return ""
    if score >= 9:
        return NpsGroup.PROMOTER
    return NpsGroup.PASSIVE if score >= 7 else NpsGroup.DETRACTOR


def is_unhappy(survey: Survey, score: int) -> bool:
    """What `feedback.detractor` announces: an NPS detractor, or CSAT 1 or 2."""
    return score <= 2 if survey.kind == SurveyKind.CSAT else score <= 6


def clean_score(survey: Survey, score: object) -> int:
    try:
        value = int(str(score).strip())
    except (TypeError, ValueError):
        value = -1
    if value not in score_range(survey):
        raise ValidationFailed(_("Please choose a score."), code="invalid_score")
    return value


def clean_extra(survey: Survey, extra: Mapping[str, object] | None) -> dict[str, object]:
    """The optional questions' answers that are valid, by question id (module docstring)."""
    kept: dict[str, object] = {}
    extra = extra or {}
    for question in survey.questions.all()[:3]:
        raw = extra.get(str(question.pk))
        if raw is None or str(raw).strip() == "":
            continue
        raw = str(raw).strip()
        if question.kind == QuestionKind.TEXT:
            kept[str(question.pk)] = raw[:TEXT_LIMIT]
            continue
        if not raw.isdigit():
            continue
        value = int(raw)
        if (question.kind == QuestionKind.RATING and 1 <= value <= 5) or (
            question.kind == QuestionKind.CHOICE and value < _choice_count(question)
        ):
            kept[str(question.pk)] = value
    return kept


def _choice_count(question) -> int:
    choices = question.choices if isinstance(question.choices, dict) else {}
    return max((len(labels) for labels in choices.values() if isinstance(labels, list)), default=0)


def answer_survey(
    *,
    merchant: Merchant,
    token: str,
    score: object,
    comment: str = "",
    extra: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> AnswerResult:
    """Answer the survey of the invitation the token names (module docstring)."""
    now = now or timezone.now()
    check = read_survey_token(merchant, token, now=now)
    invitation = check.invitation
    member = invitation.member if invitation is not None else None
    return _answer(check, invitation, member, score=score, comment=comment, extra=extra, now=now)


def answer_receipt(
    *,
    merchant: Merchant,
    token: str,
    score: object,
    comment: str = "",
    extra: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> AnswerResult:
    """The anonymous answer for the sale of a receipt's QR code (no member, no incentive)."""
    now = now or timezone.now()
    check = read_receipt_token(merchant, token, now=now)
    return _answer(check, None, None, score=score, comment=comment, extra=extra, now=now)


def _answer(
    check: LinkCheck,
    invitation: Invitation | None,
    member: Member | None,
    *,
    score: object,
    comment: str,
    extra: Mapping[str, object] | None,
    now: datetime,
) -> AnswerResult:
    """An invitation's or a receipt's answer: the one there is, or a new one if the link is
    still valid."""
    if check.answer is not None:
        return AnswerResult(check.answer, created=False)
    _refuse_unless_valid(check.state)
    return _save(
        survey=check.survey,
        purchase=check.purchase,
        invitation=invitation,
        member=member,
        score=score,
        comment=comment,
        extra=extra,
        now=now,
    )


def _refuse_unless_valid(state: str) -> None:
    if state == TAMPERED:
        raise SurveyLinkInvalid()
    if state != "valid":
        raise SurveyLinkInvalid(_("This survey link has expired."), code="survey_link_expired")


def _save(
    *,
    survey: Survey,
    purchase: Purchase,
    invitation: Invitation | None,
    member: Member | None,
    score: object,
    comment: str,
    extra: Mapping[str, object] | None,
    now: datetime,
) -> AnswerResult:
    value = clean_score(survey, score)
    kept = clean_extra(survey, extra)
    comment = (comment or "").strip()[:COMMENT_LIMIT]
    found = analyse(comment, merchant=survey.merchant) if comment else None
    with transaction.atomic():
        if member is not None:
            member = lock_member(member.pk)
        Purchase.objects.select_for_update().filter(pk=purchase.pk).first()
        existing = Answer.objects.filter(purchase=purchase).first()
        if existing is not None:
            return AnswerResult(existing, created=False)
        try:
            with transaction.atomic():
                answer = Answer.objects.create(
                    merchant_id=survey.merchant_id,
                    survey=survey,
                    source=AnswerSource.INVITATION if invitation else AnswerSource.RECEIPT,
                    invitation=invitation,
                    member=member,
                    purchase=purchase,
                    shop_id=purchase.shop_id,
                    tier_id=member.tier_id if member is not None else None,
                    score=value,
                    group=group_of(survey, value),
                    comment=comment,
                    extra=kept,
                    language=found.language if found else "",
                    sentiment=found.sentiment if found else "",
                    topics=list(found.topics) if found else [],
                    created_at=now,
                )
        except IntegrityError:  # answered at this instant by another request
            return AnswerResult(Answer.objects.get(purchase=purchase), created=False)
        if invitation is not None:
            Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.ANSWERED)
        _pay_incentive(answer, survey, member, now)
        emit(survey.merchant_id, _events(answer, survey), now)
    return AnswerResult(answer, created=True)


def incentive_reference(purchase_id: int) -> str:
    return f"survey:purchase:{purchase_id}"


def _pay_incentive(answer: Answer, survey: Survey, member: Member | None, now: datetime) -> None:
    points = survey.incentive_points
    if not points or member is None or member.status != MemberStatus.ACTIVE:
        return
    reference = incentive_reference(answer.purchase_id)
    if PointsEntry.objects.filter(member=member, reference=reference).exists():
        return
    credit(
        member=member,
        program=get_program(member.merchant),
        kind=EntryKind.BONUS,
        points=points,
        now=now,
        reference=reference,
        reason=str(_("Thank you for answering our survey"))[:200],
    )
    Answer.objects.filter(pk=answer.pk).update(incentive_points=points)
    answer.incentive_points = points
    emit(
        member.merchant_id,
        [("points.earned", {"member": member.pk, "points": points, "survey": survey.pk})],
        now,
    )


def _events(answer: Answer, survey: Survey) -> list[tuple[str, dict]]:
    payload = {
        "answer": answer.pk,
        "member": answer.member_id,
        "survey": survey.pk,
        "score": answer.score,
        "group": answer.group,
        "sentiment": answer.sentiment,
        "topics": list(answer.topics),
        "shop": answer.shop_id,
        "purchase": answer.purchase_id,
    }
    events = [("feedback.received", payload)]
    if is_unhappy(survey, answer.score):
        events.append(("feedback.detractor", dict(payload)))
    return events


def promoter_links(answer: Answer) -> dict[str, str]:
    """What the thank-you page offers a promoter (NPS 9-10, or CSAT 5): the merchant's public
    review link (if set) and, for a member with a referral code, their referral link. Empty
    for anyone else."""
    if answer.group != NpsGroup.PROMOTER and not (
        answer.survey.kind == SurveyKind.CSAT and answer.score == 5
    ):
        return {}
    links = {}
    review = FeedbackSettings.objects.filter(merchant_id=answer.merchant_id).first()
    if review is not None and review.review_url:
        links["review_url"] = review.review_url
    member = answer.member
    if member is not None and member.referral_code and member.status == MemberStatus.ACTIVE:
        join = reverse("member:join", kwargs={"merchant_slug": member.merchant.slug})
        links["referral_url"] = f"{settings.SITE_URL}{join}?ref={member.referral_code}"
    return links
