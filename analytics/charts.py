"""Server-drawn SVG charts (no script, nothing downloaded): coordinates computed
here, drawn by templates/analytics/_line_chart.html. Every chart has its data
table on the page too."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28
# Colour-blind-safe line colours (Okabe–Ito), with a dash pattern each as well.
STYLES = [
    ("#0072b2", ""),
    ("#d55e00", "6 4"),
    ("#009e73", "2 3"),
    ("#cc79a7", "8 3 2 3"),
    ("#e69f00", "1 2"),
]


@dataclass
class Line:
    label: str
    points: list[tuple[float, float]]
    colour: str
    dash: str
    last: float | None

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass
class LineChart:
    title: str
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    lines: list[Line] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)


def line_chart(
    title: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    maximum: float | None = None,
    unit: str = "",
) -> LineChart:
    """A chart of `series` (label, one value or None per x label); the y axis runs
    from 0 to `maximum` (default: the largest value, rounded up)."""
    values = [v for _label, vs in series for v in vs if v is not None]
    top = maximum or _nice(max(values, default=1.0))
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM
    step = span_x / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + span_y * (1 - min(v, top) / top)

    every = max(1, math.ceil(len(labels) / 6))
    chart = LineChart(
        title=title,
        x_labels=[(x(i), label) for i, label in enumerate(labels) if i % every == 0],
        y_ticks=[(y(top * k / 4), f"{top * k / 4:g}{unit}") for k in range(5)],
    )
    for index, (label, vs) in enumerate(series):
        colour, dash = STYLES[index % len(STYLES)]
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        last = next((v for v in reversed(vs) if v is not None), None)
        chart.lines.append(Line(label, points, colour, dash, last))
    return chart


def _nice(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * power:
            return factor * power
    return 10 * power
