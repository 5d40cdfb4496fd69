"""The NPS over time as a server-rendered SVG: the score as a line, its 95 % margin of error
as a band around it, each month's number of answers under its label.

Like `loyalty.analytics.charts` (whose `Box` it uses): one `<svg role="img">` with a
`<title>` and a `<desc>`, colours from classes (`static/css/feedback.css`), no script and no
style attribute. A month with too few answers for a figure (`nps.MIN_ANSWERS`) leaves a gap
in the line and the band; a month with a figure but few answers (`nps.RELIABLE_ANSWERS`) has
a hollow point. The page shows the same figures as a table.
"""

from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from feedback.insights.nps import NpsFigure
from loyalty.analytics.charts import Box

TICKS = [-100, -50, 0, 50, 100]


def _runs(figures: Sequence[NpsFigure]) -> list[list[int]]:
    """The indexes of consecutive months that have a figure."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, figure in enumerate(figures):
        if figure.score is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    if current:
        runs.append(current)
    return runs


def nps_band_chart(
    labels: Sequence[str],
    figures: Sequence[NpsFigure],
    *,
    title: str,
    desc: str,
    count_label: Callable[[int], str],
    box: Box | None = None,
) -> SafeString:
    """One month per label; `count_label(n)` says the answers under each label ("n = 34")."""
    box = box or Box(bottom=56, right=40)
    count = max(len(labels), 1)

    def x(i: int) -> float:
        return box.left + (box.inner_width * i / (count - 1) if count > 1 else box.inner_width / 2)

    def y(value: float) -> float:
        return box.top + box.inner_height * (100 - value) / 200

    parts = [
        f'<svg class="chart chart-nps" viewBox="0 0 {box.width} {box.height}" role="img" '
        f'preserveAspectRatio="xMidYMid meet" focusable="false">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
        '<g class="chart-grid" aria-hidden="true">',
    ]
    for tick in TICKS:
        css = ' class="chart-zero"' if tick == 0 else ""
        text = f"{tick:+d}".replace("-", "\u2212") if tick else "0"  # a true minus sign
        parts.append(
            f'<line{css} x1="{box.left}" x2="{box.width - box.right}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text class="chart-axis" x="{box.left - 6}" '
            f'y="{y(tick) + 4:.1f}" text-anchor="end">{text}</text>'
        )
    for i, label in enumerate(labels):
        base = box.height - box.bottom
        parts.append(
            f'<text class="chart-axis" x="{x(i):.1f}" y="{base + 18}" text-anchor="middle">'
            f"{escape(label)}</text>"
            f'<text class="chart-axis chart-count" x="{x(i):.1f}" y="{base + 34}" '
            f'text-anchor="middle">{escape(count_label(figures[i].n))}</text>'
        )
    parts.append("</g>")
    parts.extend(_band_and_line(figures, x, y))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _band_and_line(figures: Sequence[NpsFigure], x, y) -> list[str]:
    parts = ['<g class="nps-band" aria-hidden="true">']
    for run in _runs(figures):
        if len(run) == 1:
            i = run[0]
            parts.append(
                f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(figures[i].high):.1f}" '
                f'y2="{y(figures[i].low):.1f}"/>'
            )
            continue
        upper = [f"{x(i):.1f},{y(figures[i].high):.1f}" for i in run]
        lower = [f"{x(i):.1f},{y(figures[i].low):.1f}" for i in reversed(run)]
        parts.append(f'<polygon points="{" ".join(upper + lower)}"/>')
    parts.append('</g><g class="nps-line">')
    for run in _runs(figures):
        if len(run) > 1:
            points = " ".join(f"{x(i):.1f},{y(figures[i].score):.1f}" for i in run)
            parts.append(f'<polyline points="{points}"/>')
    for run in _runs(figures):
        for i in run:
            css = "nps-point low" if figures[i].warning else "nps-point"
            parts.append(
                f'<circle class="{css}" cx="{x(i):.1f}" cy="{y(figures[i].score):.1f}" r="4"/>'
            )
    parts.append("</g>")
    return parts
