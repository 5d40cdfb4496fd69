"""Hand-made rows for the dashboard's tests: surveys, answers, invitations and cases written
through the ORM (the answering, the cases and the analyser are other parts' services; here
only what the dashboard reads matters). Times are the merchant's local wall clock."""

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count

from feedback.models import (
    Answer,
    AnswerSource,
    Case,
    CaseOpenedBy,
    CaseStatus,
    Invitation,
    NpsGroup,
    Survey,
    SurveyKind,
)
from loyalty.points.purchases import record_purchase

_receipts = count(1)


def local(merchant, *args) -> datetime:
    """An aware moment of the merchant's wall clock: local(m, 2026, 5, 1, 10, 30)."""
    return datetime(*args, tzinfo=merchant.tzinfo)


def make_survey(merchant, kind: str = SurveyKind.NPS, active: bool = True) -> Survey:
    return Survey.objects.create(merchant=merchant, name=f"{kind} survey", kind=kind, active=active)


def group_of(score: int) -> str:
    if score >= 9:
        return NpsGroup.PROMOTER
    if score >= 7:
        return NpsGroup.PASSIVE
    return NpsGroup.DETRACTOR


def make_answer(survey: Survey, score: int, at: datetime, **fields) -> Answer:
    """An answer to `survey` at `at`; its NPS group from the score (none for CSAT)."""
    group = group_of(score) if survey.kind == SurveyKind.NPS else ""
    return Answer.objects.create(
        merchant=survey.merchant,
        survey=survey,
        source=fields.pop("source", AnswerSource.RECEIPT),
        score=score,
        group=group,
        created_at=at,
        **fields,
    )


def make_answers(survey: Survey, scores: list[int], at: datetime, **fields) -> list[Answer]:
    return [make_answer(survey, score, at, **fields) for score in scores]


def make_invitation(survey: Survey, shop, member, *, sent_at: datetime | None, status: str):
    """An invitation after a real sale of `member` at `shop`."""
    purchase = record_purchase(
        shop=shop, member=member, external_id=f"DASH-{next(_receipts)}", amount=Decimal("5.00")
    ).purchase
    created = sent_at or purchase.occurred_at
    return Invitation.objects.create(
        merchant=survey.merchant,
        survey=survey,
        member=member,
        purchase=purchase,
        shop=shop,
        status=status,
        created_at=created,
        send_at=created,
        sent_at=sent_at,
        expires_at=created + timedelta(days=7),
    )


def make_case(answer: Answer, *, opened_at: datetime, **fields) -> Case:
    return Case.objects.create(
        merchant=answer.merchant,
        answer=answer,
        member=answer.member,
        shop=answer.shop,
        opened_by=fields.pop("opened_by", CaseOpenedBy.DETRACTOR),
        status=fields.pop("status", CaseStatus.OPEN),
        opened_at=opened_at,
        due_at=fields.pop("due_at", opened_at + timedelta(hours=24)),
        **fields,
    )
