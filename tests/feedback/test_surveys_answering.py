"""Answering: one answer per purchase, its group and analysis, the tier, the incentive paid
once, the events; a tampered or expired link answers nothing and changes nothing."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from campaigns.models import (
    Campaign,
    CampaignEntry,
    CampaignKind,
    CampaignStatus,
    Trigger,
    Variant,
)
from feedback.models import (
    Answer,
    AnswerSource,
    Invitation,
    InvitationStatus,
    NpsGroup,
    QuestionKind,
    SurveyKind,
    SurveyQuestion,
)
from feedback.surveys.answering import (
    AnswerResult,
    SurveyLinkInvalid,
    answer_receipt,
    answer_survey,
    incentive_reference,
)
from feedback.surveys.invitations import invite_for_purchase
from feedback.surveys.links import receipt_token, survey_token
from loyalty.errors import ValidationFailed
from loyalty.models import EntryKind, PointsEntry
from loyalty.models.points import Event
from loyalty.tasks import drain_outbox
from tests.feedback.surveys_kit import sale, survey_fixture, words_analyser  # noqa: F401
from tests.personas import make_bob


@pytest.fixture
def invitation(shop_a, ana, survey) -> Invitation:
    return invite_for_purchase(purchase_id=sale(shop_a, ana, "R-1").pk)


def writes() -> tuple:
    """Everything an answer could write: answers, ledger entries, outbox rows, statuses."""
    return (
        Answer.objects.count(),
        PointsEntry.objects.count(),
        Event.objects.count(),
        tuple(Invitation.objects.order_by("pk").values_list("status", flat=True)),
    )


def test_an_answer_is_saved_with_its_group_analysis_and_tier(merchant_a, ana, invitation):
    ana.refresh_from_db()

    result = answer_survey(
        merchant=merchant_a, token=survey_token(invitation), score="3", comment="Slow and rude."
    )

    answer = result.answer
    assert result.created
    assert answer.source == AnswerSource.INVITATION and answer.invitation == invitation
    assert answer.member == ana and answer.purchase == invitation.purchase
    assert answer.shop_id == invitation.shop_id and answer.tier_id == ana.tier_id
    assert answer.score == 3 and answer.group == NpsGroup.DETRACTOR
    assert answer.comment == "Slow and rude."
    assert (answer.language, answer.sentiment) == ("en", "negative")
    assert answer.topics == ["staff", "waiting"]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED


@pytest.mark.parametrize(
    ("score", "group"), [(0, "detractor"), (6, "detractor"), (7, "passive"), (9, "promoter")]
)
def test_the_group_follows_the_score(merchant_a, invitation, score, group):
    answer = answer_survey(merchant=merchant_a, token=survey_token(invitation), score=score).answer

    assert answer.group == group
    assert answer.sentiment == "" and answer.topics == []  # no comment, nothing to analyse


def test_the_events_go_to_the_outbox_with_the_answer(merchant_a, ana, invitation):
    answer = answer_survey(merchant=merchant_a, token=survey_token(invitation), score=2).answer

    received = Event.objects.get(type="feedback.received")
    assert received.payload == {
        "answer": answer.pk,
        "member": ana.pk,
        "survey": invitation.survey_id,
        "score": 2,
        "group": "detractor",
        "sentiment": "",
        "topics": [],
        "shop": invitation.shop_id,
        "purchase": invitation.purchase_id,
    }
    assert Event.objects.get(type="feedback.detractor").payload == received.payload


def test_a_promoter_is_no_detractor_event(merchant_a, invitation):
    answer_survey(merchant=merchant_a, token=survey_token(invitation), score=10)

    assert Event.objects.filter(type="feedback.received").count() == 1
    assert not Event.objects.filter(type="feedback.detractor").exists()


def test_the_incentive_is_paid_once_per_purchase(merchant_a, ana, invitation):
    ana.refresh_from_db()
    before = ana.points_balance
    token = survey_token(invitation)

    first = answer_survey(merchant=merchant_a, token=token, score=9, comment="Great")
    again = answer_survey(merchant=merchant_a, token=token, score=1, comment="bad")

    assert first.created and not again.created and again.answer == first.answer
    entry = PointsEntry.objects.get(reference=incentive_reference(invitation.purchase_id))
    assert (entry.kind, entry.points, entry.member) == (EntryKind.BONUS, 20, ana)
    ana.refresh_from_db()
    assert ana.points_balance == before + 20
    assert Answer.objects.get().score == 9 and first.answer.incentive_points == 20
    assert Event.objects.filter(type="feedback.received").count() == 1


def test_a_second_answer_changes_nothing(merchant_a, invitation):
    token = survey_token(invitation)
    answer_survey(merchant=merchant_a, token=token, score=8)
    before = writes()

    result = answer_survey(merchant=merchant_a, token=token, score=0, comment="bad")

    assert not result.created and writes() == before


def test_a_tampered_link_answers_nothing_and_changes_nothing(merchant_a, invitation):
    token = survey_token(invitation)
    before = writes()
    forged = [token[:-1] + ("A" if token[-1] != "A" else "B"), "1:abc:def", ""]
    forged.append(token.replace(str(invitation.pk), str(invitation.pk + 1), 1))

    for bad in forged:
        with pytest.raises(SurveyLinkInvalid) as caught:
            answer_survey(merchant=merchant_a, token=bad, score=10)
        assert caught.value.code == "survey_link_tampered"

    assert writes() == before


def test_another_merchants_page_reads_our_token_as_tampered(merchant_a, merchant_b, invitation):
    before = writes()

    with pytest.raises(SurveyLinkInvalid):
        answer_survey(merchant=merchant_b, token=survey_token(invitation), score=10)

    assert writes() == before


def test_an_expired_link_answers_nothing_and_changes_nothing(merchant_a, invitation):
    token = survey_token(invitation)
    before = writes()

    with (
        time_machine.travel(invitation.expires_at + timedelta(seconds=1)),
        pytest.raises(SurveyLinkInvalid) as caught,
    ):
        answer_survey(merchant=merchant_a, token=token, score=10)

    assert caught.value.code == "survey_link_expired"
    assert writes() == before


def test_a_score_outside_the_scale_is_refused(merchant_a, invitation):
    before = writes()

    for bad in (11, -1, "ten", None):
        with pytest.raises(ValidationFailed):
            answer_survey(merchant=merchant_a, token=survey_token(invitation), score=bad)

    assert writes() == before


def test_csat_scores_one_to_five_without_a_group(merchant_a, survey, invitation):
    survey.kind = SurveyKind.CSAT
    survey.save()
    token = survey_token(invitation)
    with pytest.raises(ValidationFailed):
        answer_survey(merchant=merchant_a, token=token, score=0)

    answer = answer_survey(merchant=merchant_a, token=token, score=2).answer

    assert answer.score == 2 and answer.group == ""
    assert Event.objects.filter(type="feedback.detractor").count() == 1  # 1-2 is unhappy


def test_the_optional_questions_keep_only_valid_answers(merchant_a, survey, invitation):
    rating, choice, text = (
        SurveyQuestion.objects.create(
            merchant=merchant_a,
            survey=survey,
            position=n,
            kind=kind,
            text={"en": f"Q{n}"},
            choices={"en": ["Coffee", "Cake"]} if kind == QuestionKind.CHOICE else {},
        )
        for n, kind in enumerate((QuestionKind.RATING, QuestionKind.CHOICE, QuestionKind.TEXT))
    )
    extra = {str(rating.pk): "4", str(choice.pk): "7", str(text.pk): " More cake ", "999": "x"}

    answer = answer_survey(
        merchant=merchant_a, token=survey_token(invitation), score=9, extra=extra
    ).answer

    assert answer.extra == {str(rating.pk): 4, str(text.pk): "More cake"}


def test_the_receipt_answer_is_anonymous_once_and_earns_nothing(merchant_a, shop_a, ana, survey):
    purchase = sale(shop_a, ana, "R-9")
    token = receipt_token(purchase)

    first = answer_receipt(merchant=merchant_a, token=token, score=10, comment="Great")
    again = answer_receipt(merchant=merchant_a, token=token, score=0)

    answer = first.answer
    assert first.created and not again.created
    assert answer.member is None and answer.source == AnswerSource.RECEIPT
    assert answer.purchase == purchase and answer.incentive_points == 0
    assert not PointsEntry.objects.filter(reference=incentive_reference(purchase.pk)).exists()
    assert Event.objects.get(type="feedback.received").payload["member"] is None


def test_an_invitation_for_a_sale_answered_at_the_receipt_thanks(merchant_a, invitation):
    answer_receipt(merchant=merchant_a, token=receipt_token(invitation.purchase), score=9)
    before = writes()

    result = answer_survey(merchant=merchant_a, token=survey_token(invitation), score=3)

    assert not result.created and writes() == before


def test_a_receipt_link_closes_after_the_surveys_days(merchant_a, shop_a, survey):
    purchase = sale(shop_a, None, "R-9")
    before = writes()

    with (
        time_machine.travel(purchase.recorded_at + timedelta(days=7, seconds=1)),
        pytest.raises(SurveyLinkInvalid),
    ):
        answer_receipt(merchant=merchant_a, token=receipt_token(purchase), score=10)

    assert writes() == before


def test_a_receipt_token_is_no_invitation_token(merchant_a, invitation):
    with pytest.raises(SurveyLinkInvalid):
        answer_survey(merchant=merchant_a, token=receipt_token(invitation.purchase), score=9)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_are_one_answer_and_one_incentive(merchant_a, shop_a, survey):
    member = make_bob(merchant_a)
    invitation = invite_for_purchase(purchase_id=sale(shop_a, member, "C-1").pk)
    token = survey_token(invitation)
    barrier = threading.Barrier(4)
    results: list[object] = [None] * 4

    def worker(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[index] = answer_survey(merchant=merchant_a, token=token, score=index + 6)
        except Exception as exc:  # handed back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(r, AnswerResult) for r in results), results
    assert sum(r.created for r in results) == 1
    assert Answer.objects.filter(purchase=invitation.purchase).count() == 1
    assert (
        PointsEntry.objects.filter(reference=incentive_reference(invitation.purchase_id)).count()
        == 1
    )
    assert Event.objects.filter(type="feedback.received").count() == 1


def test_an_unhappy_answer_starts_the_detractor_automation_once(merchant_a, ana, invitation):
    campaign = Campaign.objects.create(
        merchant=merchant_a,
        name="Say sorry",
        kind=CampaignKind.AUTOMATION,
        trigger=Trigger.DETRACTOR,
        status=CampaignStatus.RUNNING,
        launched_at=timezone.now() - timedelta(days=1),
        holdout_percent=0,
    )
    Variant.objects.create(merchant=merchant_a, campaign=campaign, name="A")
    answer = answer_survey(merchant=merchant_a, token=survey_token(invitation), score=1).answer

    drain_outbox()
    drain_outbox()

    entry = CampaignEntry.objects.get(campaign=campaign)
    assert (entry.member, entry.occasion) == (ana, f"answer:{answer.pk}")
