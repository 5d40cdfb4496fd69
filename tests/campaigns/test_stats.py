"""The campaign arithmetic on hand-worked examples (campaigns/automations/stats.py)."""

from decimal import Decimal

import pytest

from campaigns.automations.stats import (
    Interval,
    Revenue,
    Verdict,
    detectable_lift,
    incremental_revenue,
    lift,
    verdict,
)


def test_the_detectable_lift_matches_the_textbook_sample_size():
    # From 10% to 13% at 95% confidence and 80% power needs n per group =
    # (1.95996 x sqrt(2 x 0.115 x 0.885) + 0.84162 x sqrt(0.09 + 0.1131))^2 / 0.03^2
    # = (0.88427 + 0.37929)^2 / 0.0009 = 1,774 (Evan Miller's calculator says 1,772).
    assert detectable_lift(1774, 1774, 0.10) == pytest.approx(0.03, abs=0.0002)


def test_a_small_shop_can_only_detect_a_large_lift():
    # A café: 720 members get the offer, 80 are held out, 10% usually come back in the window.
    small = detectable_lift(720, 80, 0.10)
    assert 0.10 < small < 0.15
    # Ten times the members detect a lift about a third as large (it shrinks with sqrt(n)).
    assert detectable_lift(7200, 800, 0.10) == pytest.approx(small / 10**0.5, rel=0.15)


def test_no_lift_can_be_detected_with_a_holdout_of_one():
    assert detectable_lift(50, 1, 0.5) is None
    assert detectable_lift(0, 10, 0.1) is None


def test_the_lift_and_its_interval():
    # 30 of 200 treated (15%) against 10 of 100 held out (10%): +5 points,
    # se = sqrt(0.15 x 0.85 / 200 + 0.1 x 0.9 / 100) = sqrt(0.0015375) = 0.039211,
    # margin 1.95996 x 0.039211 = 0.076852.
    result = lift(200, 30, 100, 10)

    assert result.estimate == pytest.approx(0.05)
    assert result.low == pytest.approx(-0.026852, abs=1e-5)
    assert result.high == pytest.approx(0.126852, abs=1e-5)


def test_incremental_revenue_with_welchs_interval():
    # Treated revenues 10, 0, 20, 10: mean 10, variance (600 - 400) / 3 = 66.67.
    # Held out 0, 10, 5: mean 5, variance (125 - 75) / 2 = 25.
    # Per member +5, se = sqrt(66.67 / 4 + 25 / 3) = 5, margin 9.79982; times 4 members.
    treated = Revenue(members=4, total=Decimal("40"), sum_of_squares=Decimal("600"))
    holdout = Revenue(members=3, total=Decimal("15"), sum_of_squares=Decimal("125"))

    result = incremental_revenue(treated, holdout)

    assert result.estimate == pytest.approx(20.0)
    assert result.low == pytest.approx(4 * (5 - 9.79982), abs=1e-3)
    assert result.high == pytest.approx(4 * (5 + 9.79982), abs=1e-3)


def test_the_verdict_reads_the_whole_interval():
    assert verdict(Interval(50, 10, 90)) == Verdict.KEEP
    assert verdict(Interval(-50, -90, -10)) == Verdict.STOP
    assert verdict(Interval(20, -19, 59)) == Verdict.CHANGE
    assert verdict(None) == Verdict.CHANGE
