"""The nightly CLV run stores every member's score; the at-risk list and its page read them."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from loyalty.analytics.scores import (
    AT_RISK_P_ALIVE,
    VALUABLE_TOP_SHARE,
    at_risk,
    flag_at_risk,
    score_members,
)
from loyalty.tasks import score_clv
from members.models import ClvFit, Member, MemberScore
from members.services.enrolment import enrol_member
from tests.loyalty.analytics.helpers import make_history, sale

pytestmark = pytest.mark.django_db
URL = "/portal/insights/at-risk/"


def test_the_run_scores_every_member_who_bought(merchant_a, shop_a):
    make_history(merchant_a, shop_a, 40, seed=5)
    enrol_member(merchant=merchant_a, email="never@example.com")  # joined, never bought

    done = score_members(merchant_a, date(2026, 3, 1))

    assert done.scored == 40 == MemberScore.objects.for_merchant(merchant_a).count()
    assert done.fit.problem == "" and set(done.fit.params) == {"bgnbd", "gamma_gamma"}
    for score in MemberScore.objects.for_merchant(merchant_a):
        assert 0 < score.p_alive <= 1
        assert score.expected_purchases_90d >= 0
        assert Decimal("0") <= score.predicted_value_90d <= score.predicted_value_12m
    assert not MemberScore.objects.filter(member__email="never@example.com").exists()


def test_a_second_run_replaces_the_scores(merchant_a, shop_a):
    make_history(merchant_a, shop_a, 40, seed=5)
    score_members(merchant_a, date(2026, 3, 1))

    score_members(merchant_a, date(2026, 6, 1))

    assert set(MemberScore.objects.values_list("as_of", flat=True)) == {date(2026, 6, 1)}
    assert MemberScore.objects.count() == 40
    assert ClvFit.objects.for_merchant(merchant_a).count() == 2


def test_with_too_little_history_the_fit_says_why_and_scores_nothing(merchant_a, shop_a):
    make_history(merchant_a, shop_a, 3, seed=1)

    done = score_members(merchant_a)

    assert done.scored == 0
    assert "at least 20 customers" in done.fit.problem
    assert not MemberScore.objects.exists()


def test_the_nightly_job_scores_every_merchant_with_purchases(merchant_a, shop_a, merchant_b):
    make_history(merchant_a, shop_a, 30, seed=3)

    assert score_clv() == 30
    assert ClvFit.objects.for_merchant(merchant_a).count() == 1
    assert not ClvFit.objects.for_merchant(merchant_b).exists()  # no purchases: nothing to fit


def _scored(merchant, shop, n: int, spend: str, p_alive: float) -> Member:
    member = enrol_member(
        merchant=merchant, email=f"m{n}@example.com", first_name=f"Scored-member-{n}"
    )
    sale(shop, member, datetime(2026, 1, 10, 12, 0), spend, f"S{n}")
    MemberScore.objects.create(
        merchant=merchant,
        member=member,
        as_of=date(2026, 3, 1),
        p_alive=p_alive,
        expected_purchases_90d=1.0,
        predicted_value_90d=Decimal("10.00"),
        predicted_value_12m=Decimal("40.00"),
    )
    return member


@pytest.fixture
def ten_scored(merchant_a, shop_a):
    """Ten scored members; the top 20% by spend are m0 (slipping away) and m1 (still here)."""
    members = [
        _scored(merchant_a, shop_a, 0, "900.00", AT_RISK_P_ALIVE - 0.2),
        _scored(merchant_a, shop_a, 1, "800.00", 0.95),
    ]
    members += [
        _scored(merchant_a, shop_a, n, f"{10 + n}.00", 0.05)  # gone, but never spent much
        for n in range(2, 10)
    ]
    ClvFit.objects.create(
        merchant=merchant_a, as_of=date(2026, 3, 1), customers=10, repeaters=5, params={"x": 1}
    )
    # The flags as the fit sets them.
    scores = list(MemberScore.objects.for_merchant(merchant_a))
    flag_at_risk(merchant_a, scores)
    MemberScore.objects.bulk_update(scores, ["at_risk", "lifetime_spend"])
    return members


def test_at_risk_are_the_valuable_members_slipping_away(merchant_a, ten_scored):
    assert list(at_risk(merchant_a)) == [ten_scored[0]]


def test_a_member_blocked_since_the_fit_leaves_the_list(merchant_a, ten_scored):
    Member.objects.filter(pk=ten_scored[0].pk).update(status="blocked")
    assert list(at_risk(merchant_a)) == []


def test_the_fit_flags_the_top_spenders_whom_the_model_thinks_gone(merchant_a, shop_a):
    make_history(merchant_a, shop_a, 60, seed=5)
    score_members(merchant_a)

    # The definition, computed here from the stored scores and the members' spend.
    scores = list(MemberScore.objects.for_merchant(merchant_a).select_related("member"))
    spends = sorted((score.member.lifetime_spend for score in scores), reverse=True)
    threshold = spends[int(len(scores) * VALUABLE_TOP_SHARE) - 1]
    expected = {
        score.member_id
        for score in scores
        if score.member.lifetime_spend >= threshold and score.p_alive < AT_RISK_P_ALIVE
    }
    assert expected  # the history has valuable members who stopped
    assert {score.member_id for score in scores if score.at_risk} == expected
    assert set(at_risk(merchant_a).values_list("pk", flat=True)) == expected


def test_the_page_lists_them_and_exports_them(manager_client, merchant_a, ten_scored):
    html = manager_client.get(URL).content.decode()

    assert "Scored-member-0" in html
    assert "Scored-member-1" not in html and "Scored-member-2" not in html
    assert "€900.00" in html and "30%" in html
    rows = list(csv.DictReader(io.StringIO(_csv(manager_client))))
    assert [(row["first_name"], row["lifetime_spend"], row["p_alive"]) for row in rows] == [
        ("Scored-member-0", "900.00", "0.300")
    ]


def _csv(client) -> str:
    answer = client.get(URL, {"export": "csv"})
    assert answer["Content-Type"].startswith("text/csv")
    return b"".join(answer.streaming_content).decode()


def test_the_export_defuses_formulas(manager_client, merchant_a, ten_scored):
    Member.objects.filter(pk=ten_scored[0].pk).update(first_name="=HYPERLINK(1)")

    rows = list(csv.DictReader(io.StringIO(_csv(manager_client))))

    assert rows[0]["first_name"] == "'=HYPERLINK(1)"


def test_the_page_says_what_is_missing_before_there_are_scores(manager_client, merchant_a, shop_a):
    assert "No scores yet" in manager_client.get(URL).content.decode()

    make_history(merchant_a, shop_a, 3, seed=1)
    score_members(merchant_a)

    html = manager_client.get(URL).content.decode()
    assert "Not enough history to predict yet" in html
    assert "at least 20 customers" in html


def test_a_cashier_cannot_see_the_list(cashier_client):
    assert cashier_client.get(URL).status_code == 403


def test_another_merchants_scores_never_show(owner_b, merchant_b, merchant_a, ten_scored, client):
    client.force_login(owner_b)

    html = client.get(URL).content.decode()

    assert "Scored-member-0" not in html and "No scores yet" in html


def test_fit_clv_can_store_the_scores(merchant_a, shop_a):
    make_history(merchant_a, shop_a, 40, seed=5)
    out = io.StringIO()

    call_command(
        "fit_clv", "--merchant", merchant_a.slug, "--as-of", "2026-03-01", "--save", stdout=out
    )

    assert out.getvalue().splitlines()[-1] == "scored=40"
    assert MemberScore.objects.count() == 40
