"""Dense pictures for Textual's line API: two pixels per cell with the upper-half block.

A picture is an array of palette indices with an even number of pixel rows; each cell
row becomes one ``Strip`` of ``▀`` characters whose foreground is the upper pixel and
whose background is the lower one. A cell may instead hold a glyph of its own (a data
point: a white or black dot on its class colour, as TF Playground outlines its points).
Styles come from a prebuilt palette × palette table, so a frame costs one
dictionary-free lookup per cell (DESIGN.md §4: ~5 ms for 80×40, where a ``Static``
with per-cell styles cost 70–110 ms).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip

UPPER_HALF = "▀"


class StyleTable:
    """Every (upper, lower) pair of a palette as a rich Style, built once."""

    def __init__(self, palette: list[str]) -> None:
        self.palette = list(palette)
        self.styles = [[Style(color=fg, bgcolor=bg) for bg in palette] for fg in palette]


def _row_segments(upper: list[int], lower: list[int], styles: list[list[Style]]) -> list[Segment]:
    """One cell row of half blocks, equal neighbours merged into one segment."""
    segments = []
    run_style = None
    run = 0
    for u, d in zip(upper, lower, strict=True):
        style = styles[u][d]
        if style is run_style:
            run += 1
            continue
        if run:
            segments.append(Segment(UPPER_HALF * run, run_style))
        run_style, run = style, 1
    if run:
        segments.append(Segment(UPPER_HALF * run, run_style))
    return segments


def _marked_row_segments(upper: list[int], lower: list[int], marks: list[int], styles: list[list[Style]],
                         mark_styles: list[Style], glyph: str) -> list[Segment]:
    """A cell row in which some cells are a glyph (a data point) instead of two half-block pixels.

    One pass, like :func:`_row_segments`: equal neighbours (two pixels alike, or two
    points alike) share a segment.
    """
    segments = []
    run_style: Style | None = None
    run_char = UPPER_HALF
    run = 0
    for u, d, m in zip(upper, lower, marks, strict=True):
        if m >= 0:
            style, char = mark_styles[m], glyph
        else:
            style, char = styles[u][d], UPPER_HALF
        if style is run_style and char == run_char:
            run += 1
            continue
        if run:
            segments.append(Segment(run_char * run, run_style))
        run_style, run_char, run = style, char, 1
    if run:
        segments.append(Segment(run_char * run, run_style))
    return segments


def picture_strips(indices: np.ndarray, table: StyleTable, marks: np.ndarray | None = None,
                   mark_styles: list[Style] | None = None, glyph: str = "●",
                   prefixes: list[Segment] | None = None) -> list[Strip]:
    """Strips for a (2·rows, cols) array of palette indices (odd rows: last row repeated).

    ``marks`` (rows, cols), optional: where it is ≥ 0 the cell shows ``glyph`` in
    ``mark_styles[mark]`` instead of its two pixels. A data point needs a colour for its
    value and one for its kind (train or test), which a half-block pixel cannot hold.
    ``prefixes``, optional: one segment per row put before it (an axis's labels), in the
    same strip, so that a framed picture costs no second strip per row.
    """
    if indices.shape[0] % 2:
        indices = np.vstack([indices, indices[-1:]])
    marked_rows = (marks >= 0).any(axis=1).tolist() if marks is not None and mark_styles else None
    strips = []
    styles = table.styles
    cols = indices.shape[1]
    for r in range(0, indices.shape[0], 2):
        upper, lower = indices[r].tolist(), indices[r + 1].tolist()
        row = r // 2
        if marked_rows is not None and row < len(marked_rows) and marked_rows[row]:
            assert marks is not None and mark_styles is not None
            segments = _marked_row_segments(upper, lower, marks[row].tolist(), styles, mark_styles, glyph)
        else:
            segments = _row_segments(upper, lower, styles)
        if prefixes is not None:
            prefix = prefixes[row]
            strips.append(Strip([prefix, *segments], prefix.cell_length + cols))
        else:
            strips.append(Strip(segments, cols))
    return strips


def refresh_changed(widget: Any, old: list[Strip], new: list[Strip]) -> None:
    """Mark only the content lines whose strips changed as dirty.

    Textual repaints every screen line that holds a dirty region; a weight that did not
    move, or a converged boundary, then costs nothing. Different line counts (a resize,
    a new layout) refresh the whole widget.
    """
    if len(old) != len(new):
        widget.refresh()
        return
    width = widget.size.width
    regions = [Region(0, y, width, 1) for y, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    if regions:
        widget.refresh(*regions)
