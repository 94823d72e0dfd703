"""Charts as plain geometry, for `_charts.html` to draw as SVG on the server.

No JavaScript and nothing from elsewhere: the page's Content-Security-Policy allows neither.
Each chart carries its title and a description for screen readers, and the page shows the
same numbers in a table. Colours come from CSS classes (`bar-…`) in style.css.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
ROW = 28  # height of a horizontal bar's row
LABEL_WIDTH = 150  # the labels' column of a horizontal bar chart
COLUMN_HEIGHT = 180  # the plot's height in a column chart
AXIS = 24  # room under the columns for their labels
HEADROOM = 16  # room above the tallest column for its value


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str  # shown on hover and read by screen readers: "Boosters: 10"


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start, middle, end
    css: str = "chart-label"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    title: str
    description: str
    bars: tuple[Bar, ...]
    labels: tuple[Label, ...]
    band: Bar | None = None  # a shaded range, as the normal reply rate


def bars(
    rows: Sequence[tuple[str, int, str]], title: str, description: str, maximum: int = 0
) -> Chart:
    """Horizontal bars, one per (label, value, css) row, scaled to `maximum` (or the largest)."""
    top = max([maximum, *(value for _, value, _ in rows), 1])
    plot = WIDTH - LABEL_WIDTH - 60
    shapes, labels = [], []
    for index, (label, value, css) in enumerate(rows):
        y = index * ROW + 4
        length = plot * value / top
        shapes.append(Bar(LABEL_WIDTH, y, round(length, 1), ROW - 10, css, f"{label}: {value}"))
        labels.append(Label(LABEL_WIDTH - 8, y + ROW / 2 - 1, label, "end"))
        labels.append(Label(LABEL_WIDTH + length + 6, y + ROW / 2 - 1, str(value), "start"))
    height = len(rows) * ROW + 4
    return Chart(WIDTH, height, title, description, tuple(shapes), tuple(labels))


def gauge(percent: int | None, band: tuple[int, int], title: str, description: str) -> Chart:
    """One bar from 0 to 100%, with the `band` shaded behind it and its value written."""
    plot = WIDTH - 40
    value = percent or 0
    shaded = Bar(20 + plot * band[0] / 100, 2, plot * (band[1] - band[0]) / 100, 34, "band", "")
    shapes = (
        Bar(20, 12, plot, 14, "bar-track", "0 to 100%"),
        Bar(20, 12, round(plot * value / 100, 1), 14, "bar-reply", f"{title}: {value}%"),
    )
    labels = (
        Label(20, 52, "0%"),
        Label(20 + plot * band[0] / 100, 52, f"{band[0]}%", "middle", "chart-label muted-label"),
        Label(20 + plot * band[1] / 100, 52, f"{band[1]}%", "middle", "chart-label muted-label"),
        Label(20 + plot, 52, "100%", "end"),
    )
    return Chart(WIDTH, 60, title, description, shapes, labels, shaded)


def columns(
    groups: Sequence[tuple[str, Sequence[tuple[int, str, str]]]], title: str, description: str
) -> Chart:
    """Grouped columns: for each (label, [(value, css, series name)]) group, one column per
    series, side by side; the group's label below."""
    top = max([1, *(value for _, series in groups for value, _, _ in series)])
    slot = (WIDTH - 20) / max(len(groups), 1)
    shapes, labels = [], []
    for index, (label, series) in enumerate(groups):
        left = 10 + index * slot
        width = (slot - 8) / max(len(series), 1)
        for position, (value, css, name) in enumerate(series):
            height = COLUMN_HEIGHT * value / top
            x = left + 4 + position * width
            y = COLUMN_HEIGHT - height + HEADROOM
            shapes.append(
                Bar(
                    round(x, 1),
                    round(y, 1),
                    round(width - 2, 1),
                    round(height, 1),
                    css,
                    f"{label}, {name}: {value}",
                )
            )
            if value:
                labels.append(
                    Label(
                        round(x + width / 2 - 1, 1),
                        round(y - 3, 1),
                        str(value),
                        "middle",
                        "chart-value",
                    )
                )
        labels.append(
            Label(round(left + slot / 2, 1), COLUMN_HEIGHT + HEADROOM + 16, label, "middle")
        )
    height = COLUMN_HEIGHT + HEADROOM + AXIS
    return Chart(WIDTH, height, title, description, tuple(shapes), tuple(labels))
