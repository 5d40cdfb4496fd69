"""The SVG charts: round axes, escaped labels, gaps for missing values, heat steps, CSV."""

from decimal import Decimal

from loyalty.analytics.charts import (
    Series,
    bar_chart,
    csv_download,
    heat_class,
    line_chart,
    nice_ticks,
)


def test_ticks_are_round_and_cover_the_values():
    assert nice_ticks(0, 930) == [0, 250, 500, 750, 1000]
    assert nice_ticks(0, 4) == [0, 1, 2, 3, 4]
    assert nice_ticks(-30, 70)[0] <= -30 and nice_ticks(-30, 70)[-1] >= 70


def test_line_chart_escapes_labels_and_breaks_lines_at_gaps():
    svg = line_chart(
        ["<1>", "2", "3", "4"],
        [Series("This <period>", [1, 2, None, Decimal("4.5")]), Series("Before", [0, 0, 0, 0])],
        title="Revenue & more",
    )
    assert svg.startswith('<svg class="chart chart-line"') and 'role="img"' in svg
    assert "<title>Revenue &amp; more</title>" in svg
    assert "This &lt;period&gt;" in svg and "&lt;1&gt;" in svg
    current = svg.split('class="chart-series chart-series-0"')[1].split("</g>")[0]
    assert current.count("<polyline") == 2  # the gap splits the line in two
    assert "style=" not in svg


def test_bar_chart_scales_to_the_largest_value():
    svg = bar_chart([("Gold", 10), ("Silver", 5), ("None", 0)], title="Tiers")
    assert svg.count("<rect") == 3
    assert 'width="450.0"' in svg and 'width="225.0"' in svg and 'width="0.0"' in svg


def test_heat_classes_step_from_none_to_all():
    assert heat_class(None) == "heat-none"
    assert heat_class(0) == "heat-0"
    assert heat_class(Decimal("0.5")) == "heat-5"
    assert heat_class(1) == "heat-9"


def test_csv_download_is_an_attachment():
    response = csv_download("x.csv", ["day", "revenue"], [["2026-11-01", "12.50"]])
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response.content.decode() == "day,revenue\r\n2026-11-01,12.50\r\n"
