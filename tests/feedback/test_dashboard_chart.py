"""The NPS band chart (feedback/insights/charts.py): a polygon for each run of months with a
figure, a line for the NPS, the answers under each month, and gaps where there are too few."""

import re

from feedback.insights.charts import nps_band_chart
from feedback.insights.nps import NpsFigure

ENOUGH = NpsFigure(promoters=20, passives=12, detractors=8)  # NPS 30 ± 24.2, 40 answers
FEW = NpsFigure(promoters=9, passives=1, detractors=0)  # 10 answers: a figure, a warning
TOO_FEW = NpsFigure(promoters=3)  # no figure


def chart(figures):
    labels = [f"M{i}" for i in range(len(figures))]
    return str(
        nps_band_chart(
            labels,
            figures,
            title="NPS <by month>",
            desc="Band & line",
            count_label=lambda n: f"n = {n}",
        )
    )


def test_the_band_is_a_polygon_around_the_line_with_n_under_each_month():
    svg = chart([ENOUGH, ENOUGH, FEW, TOO_FEW, NpsFigure()])

    assert svg.startswith('<svg class="chart chart-nps"')
    assert 'role="img"' in svg
    assert "<title>NPS &lt;by month&gt;</title>" in svg
    assert "<desc>Band &amp; line</desc>" in svg
    polygons = re.findall(r'<polygon points="([^"]+)"', svg)
    assert len(polygons) == 1
    assert len(polygons[0].split()) == 6  # three months up, three back down
    assert svg.count("<polyline") == 1
    assert svg.count('class="nps-point"') == 2
    assert svg.count('class="nps-point low"') == 1
    for n in (40, 10, 3, 0):
        assert f">n = {n}</text>" in svg
    assert "style=" not in svg


def test_the_band_is_as_wide_as_the_margin_on_the_scale():
    svg = chart([ENOUGH, ENOUGH])
    # The box: top 16, inner height 260 - 16 - 56 = 188 for 200 NPS points.
    points = re.findall(r'<polygon points="([^"]+)"', svg)[0].split()
    upper_y = float(points[0].split(",")[1])
    lower_y = float(points[-1].split(",")[1])
    assert abs((lower_y - upper_y) / 188 * 200 - 2 * ENOUGH.margin) < 0.5  # coordinates: .1f


def test_a_lonely_month_gets_an_error_bar_and_a_point():
    svg = chart([TOO_FEW, ENOUGH, TOO_FEW])

    assert "<polygon" not in svg
    assert "<polyline" not in svg
    assert re.search(r'<g class="nps-band" aria-hidden="true"><line ', svg)
    assert svg.count('class="nps-point"') == 1
