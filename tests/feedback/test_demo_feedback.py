"""The demo's voice of the customer: a running survey with answers in three languages, cases
open and resolved, a detractor won back; the ledger still reconciles."""

import pytest

from feedback.models import Answer, Case, CaseStatus, Invitation, Survey
from loyalty.demo.seed import seed_demo
from loyalty.models import User
from tests.loyalty.points.helpers import assert_reconciled

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 160)
    merchant, created = seed_demo()
    assert created
    return merchant


def test_the_demo_has_a_survey_answers_and_cases(demo, client):
    survey = Survey.objects.for_merchant(demo).get(active=True)
    assert survey.incentive_points == 20
    answers = Answer.objects.for_merchant(demo)
    assert answers.count() >= 20
    assert set(answers.exclude(language="").values_list("language", flat=True)) == {
        "en",
        "ro",
        "ru",
    }
    assert answers.filter(group="detractor").exists() and answers.filter(group="promoter").exists()
    assert answers.filter(incentive_points=20).count() == answers.count()
    assert Invitation.objects.for_merchant(demo).count() > answers.count()
    cases = Case.objects.for_merchant(demo)
    assert cases.filter(status=CaseStatus.RESOLVED).exists()
    assert cases.exclude(status=CaseStatus.RESOLVED).exists()
    assert cases.filter(won_back=True).exists()
    for case in cases.filter(status=CaseStatus.RESOLVED):
        assert case.told_at is not None and case.resolved_at >= case.opened_at
    assert_reconciled(demo)
    # The owner's pages read it (one seed for both: seeding is the slow part).
    client.force_login(User.objects.get(email="owner@example.com"))
    page = client.get("/portal/feedback/?period=90d").content.decode()

    assert "Net Promoter Score" in page or "NPS" in page
    assert client.get("/portal/feedback/cases/").status_code == 200
