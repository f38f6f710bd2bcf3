"""Server-rendered SVG charts: the geometry is worked out here, `templates/reports/_chart.html`
draws it (so every label is escaped by Jinja), with a table of the same numbers beside it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 86, 12, 12, 34
MAX_X_LABELS = 8
# Steps for a time axis, in seconds: a label reads "15 min", never "13 min 20 s".
DURATION_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600)


@dataclass
class Series:
    name: str
    css_class: str
    values: list[float | None]
    labels: list[str]  # each value as people read it, for hover titles and the table


@dataclass
class Mark:
    """A bar (width > 0) or a point on a line (width == 0), with its hover title."""

    x: float
    y: float
    width: float
    height: float
    css_class: str
    title: str


@dataclass
class Tick:
    at: float
    label: str


@dataclass
class Chart:
    id: str
    title: str
    description: str
    y_label: str
    series: list[Series]
    day_labels: list[str]
    marks: list[Mark] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)  # (css class, SVG path)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        return [
            (day, [series.labels[n] for series in self.series])
            for n, day in enumerate(self.day_labels)
        ]


def nice_step(largest: float, candidates: Sequence[float] | None = None, ticks: int = 4) -> float:
    """The smallest step from `candidates` (1, 2, 5 x 10^k by default) giving at most `ticks`;
    never below 1 (messages and seconds come whole)."""
    rough = max(largest / ticks, 1)
    if candidates is None:
        magnitude = 10 ** math.floor(math.log10(rough))
        candidates = [magnitude * factor for factor in (1, 2, 5, 10)]
    return next(
        (step for step in candidates if step >= rough),
        candidates[-1] * math.ceil(rough / candidates[-1]),
    )


def _frame(chart: Chart, days: list[date], top_value: float, step: float, fmt: Callable) -> float:
    """Axis ticks; returns the y scale (pixels per unit)."""
    top_value = max(step, math.ceil(top_value / step) * step)
    scale = (chart.bottom - chart.top) / top_value
    chart.y_ticks = [
        Tick(chart.bottom - n * step * scale, fmt(n * step))
        for n in range(round(top_value / step) + 1)
    ]
    every = max(1, math.ceil(len(days) / MAX_X_LABELS))
    slot = (chart.right - chart.left) / max(len(days), 1)
    chart.x_ticks = [
        Tick(chart.left + (n + 0.5) * slot, chart.day_labels[n]) for n in range(0, len(days), every)
    ]
    return scale


def bar_chart(
    chart: Chart, days: list[date], *, stacked: bool, fmt: Callable, step: float | None = None
) -> Chart:
    """Bars per day: side by side, or stacked (a share chart stacks to 100)."""
    totals = [
        sum(series.values[n] or 0 for series in chart.series)
        if stacked
        else max((series.values[n] or 0 for series in chart.series), default=0)
        for n in range(len(days))
    ]
    largest = max(totals, default=0)
    scale = _frame(chart, days, largest, step or nice_step(largest), fmt)
    slot = (chart.right - chart.left) / max(len(days), 1)
    gap = slot * 0.15
    width = (slot - 2 * gap) / (1 if stacked else len(chart.series))
    for n in range(len(days)):
        base = chart.bottom
        for index, series in enumerate(chart.series):
            value = series.values[n] or 0
            height = value * scale
            x = chart.left + n * slot + gap + (0 if stacked else index * width)
            y = base - height
            title = f"{chart.day_labels[n]} · {series.name}: {series.labels[n]}"
            chart.marks.append(Mark(x, y, width, height, series.css_class, title))
            if stacked:
                base = y
    return chart


def line_chart(chart: Chart, days: list[date], *, fmt: Callable, steps: Sequence[float]) -> Chart:
    """A line per series; days without a value leave a gap."""
    largest = max((v for series in chart.series for v in series.values if v is not None), default=0)
    scale = _frame(chart, days, largest, nice_step(largest, steps), fmt)
    slot = (chart.right - chart.left) / max(len(days), 1)
    for series in chart.series:
        path: list[str] = []
        pen_up = True
        for n, value in enumerate(series.values):
            if value is None:
                pen_up = True
                continue
            x, y = chart.left + (n + 0.5) * slot, chart.bottom - value * scale
            path.append(f"{'M' if pen_up else 'L'}{x:.1f},{y:.1f}")
            pen_up = False
            title = f"{chart.day_labels[n]} · {series.name}: {series.labels[n]}"
            chart.marks.append(Mark(x, y, 0, 0, series.css_class, title))
        chart.lines.append((series.css_class, " ".join(path)))
    return chart
