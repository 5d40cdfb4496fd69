"""The NPS and its 95 % margin of error on hand-made answers, worked by hand here.

var = (p_P + p_D - (p_P - p_D)²) / n, MoE = 1.96 · √var · 100 (feedback/insights/nps.py).
"""

import pytest

from feedback.insights.nps import (
    LOW,
    NONE,
    OK,
    CsatFigure,
    NpsFigure,
    csat,
    nps,
    nps_margin,
    reliability,
)


def test_fifty_promoters_thirty_passives_twenty_detractors_give_30_plus_or_minus_15_3():
    # n = 100, p_P = 0.5, p_D = 0.2: NPS = 100 · 0.3 = 30.
    # var = (0.5 + 0.2 - 0.3²) / 100 = 0.61 / 100 = 0.0061; √0.0061 = 0.078102;
    # MoE = 1.96 · 0.078102 · 100 = 15.308.
    assert nps(50, 30, 20) == pytest.approx(30.0)
    assert nps_margin(50, 30, 20) == pytest.approx(15.308, abs=0.001)


def test_ten_answers_six_promoters_two_passives_two_detractors():
    # n = 10, p_P = 0.6, p_D = 0.2: NPS = 40.
    # var = (0.6 + 0.2 - 0.4²) / 10 = 0.64 / 10 = 0.064; √0.064 = 0.252982;
    # MoE = 1.96 · 0.252982 · 100 = 49.584.
    assert nps(6, 2, 2) == pytest.approx(40.0)
    assert nps_margin(6, 2, 2) == pytest.approx(49.584, abs=0.001)


def test_a_split_room_has_the_widest_margin():
    # 20 promoters, 20 detractors, no passive: NPS 0, each answer is +1 or -1.
    # var = (0.5 + 0.5 - 0²) / 40 = 0.025; √0.025 = 0.158114; MoE = 30.990.
    assert nps(20, 0, 20) == pytest.approx(0.0)
    assert nps_margin(20, 0, 20) == pytest.approx(30.990, abs=0.001)


def test_everyone_in_one_group_has_no_margin():
    # All promoters: p_P = 1, p_D = 0; var = (1 + 0 - 1²) / 12 = 0.
    assert nps(12, 0, 0) == 100
    assert nps_margin(12, 0, 0) == 0
    assert nps(0, 0, 15) == -100
    assert nps_margin(0, 0, 15) == 0
    # All passives: p_P = p_D = 0; NPS 0 and nothing varies.
    assert nps(0, 30, 0) == 0
    assert nps_margin(0, 30, 0) == 0


def test_more_answers_narrow_the_margin_by_the_square_root():
    # The same shares with four times the answers: half the margin.
    assert nps_margin(200, 120, 80) == pytest.approx(nps_margin(50, 30, 20) / 2)


def test_no_answers_no_figure():
    assert nps(0, 0, 0) is None
    assert nps_margin(0, 0, 0) is None
    assert csat(0, 0) is None


def test_csat_is_the_share_of_fours_and_fives():
    # 13 of 20 answers were 4 or 5: 65 %.
    assert csat(13, 20) == pytest.approx(65.0)
    assert CsatFigure(satisfied=13, total=20).score == pytest.approx(65.0)
    assert CsatFigure(satisfied=3, total=4).score is None  # too few


def test_too_few_answers_mean_no_figure_then_a_warning():
    assert [reliability(n) for n in (0, 9, 10, 29, 30, 500)] == [NONE, NONE, LOW, LOW, OK, OK]


def test_a_figure_under_ten_answers_shows_its_counts_but_no_score():
    figure = NpsFigure(promoters=5, passives=2, detractors=2)
    assert figure.n == 9
    assert not figure.shown
    assert figure.score is None
    assert figure.margin is None


def test_a_figure_with_few_answers_warns_and_its_band_is_clipped_to_the_scale():
    # 9 promoters, 1 passive, 0 detractors: NPS 90; var = (0.9 - 0.81) / 10 = 0.009;
    # MoE = 1.96 · 0.094868 · 100 = 18.594: the band 71.4 … 108.6, clipped to 100.
    figure = NpsFigure(promoters=9, passives=1, detractors=0)
    assert figure.warning
    assert figure.score == pytest.approx(90.0)
    assert figure.margin == pytest.approx(18.594, abs=0.001)
    assert figure.low == pytest.approx(71.406, abs=0.001)
    assert figure.high == 100.0
    assert figure.share(figure.promoters) == pytest.approx(90.0)
