"""RFM scores and named segments on a hand-made history, every figure worked out here: local
days, ties, reversed and refunded sales, another merchant, a member who loses their only sale,
the scores as of an earlier day, the day's segment counts; the nightly job and the command."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import MemberRfm, RfmSegment, RfmSegmentCount
from campaigns.segments.rfm import GRID, fm_score, recompute_rfm, segment_of
from campaigns.tasks import recompute_segments
from loyalty.points.refunds import refund_purchase, reverse_purchase
from loyalty.schedules import SCHEDULES
from members.models import MemberStatus
from members.services.enrolment import enrol_member
from tests.loyalty.analytics.helpers import sale

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 30)


def make_history(merchant, shop, owner) -> dict:
    """Five members (today is 30 June 2026, Bucharest):

    ======  ==========================  =====  =========  ======
    member  counted purchases (local)   last   frequency  spend
    ======  ==========================  =====  =========  ======
    Ada     30 Jun 00:30: 10            30 Jun 1          10
    Bo      1 Jun: 20, 20 Jun: 30 - 10  20 Jun 2          40
    Cy      1 Mar, 10 Mar, 1 Apr: 40    1 Apr  3          120
    Di      5-8 Jan: 25 each            8 Jan  4          100
    Ed      1 Feb: 5                    1 Feb  1          5
    ======  ==========================  =====  =========  ======

    Ada's sale at 00:30 on 30 June is still 29 June in UTC: her recency is 0 local days. Not
    counted: Ada's 200 fully refunded (30 June), Ed's 500 reversed (30 June); Bo's 30 is
    refunded 10 (so 40 in all)."""
    people = {
        name: enrol_member(merchant=merchant, email=f"{name.lower()}-rfm@example.com")
        for name in ("Ada", "Bo", "Cy", "Di", "Ed")
    }
    sale(shop, people["Ada"], datetime(2026, 6, 30, 0, 30), "10.00", "A1")
    full = sale(shop, people["Ada"], datetime(2026, 6, 30, 9, 0), "200.00", "A2")
    refund_purchase(purchase=full, external_id="A2-R", amount=Decimal("200.00"))
    sale(shop, people["Bo"], datetime(2026, 6, 1, 10, 0), "20.00", "B1")
    part = sale(shop, people["Bo"], datetime(2026, 6, 20, 10, 0), "30.00", "B2")
    refund_purchase(purchase=part, external_id="B2-R", amount=Decimal("10.00"))
    for k, day in enumerate((date(2026, 3, 1), date(2026, 3, 10), date(2026, 4, 1))):
        sale(shop, people["Cy"], datetime.combine(day, datetime.min.time()) + timedelta(hours=12),
             "40.00", f"C{k}")  # fmt: skip
    for k in range(4):
        sale(shop, people["Di"], datetime(2026, 1, 5 + k, 11, 0), "25.00", f"D{k}")
    sale(shop, people["Ed"], datetime(2026, 2, 1, 11, 0), "5.00", "E1")
    typo = sale(shop, people["Ed"], datetime(2026, 6, 30, 11, 0), "500.00", "E2")
    reverse_purchase(purchase=typo, actor=owner, reason="typed 500 for 5")
    return people


def scores(merchant) -> dict[str, tuple]:
    return {
        row.member.first_name or row.member.email.split("-")[0]: (
            row.recency_days,
            row.frequency,
            row.monetary,
            (row.recency_score, row.frequency_score, row.monetary_score),
            row.segment,
        )
        for row in MemberRfm.objects.for_merchant(merchant).select_related("member")
    }


def counts(merchant, day: date) -> dict[str, int]:
    return dict(
        RfmSegmentCount.objects.for_merchant(merchant)
        .filter(day=day)
        .values_list("segment", "members")
    )


# Worked out: n = 5, score = 1 + floor(5 * (rank - 1) / 5) = rank, ties on the lowest rank.
#   recency (oldest last day first): Di 1, Ed 2, Cy 3, Bo 4, Ada 5
#   frequency: Ada and Ed tie on 1 purchase (rank 1), Bo 3, Cy 4, Di 5
#   monetary: Ed 5 (1), Ada 10 (2), Bo 40 (3), Di 100 (4), Cy 120 (5)
#   FM = ceil((F + M) / 2): Ada 2, Bo 3, Cy 5, Di 5, Ed 1
#   grid: Ada R5 FM2 and Bo R4 FM3 potential loyalists, Cy R3 FM5 loyal, Di R1 FM5 can't
#   lose them, Ed R2 FM1 lost.
EXPECTED = {
    "ada": (0, 1, Decimal("10.00"), (5, 1, 2), RfmSegment.POTENTIAL_LOYALISTS),
    "bo": (10, 2, Decimal("40.00"), (4, 3, 3), RfmSegment.POTENTIAL_LOYALISTS),
    "cy": (90, 3, Decimal("120.00"), (3, 4, 5), RfmSegment.LOYAL),
    "di": (173, 4, Decimal("100.00"), (1, 5, 4), RfmSegment.CANT_LOSE),
    "ed": (149, 1, Decimal("5.00"), (2, 1, 1), RfmSegment.LOST),
}


def test_scores_and_segments_of_a_hand_made_history(merchant_a, shop_a, owner_a):
    make_history(merchant_a, shop_a, owner_a)

    assert recompute_rfm(merchant_a, TODAY) == 5

    assert scores(merchant_a) == EXPECTED
    days = MemberRfm.objects.for_merchant(merchant_a).values_list("computed_on", flat=True)
    assert set(days) == {TODAY}
    assert counts(merchant_a, TODAY) == {
        "potential_loyalists": 2,
        "loyal": 1,
        "cant_lose": 1,
        "lost": 1,
    }


def test_the_grid_is_the_documented_table():
    assert segment_of(5, 5, 4) == RfmSegment.CHAMPIONS  # FM ceil(4.5) = 5
    assert segment_of(5, 1, 1) == RfmSegment.NEW
    assert fm_score(1, 2) == 2  # the average 1.5, rounded up
    assert segment_of(4, 1, 2) == RfmSegment.POTENTIAL_LOYALISTS
    assert segment_of(4, 1, 1) == RfmSegment.PROMISING
    assert segment_of(3, 3, 3) == RfmSegment.NEED_ATTENTION
    assert segment_of(3, 2, 1) == RfmSegment.ABOUT_TO_SLEEP
    assert segment_of(2, 2, 2) == RfmSegment.HIBERNATING
    assert segment_of(1, 5, 5) == RfmSegment.CANT_LOSE
    assert segment_of(1, 1, 1) == RfmSegment.LOST
    # Every named segment has at least one cell.
    assert {cell for row in GRID.values() for cell in row} == set(RfmSegment)


def test_scores_as_of_an_earlier_day_ignore_the_later_sales(merchant_a, shop_a, owner_a):
    make_history(merchant_a, shop_a, owner_a)
    earlier = date(2026, 6, 15)

    assert recompute_rfm(merchant_a, earlier) == 4

    # Ada had not come yet; Bo had only his 1 June sale (14 days before). n = 4:
    # score = 1 + floor(5 * (rank - 1) / 4): ranks 1..4 score 1, 2, 3, 4.
    #   recency: Di 1, Ed 2, Cy 3, Bo 4; frequency: Bo and Ed tie on 1 (1), Cy 3, Di 4;
    #   monetary: Ed 5 (1), Bo 20 (2), Di 100 (3), Cy 120 (4).
    #   FM: Bo ceil(1.5) = 2 (R4: potential loyalists), Cy 4 (R3: loyal), Di 4 (R1: can't
    #   lose them), Ed 1 (R2: lost).
    assert scores(merchant_a) == {
        "bo": (14, 1, Decimal("20.00"), (4, 1, 2), RfmSegment.POTENTIAL_LOYALISTS),
        "cy": (75, 3, Decimal("120.00"), (3, 3, 4), RfmSegment.LOYAL),
        "di": (158, 4, Decimal("100.00"), (1, 4, 3), RfmSegment.CANT_LOSE),
        "ed": (134, 1, Decimal("5.00"), (2, 1, 1), RfmSegment.LOST),
    }
    assert counts(merchant_a, earlier) == {
        "potential_loyalists": 1,
        "loyal": 1,
        "cant_lose": 1,
        "lost": 1,
    }


def test_recomputing_is_idempotent_and_keeps_each_days_counts(merchant_a, shop_a, owner_a):
    make_history(merchant_a, shop_a, owner_a)
    recompute_rfm(merchant_a, date(2026, 6, 15))
    recompute_rfm(merchant_a, TODAY)
    recompute_rfm(merchant_a, TODAY)

    assert scores(merchant_a) == EXPECTED
    assert MemberRfm.objects.for_merchant(merchant_a).count() == 5
    assert RfmSegmentCount.objects.for_merchant(merchant_a).filter(day=TODAY).count() == 4
    assert sum(counts(merchant_a, date(2026, 6, 15)).values()) == 4


def test_a_member_whose_only_sale_is_reversed_loses_the_row(merchant_a, shop_a, owner_a):
    people = make_history(merchant_a, shop_a, owner_a)
    recompute_rfm(merchant_a, TODAY)
    only = people["Ed"].purchases.get(external_id="E1")

    reverse_purchase(purchase=only, actor=owner_a, reason="wrong card")
    recompute_rfm(merchant_a, TODAY)

    assert "ed" not in scores(merchant_a)
    assert MemberRfm.objects.for_merchant(merchant_a).count() == 4


def test_blocked_members_and_anonymous_sales_are_not_scored(merchant_a, shop_a, owner_a):
    people = make_history(merchant_a, shop_a, owner_a)
    sale(shop_a, None, datetime(2026, 6, 29, 10, 0), "90.00", "ANON")
    people["Cy"].status = MemberStatus.BLOCKED
    people["Cy"].save(update_fields=["status"])

    assert recompute_rfm(merchant_a, TODAY) == 4
    assert "cy" not in scores(merchant_a)


def test_each_merchant_is_scored_on_its_own(merchant_a, shop_a, owner_a, merchant_b):
    make_history(merchant_a, shop_a, owner_a)
    shop_b = merchant_b.shops.get()
    zoe = enrol_member(merchant=merchant_b, email="zoe-rfm@example.com")
    sale(shop_b, zoe, datetime(2026, 6, 29, 10, 0), "1000.00", "Z1")
    recompute_rfm(merchant_b, TODAY)

    recompute_rfm(merchant_a, TODAY)

    # Zoe's big spend changes nothing at Aroma, and Aroma's recompute left Bee's row alone.
    assert scores(merchant_a) == EXPECTED
    assert scores(merchant_b) == {
        "zoe": (1, 1, Decimal("1000.00"), (1, 1, 1), RfmSegment.LOST),
    }
    assert counts(merchant_b, TODAY) == {"lost": 1}


def test_the_nightly_job_scores_every_merchant_as_of_its_today(merchant_a, shop_a, merchant_b):
    ana = enrol_member(merchant=merchant_a, email="ana-rfm@example.com")
    sale(shop_a, ana, datetime(2026, 6, 1, 10, 0), "12.00", "N1")
    zoe = enrol_member(merchant=merchant_b, email="zoe-rfm@example.com")
    sale(merchant_b.shops.get(), zoe, datetime(2026, 6, 2, 10, 0), "8.00", "N2")

    assert recompute_segments() == 2

    assert MemberRfm.objects.for_merchant(merchant_a).get().member == ana
    assert MemberRfm.objects.for_merchant(merchant_b).get().member == zoe
    job = next(job for job in SCHEDULES if job.func == "campaigns.tasks.recompute_segments")
    assert job.kind == "D"


def test_the_command_recomputes_one_merchant(merchant_a, shop_a, owner_a, merchant_b):
    make_history(merchant_a, shop_a, owner_a)
    out = StringIO()

    call_command("recompute_rfm", "--merchant", "aroma", "--as-of", "2026-06-30", stdout=out)

    assert "aroma: RFM scores of 5 members" in out.getvalue()
    assert scores(merchant_a) == EXPECTED
    assert not MemberRfm.objects.for_merchant(merchant_b).exists()


def test_the_command_refuses_an_unknown_merchant_and_a_day_to_come(merchant_a):
    with pytest.raises(CommandError, match="No merchant with the slug 'nowhere'"):
        call_command("recompute_rfm", "--merchant", "nowhere")
    with pytest.raises(CommandError, match="is after the merchant's today"):
        call_command("recompute_rfm", "--merchant", "aroma", "--as-of", "2999-01-01")
    assert not RfmSegmentCount.objects.for_merchant(merchant_a).exists()
