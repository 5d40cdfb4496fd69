"""Server-rendered SVG charts for the insights pages: no script, no CDN, nothing inline to run.

Each function returns the markup of one `<svg role="img">` with a `<title>` and `<desc>`; the
colours come from classes in `static/css/app.css` (`chart-series-0`, `chart-series-1`, … and
`heat-0` … `heat-9`), never from style attributes, so the Content-Security-Policy holds. A chart
is never the only way to read its numbers: the page shows the same data as a table
(`chart_table.html`) and offers it as CSV (`csv_download`).

    svg = line_chart(
        ["1 Nov", "2 Nov", …],
        [Series(_("This period"), [12.5, 14.0, …]), Series(_("Previous period"), […])],
        title=_("Revenue per day"),
        value_format=lambda v: format_money(v, merchant),
    )

Values are numbers (int, float or Decimal); `None` leaves a gap in a line.
"""

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import ceil, floor, log10

from django.http import HttpResponse
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal
HEAT_STEPS = 10  # heat-0 (none) … heat-9 (the most)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Number | None]


@dataclass(frozen=True)
class Box:
    """The drawing area inside the SVG's viewBox, leaving room for the axes' labels."""

    width: int = 720
    height: int = 260
    left: int = 64
    right: int = 16
    top: int = 16
    bottom: int = 40

    @property
    def inner_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> int:
        return self.height - self.top - self.bottom


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round axis values from `low` to at least `high`: 0, 250, 500, 750, 1000."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** floor(log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = floor(low / step) * step
    last = ceil(high / step) * step
    ticks, value = [], first
    while value <= last + step / 1000:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _plain(value: Number) -> str:
    """An axis or bar label as the page's language writes numbers (“1.250”, “12,5”)."""
    if isinstance(value, float):
        value = Decimal(f"{value:g}")
    return number_format(value, use_l10n=True, force_grouping=True)


def _open(box: Box, title: str, desc: str, css: str) -> list[str]:
    return [
        f'<svg class="chart {css}" viewBox="0 0 {box.width} {box.height}" role="img" '
        f'preserveAspectRatio="xMidYMid meet" focusable="false">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
    ]


def _label_every(count: int, room: int) -> int:
    return max(1, ceil(count / max(room, 1)))


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    value_format: Callable[[Number], str] = _plain,
    box: Box | None = None,
) -> SafeString:
    """Lines over the same x positions (a period and the period before it, say).

    The first series is drawn last, on top; the y axis starts at zero unless a value is
    negative.
    """
    box = box or Box()
    values = [float(v) for s in series for v in s.values if v is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]) or 1.0)
    low, high = ticks[0], ticks[-1]
    count = max(len(x_labels), 1)

    def x(i: int) -> float:
        return box.left + (box.inner_width * i / (count - 1) if count > 1 else box.inner_width / 2)

    def y(v: float) -> float:
        return box.top + box.inner_height * (1 - (v - low) / (high - low))

    parts = _open(box, title, desc, "chart-line")
    parts.append('<g class="chart-grid" aria-hidden="true">')
    for tick in ticks:
        parts.append(
            f'<line x1="{box.left}" x2="{box.width - box.right}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/>'
            f'<text class="chart-axis" x="{box.left - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{escape(value_format(_tick_value(tick)))}</text>'
        )
    every = _label_every(count, box.inner_width // 70)
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == count - 1:
            parts.append(
                f'<text class="chart-axis" x="{x(i):.1f}" y="{box.height - box.bottom + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</g>")
    for index in reversed(range(len(series))):
        parts.extend(_line(series[index], index, x, y))
    parts.append(_legend(series, box))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _tick_value(tick: float) -> Number:
    return int(tick) if float(tick).is_integer() else Decimal(str(tick))


def _line(series: Series, index: int, x, y) -> list[str]:
    parts: list[str] = [f'<g class="chart-series chart-series-{index}">']
    run: list[str] = []
    for i, value in enumerate(series.values):
        if value is None:
            if run:
                parts.append(f'<polyline points="{" ".join(run)}"/>')
            run = []
            continue
        run.append(f"{x(i):.1f},{y(float(value)):.1f}")
    if run:
        parts.append(f'<polyline points="{" ".join(run)}"/>')
    if len([v for v in series.values if v is not None]) == 1:
        i, value = next((i, v) for i, v in enumerate(series.values) if v is not None)
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(float(value)):.1f}" r="3"/>')
    parts.append("</g>")
    return parts


def _legend(series: Sequence[Series], box: Box) -> str:
    parts = ['<g class="chart-legend" aria-hidden="true">']
    left = box.left
    for index, item in enumerate(series):
        parts.append(
            f'<rect class="chart-swatch chart-series-{index}" x="{left}" y="{box.height - 14}" '
            f'width="12" height="4"/>'
            f'<text class="chart-axis" x="{left + 16}" y="{box.height - 9}">'
            f"{escape(item.label)}</text>"
        )
        left += 24 + 8 * len(item.label)
    parts.append("</g>")
    return "".join(parts)


def bar_chart(
    rows: Sequence[tuple[str, Number]],
    *,
    title: str,
    desc: str = "",
    value_format: Callable[[Number], str] = _plain,
    width: int = 720,
    bar_height: int = 28,
) -> SafeString:
    """Horizontal bars, one per row (`(label, value)`), longest for the largest value."""
    label_room, value_room, gap = 160, 110, 8
    height = max(len(rows), 1) * (bar_height + gap)
    top = max([float(value) for _label, value in rows] or [0.0]) or 1.0
    room = width - label_room - value_room
    parts = _open(Box(width=width, height=height), title, desc, "chart-bars")
    for i, (label, value) in enumerate(rows):
        y = i * (bar_height + gap)
        length = room * float(value) / top if value else 0
        parts.append(
            f'<g class="chart-series chart-series-0">'
            f'<text class="chart-axis" x="{label_room - 8}" y="{y + bar_height * 0.65:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_room}" y="{y}" width="{length:.1f}" height="{bar_height}"/>'
            f'<text class="chart-value" x="{label_room + length + 6:.1f}" '
            f'y="{y + bar_height * 0.65:.1f}">{escape(value_format(value))}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def heat_class(share: float | Decimal | None) -> str:
    """The CSS class of a heatmap cell for a share between 0 and 1 (`heat-0` … `heat-9`)."""
    if share is None:
        return "heat-none"
    step = min(HEAT_STEPS - 1, max(0, ceil(float(share) * (HEAT_STEPS - 1))))
    return f"heat-{step}"


def csv_download(filename: str, header: Sequence[str], rows: Sequence[Sequence]) -> HttpResponse:
    """A chart's data (or any small table) as a CSV attachment. Text cells a person typed go
    through `loyalty.exports.spreadsheet_cell` before they get here."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
