"""What the cases tests share: a survey, answers made through the ORM, and the
`feedback.received` event handed through the real outbox (as the answering service emits it).
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from feedback.models import Answer, AnswerSource, Case, NpsGroup, Survey
from loyalty.events import emit
from loyalty.points.purchases import record_purchase
from loyalty.tasks import drain_outbox
from tests.personas import make_ana


def group_of(score: int) -> str:
    if score >= 9:
        return NpsGroup.PROMOTER
    if score >= 7:
        return NpsGroup.PASSIVE
    return NpsGroup.DETRACTOR


def make_survey(merchant, **fields) -> Survey:
    values = {"name": "After the visit", "active": True, **fields}
    return Survey.objects.create(merchant=merchant, **values)


def make_answer(merchant, *, survey=None, member=None, shop=None, score=3, **fields) -> Answer:
    """An answer row, as the answering service would write it."""
    survey = survey or Survey.objects.for_merchant(merchant).first() or make_survey(merchant)
    values = {
        "source": AnswerSource.INVITATION,
        "group": group_of(score),
        "comment": "",
        "sentiment": "",
        "topics": [],
        **fields,
    }
    return Answer.objects.create(
        merchant=merchant, survey=survey, member=member, shop=shop, score=score, **values
    )


def announce(answer: Answer) -> None:
    """The `feedback.received` event of `answer`, with the answering service's payload."""
    payload = {
        "answer": answer.pk,
        "member": answer.member_id,
        "survey": answer.survey_id,
        "score": answer.score,
        "group": answer.group,
        "sentiment": answer.sentiment,
        "topics": answer.topics,
        "shop": answer.shop_id,
        "purchase": answer.purchase_id,
    }
    emit(answer.merchant_id, [("feedback.received", payload)], timezone.now())


def answered(merchant, *, drain: bool = True, **fields) -> Answer:
    """An answer, its event, and the outbox drained."""
    answer = make_answer(merchant, **fields)
    announce(answer)
    if drain:
        drain_outbox()
    return answer


def a_sale(shop, member, external_id: str, amount: str = "20.00", **fields):
    return record_purchase(
        shop=shop, member=member, external_id=external_id, amount=Decimal(amount), **fields
    ).purchase


@pytest.fixture
def customer(merchant_a, shop_a):
    """Ana, with an email and a phone, who answered unhappily."""
    return make_ana(merchant_a, shop=shop_a)


@pytest.fixture
def case(merchant_a, shop_a, customer) -> Case:
    """Ana's open case: a detractor's answer (2) with a comment."""
    answer = answered(
        merchant_a,
        member=customer,
        shop=shop_a,
        score=2,
        comment="We waited forty minutes for a coffee.",
        sentiment="negative",
        topics=["waiting"],
        language="en",
    )
    return Case.objects.get(answer=answer)
