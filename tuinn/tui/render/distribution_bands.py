"""TensorBoard's "distributions" in a terminal: percentile bands of a tensor over epochs.

One chart per tensor (W¹, W², …): x is the epoch, from the first recorded sample at the
left to the newest at the right edge; y is the value, with round ticks at the left. Each
column is filled between pairs of :data:`~tuinn.tui.render.percentile_history.PERCENTILES`
(min–max faintest, then 7–93 %, 16–84 %, 31–69 %, and the median as a line), so a layer
whose weights spread out while it learns is seen widening to the right. A thin line
marks zero when it is in range (which weights changed sign).

Why bands over time and not a histogram that updates live: in a panel of ~40×12 cells a
live histogram has room for a dozen bars per layer and shows one moment, so "the weights
spread out" has to be remembered by the viewer; the bands show the whole run at once,
and the percentiles take one column each, so even a chart 20 columns wide reads.

Pure: numbers in, palette indices and Strips out (no widget, no app), so the pictures are
tested without a terminal. Half-block pixels (two per cell, :mod:`halfblock`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tuinn.tui.render.colormap import POSITIVE, blend, hex_color
from tuinn.tui.render.halfblock import StyleTable, picture_strips
from tuinn.tui.render.plot_frame import tick_cell
from tuinn.tui.render.ticks import linear_ticks, tick_labels

#: Palette indices of a band picture: the background, the four bands outer → inner, the median, zero.
BACKGROUND, MEDIAN, ZERO_LINE = 0, 5, 6
BANDS = (1, 2, 3, 4)
#: How far each band is blended from the background towards the band colour, outer → inner.
BAND_STRENGTH = (0.25, 0.45, 0.7, 1.0)
#: Columns between two charts.
GAP = 2
#: The least a chart's picture may have to be drawn: columns, and cell rows below its label.
MIN_COLS, MIN_ROWS = 4, 2
#: Gutter width assumed when choosing a layout (the real one depends on the labels).
GUTTER_GUESS = 6


@dataclass(frozen=True)
class Layout:
    """``shown`` charts in a grid of ``ncols`` × ``nrows`` cells, each ``width`` × ``height`` cells."""

    shown: int
    ncols: int
    nrows: int
    width: int
    height: int


def layout(n: int, width: int, height: int) -> Layout:
    """The grid that gives ``n`` charts the most readable pictures in ``width`` × ``height`` cells.

    Readable: a chart's picture has about three columns (epochs) for each cell row
    (values), the score being the smaller of columns and 3 × rows. When no grid holds all
    ``n`` with at least :data:`MIN_COLS` × :data:`MIN_ROWS` each, the fewest charts are
    left out (``shown`` < ``n``); at least one is always shown.
    """
    for shown in range(max(n, 1), 0, -1):
        best: tuple[int, Layout] | None = None
        for ncols in range(1, shown + 1):
            nrows = -(-shown // ncols)
            cw = (width - GAP * (ncols - 1)) // ncols
            ch = height // nrows
            cols, rows = cw - GUTTER_GUESS, ch - 1
            if cols < MIN_COLS or rows < MIN_ROWS:
                continue
            score = min(cols, 3 * rows)
            if best is None or score > best[0]:
                best = (score, Layout(shown, ncols, nrows, cw, ch))
        if best is not None:
            return best[1]
    return Layout(min(n, 1), 1, 1, max(width, 0), max(height, 0))


def value_range(values: np.ndarray) -> tuple[float, float]:
    """(lo, hi) of a chart: the smallest min and largest max over its samples, finite, lo < hi.

    All samples equal (every weight 0.5, or zero): a range around that value. None finite: (−1, 1).
    """
    finite_lo = values[:, 0][np.isfinite(values[:, 0])] if values.size else values[:0, 0]
    finite_hi = values[:, -1][np.isfinite(values[:, -1])] if values.size else values[:0, 0]
    if finite_lo.size == 0 or finite_hi.size == 0:
        return -1.0, 1.0
    lo, hi = float(finite_lo.min()), float(finite_hi.max())
    if hi > lo:
        return lo, hi
    pad = abs(lo) * 0.1 if lo != 0 else 1.0
    return lo - pad, hi + pad


def value_rows(values: np.ndarray, lo: float, hi: float, pix_rows: int) -> np.ndarray:
    """The pixel row (0 at ``hi``, the top) of each value, clipped into the picture.

    Halves are subtracted, so that a span of ±1e308 does not overflow to inf.
    """
    span = hi / 2 - lo / 2
    t = (hi / 2 - np.asarray(values, dtype=np.float64) / 2) / span
    return np.clip(np.floor(t * pix_rows), 0, pix_rows - 1).astype(np.int64)


def column_samples(epochs: np.ndarray, cols: int) -> np.ndarray:
    """Which sample each of ``cols`` columns shows: the newest at or before the column's right edge.

    The columns split [first epoch, last epoch] evenly; the last column shows the newest sample.
    """
    n = len(epochs)
    if n == 0 or cols <= 0:
        return np.zeros(0, dtype=np.int64)
    e0, e1 = float(epochs[0]), float(epochs[-1])
    if e1 <= e0:
        return np.full(cols, n - 1, dtype=np.int64)
    edges = e0 + (e1 - e0) * (np.arange(1, cols + 1) / cols)
    idx = np.searchsorted(epochs, edges, side="right") - 1
    idx[-1] = n - 1
    return np.clip(idx, 0, n - 1)


def band_levels(epochs: np.ndarray, values: np.ndarray, cols: int, pix_rows: int, lo: float, hi: float) -> np.ndarray:
    """The band picture, (pix_rows, cols) palette indices: :data:`BANDS` between percentile pairs, the median, zero.

    Every band is at least one pixel tall where it exists (a narrow inner band still
    shows); a sample with no finite values (NaN) leaves its column blank.
    """
    picture = np.full((pix_rows, cols), BACKGROUND, dtype=np.int8)
    if pix_rows <= 0 or cols <= 0 or len(epochs) == 0:
        return picture
    per_col = values[column_samples(epochs, cols)]  # (cols, 9)
    finite = np.isfinite(per_col).all(axis=1)
    rows = value_rows(np.where(np.isfinite(per_col), per_col, lo), lo, hi, pix_rows)  # (cols, 9)
    r = np.arange(pix_rows)[:, None]
    if lo < 0 < hi:
        picture[value_rows(np.array([0.0]), lo, hi, pix_rows)[0], :] = ZERO_LINE
    last = values.shape[1] - 1
    for k, level in enumerate(BANDS):  # outer first: each inner band paints over it
        top, bottom = rows[:, last - k], rows[:, k]
        picture[(r >= top) & (r <= bottom) & finite] = level
    picture[rows[finite, last // 2], np.flatnonzero(finite)] = MEDIAN
    return picture


@functools.cache
def band_table(background: tuple[int, int, int], foreground: tuple[int, int, int]) -> StyleTable:
    """The palette of a band picture for a theme: bands blended from its background, the median towards its text colour."""
    bands = [hex_color(blend(background, POSITIVE, t)) for t in BAND_STRENGTH]
    median = hex_color(blend(POSITIVE, foreground, 0.6))
    zero = hex_color(blend(background, foreground, 0.3))
    return StyleTable([hex_color(background), *bands, median, zero])


def y_ticks(lo: float, hi: float, rows: int) -> dict[int, str]:
    """Round ticks for ``rows`` cell rows over [lo, hi]: each labelled row → its label; about one in three rows, at least two.

    Few rows make a 1-2-5 step awkward (±0.7 in 2 rows: at most 3 ticks leave only 0, 5
    collide), so the step shrinks until two ticks show; where only colliding sets have
    two, the first tick of each row is kept (labelled with the decimals of the step
    they came from: −0.5 and 0.5, not −0 and 0). A span too wide for a float (±1e308)
    gets its two ends.
    """
    if not math.isfinite(hi - lo):
        ends = tick_labels([lo, hi], log=True)
        return {0: ends[1], rows - 1: ends[0]} if rows > 1 else {0: ends[1]}
    target = max(2, rows // 3 + 1)
    chosen: dict[int, str] = {}
    fallback: dict[int, str] = {}
    placed: dict[int, str] = {}
    for m in range(2, max(rows + 2, 8)):
        placed = {}
        ticks = linear_ticks(lo, hi, m)
        for t, label in zip(ticks, tick_labels(ticks), strict=True):
            placed.setdefault(tick_cell(t, lo, hi, rows, reverse=True), label)
        if len(placed) == len(ticks) and len(placed) >= 2:
            if m <= target or not chosen:
                chosen = placed
            if m >= target:
                break
        elif len(placed) >= 2 and not fallback:
            fallback = placed
    return chosen or fallback or placed


def gutter(lo: float, hi: float, rows: int) -> list[str]:
    """The y axis left of a picture of ``rows`` cell rows: round tick labels right-aligned, then ┤ or │."""
    labels = y_ticks(lo, hi, rows)
    width = max((len(label) for label in labels.values()), default=0)
    return [labels[r].rjust(width) + "┤" if r in labels else " " * width + "│" for r in range(rows)]


def chart_strips(label: str, epochs: np.ndarray, values: np.ndarray, width: int, height: int,
                 table: StyleTable, base: Style, label_style: Style | None = None) -> list[Strip]:
    """One chart, ``height`` strips of ``width`` cells: its label, then the y axis and the band picture."""
    if width <= 0 or height <= 0:
        return []
    head = Strip([Segment(label, label_style or base)]).crop_extend(0, width, base)
    rows = height - 1
    if rows == 0:
        return [head]
    lo, hi = value_range(values)
    left = gutter(lo, hi, rows)
    if len(left[0]) >= width:  # no room for a picture: the labels alone would mislead
        return [head, *[Strip.blank(width, base)] * rows]
    cols = width - len(left[0])
    picture = band_levels(epochs, values, cols, 2 * rows, lo, hi)
    return [head, *picture_strips(picture, table, prefixes=[Segment(text, base) for text in left])]


def grid_strips(charts: list[tuple[str, np.ndarray, np.ndarray]], width: int, height: int, table: StyleTable,
                base: Style, current: int = -1) -> list[Strip]:
    """Charts ``(label, epochs, values)`` in a :func:`layout` grid filling ``width`` × ``height``.

    Draws the first ``layout(...).shown`` charts (the caller chooses which come first);
    ``current`` (an index into ``charts``) has its label underlined.
    """
    if width <= 0 or height <= 0:
        return []
    grid = layout(len(charts), width, height)
    gap = Strip.blank(GAP, base)
    out: list[Strip] = []
    current_style = base + Style(bold=True, underline=True)
    for gr in range(grid.nrows):
        cells = []
        for gc in range(grid.ncols):
            i = gr * grid.ncols + gc
            if i < min(grid.shown, len(charts)):
                label, epochs, values = charts[i]
                cells.append(chart_strips(label, epochs, values, grid.width, grid.height, table, base,
                                          current_style if i == current else None))
            else:
                cells.append([Strip.blank(grid.width, base)] * grid.height)
        for row in range(grid.height):
            parts: list[Strip] = []
            for gc, cell in enumerate(cells):
                if gc:
                    parts.append(gap)
                parts.append(cell[row])
            out.append(Strip.join(parts).crop_extend(0, width, base))
    out.extend(Strip.blank(width, base) for _ in range(height - len(out)))
    return out


def epoch_span(epochs: np.ndarray) -> str:
    """What the x axis covers, for a caption: "epoch 3" or "epochs 0–1234"."""
    if len(epochs) == 0:
        return "no epochs yet"
    e0, e1 = int(epochs[0]), int(epochs[-1])
    return f"epoch {e1}" if e0 == e1 else f"epochs {e0}–{e1}"

