"""The guarantee: a detractor answer opens exactly one case, whoever hands its event over and
however often. A negative comment opens one too; a promoter, a passive with a kind comment or
an anonymous receipt answer opens none."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from feedback.cases.services import open_case_for_answer
from feedback.models import (
    AnswerSource,
    Case,
    CaseOpenedBy,
    CaseStatus,
    FeedbackSettings,
    SurveyKind,
)
from loyalty.events import emit
from loyalty.models import Role
from loyalty.tasks import drain_outbox
from tests.factories import StaffFactory, UserFactory
from tests.feedback import cases_kit
from tests.feedback.cases_kit import announce, answered, make_answer, make_survey

customer = cases_kit.customer  # a fixture

pytestmark = pytest.mark.django_db


def test_a_detractor_answer_opens_exactly_one_case(merchant_a, shop_a, customer):
    before = timezone.now()
    answer = answered(merchant_a, member=customer, shop=shop_a, score=4)

    case = Case.objects.get(answer=answer)
    assert Case.objects.for_merchant(merchant_a).count() == 1
    assert case.opened_by == CaseOpenedBy.DETRACTOR
    assert case.status == CaseStatus.OPEN
    assert case.member == customer
    assert case.shop == shop_a
    assert timedelta(hours=24) <= case.due_at - before <= timedelta(hours=24, minutes=1)


def test_the_event_handed_over_twice_still_opens_one_case(merchant_a, shop_a, customer):
    answer = make_answer(merchant_a, member=customer, shop=shop_a, score=0)
    drain_outbox()  # Ana's joining
    announce(answer)
    announce(answer)  # a re-delivered event: the same answer named twice

    assert drain_outbox() == 2
    assert drain_outbox() == 0
    assert Case.objects.filter(answer=answer).count() == 1
    # And calling the service again answers the same case.
    assert open_case_for_answer(answer=answer) == Case.objects.get(answer=answer)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_open_one_case(merchant_a, shop_a, customer):
    answer = make_answer(merchant_a, member=customer, shop=shop_a, score=1)
    barrier = threading.Barrier(2)
    opened, failures = [], []

    def worker() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            opened.append(open_case_for_answer(answer=answer).pk)
        except Exception as exc:  # the assertion below shows it
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert Case.objects.filter(answer=answer).count() == 1
    assert opened == [Case.objects.get(answer=answer).pk] * 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_of_two_events_for_one_answer_open_one_case(
    merchant_a, shop_a, customer
):
    answer = make_answer(merchant_a, member=customer, shop=shop_a, score=3)
    announce(answer)
    announce(answer)
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            drain_outbox(batch=1)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    drain_outbox()  # whatever a worker left (a failed consumer) is handed again
    assert Case.objects.filter(answer=answer).count() == 1


def test_a_negative_comment_opens_one_case_even_from_a_passive(merchant_a, shop_a, customer):
    answer = answered(
        merchant_a, member=customer, shop=shop_a, score=8, sentiment="negative", comment="Cold."
    )

    case = Case.objects.get(answer=answer)
    assert case.opened_by == CaseOpenedBy.NEGATIVE


def test_a_csat_answer_with_a_negative_comment_opens_one(merchant_a, shop_a, customer):
    survey = make_survey(merchant_a, kind=SurveyKind.CSAT)
    answer = answered(
        merchant_a,
        survey=survey,
        member=customer,
        shop=shop_a,
        score=4,
        group="",
        sentiment="negative",
    )

    assert Case.objects.get(answer=answer).opened_by == CaseOpenedBy.NEGATIVE


@pytest.mark.parametrize(("score", "opens"), [(1, True), (2, True), (3, False), (5, False)])
def test_a_csat_score_of_one_or_two_is_a_detractors(merchant_a, shop_a, customer, score, opens):
    survey = make_survey(merchant_a, kind=SurveyKind.CSAT)
    answer = answered(
        merchant_a, survey=survey, member=customer, shop=shop_a, score=score, group=""
    )

    case = Case.objects.filter(answer=answer).first()
    assert (case is not None) == opens
    if opens:
        assert case.opened_by == CaseOpenedBy.DETRACTOR


@pytest.mark.parametrize(
    ("score", "sentiment"), [(10, "positive"), (9, ""), (7, "neutral"), (8, "")]
)
def test_promoters_and_content_passives_open_none(merchant_a, shop_a, customer, score, sentiment):
    answered(merchant_a, member=customer, shop=shop_a, score=score, sentiment=sentiment)

    assert not Case.objects.for_merchant(merchant_a).exists()


def test_an_anonymous_receipt_answer_opens_none(merchant_a, shop_a):
    # Nobody to tell: the answer counts in the figures, but no case is opened.
    answered(merchant_a, member=None, shop=shop_a, score=0, source=AnswerSource.RECEIPT)

    assert not Case.objects.for_merchant(merchant_a).exists()


def test_the_case_is_due_after_the_merchants_hours(merchant_a, shop_a, customer):
    FeedbackSettings.objects.create(merchant=merchant_a, case_due_hours=4)
    answer = answered(merchant_a, member=customer, shop=shop_a, score=5)

    case = Case.objects.get(answer=answer)
    assert case.due_at - case.opened_at == timedelta(hours=4)


def test_the_overdue_flag(merchant_a, shop_a, customer):
    answer = answered(merchant_a, member=customer, shop=shop_a, score=5)
    case = Case.objects.get(answer=answer)

    assert not case.is_overdue()
    assert case.is_overdue(case.due_at + timedelta(minutes=1))
    case.status = CaseStatus.RESOLVED
    assert not case.is_overdue(case.due_at + timedelta(minutes=1))


def test_the_shops_one_manager_owns_the_case(merchant_a, shop_a, customer):
    manager = UserFactory(email="old.town@example.com")
    StaffFactory(merchant=merchant_a, user=manager, role=Role.MANAGER, shop=shop_a)
    answer = answered(merchant_a, member=customer, shop=shop_a, score=5)

    assert Case.objects.get(answer=answer).owner == manager


def test_another_merchants_event_opens_nothing_for_an_answer_it_does_not_own(
    merchant_a, merchant_b, shop_a, customer
):
    answer = make_answer(merchant_a, member=customer, shop=shop_a, score=0)
    emit(merchant_b.pk, [("feedback.received", {"answer": answer.pk})], timezone.now())
    drain_outbox()

    assert not Case.objects.exists()
