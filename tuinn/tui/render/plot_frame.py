"""Axes around a cell picture: y tick labels on the left, an x axis and its labels below.

Why: a heatmap of the model's output says nothing about where x = 2 is unless the
picture carries its scale, as every chart does. The decision boundary draws its pixels
itself (half blocks, one column per cell), so its axes are laid out here in plain
text, cell by cell, at ticks chosen by :mod:`tuinn.tui.render.ticks`. Pure: strings and
positions, no styles, so the layout is tested without a terminal.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from tuinn.tui.render.ticks import linear_ticks, tick_labels

#: Rows the frame takes below the picture: the x axis line and the x labels.
AXIS_ROWS = 2
#: Picture cell rows per y tick and picture columns per x tick, at most.
ROWS_PER_TICK = 3
COLS_PER_TICK = 8


@dataclass(frozen=True)
class Frame:
    """The axes of a ``rows`` × ``cols`` cell picture placed ``gutter`` columns from the left."""

    gutter: int  # columns left of the picture: the y labels, right-aligned, and the axis line
    rows: int  # picture cell rows
    cols: int  # picture columns
    left: tuple[str, ...]  # per picture row, the gutter's text (``gutter`` characters)
    axis: str  # the row under the picture: a corner, then ─ with ┬ at each x tick
    labels: str  # the x tick labels, each centred under its tick
    x_ticks: tuple[float, ...]
    y_ticks: tuple[float, ...]


def tick_cell(value: float, lo: float, hi: float, cells: int, reverse: bool = False) -> int:
    """The cell (column, or row with ``reverse``: row 0 at ``hi``) of ``cells`` equal cells over [lo, hi] that holds ``value``."""
    span = hi - lo if hi != lo else 1.0
    t = (hi - value) / span if reverse else (value - lo) / span
    return min(cells - 1, max(0, math.floor(t * cells)))


def y_labels(extent: tuple[float, float, float, float], rows: int) -> tuple[list[float], list[str]]:
    """The y ticks for ``rows`` picture rows and their labels."""
    ticks = linear_ticks(float(extent[2]), float(extent[3]), max(2, rows // ROWS_PER_TICK))
    return ticks, tick_labels(ticks)


@functools.lru_cache(maxsize=64)
def gutter_width(extent: tuple[float, float, float, float], rows: int) -> int:
    """Columns the y axis takes: its widest label and the axis line (asked at every frame, so cached)."""
    _, labels = y_labels(extent, rows)
    return max((len(label) for label in labels), default=0) + 1


def plot_frame(extent: tuple[float, float, float, float], width: int, rows: int) -> Frame:
    """The axes of a picture of ``rows`` cell rows over ``extent`` in a ``width``-column area (gutter included)."""
    x_min, x_max, y_min, y_max = (float(v) for v in extent)
    ys, ylabels = y_labels(extent, rows)
    gutter = max((len(label) for label in ylabels), default=0) + 1
    cols = max(1, width - gutter)
    left = [" " * (gutter - 1) + "│" for _ in range(rows)]
    for value, label in zip(ys, ylabels, strict=True):
        r = tick_cell(value, y_min, y_max, rows, reverse=True)
        left[r] = label.rjust(gutter - 1) + "┤"
    # Three ticks from 12 columns on (a small multiple's -5 0 5; two asked for gave 0 alone), else one per 8 columns.
    xs = linear_ticks(x_min, x_max, max(2 if cols < 12 else 3, cols // COLS_PER_TICK))
    axis = [" "] * (gutter - 1) + ["└"] + ["─"] * cols
    labels = [" "] * (gutter + cols)
    free_from = 0  # the first column a label may use (one blank after the previous label)
    for value, label in zip(xs, tick_labels(xs), strict=True):
        c = gutter + tick_cell(value, x_min, x_max, cols)
        axis[c] = "┬"
        start = min(max(0, c - len(label) // 2), gutter + cols - len(label))
        if start < free_from:
            continue
        labels[start:start + len(label)] = list(label)
        free_from = start + len(label) + 1
    return Frame(gutter, rows, cols, tuple(left), "".join(axis), "".join(labels), tuple(xs), tuple(ys))
