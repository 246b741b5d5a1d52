"""Dense pictures for Textual's line API: two pixels per cell with the upper-half block.

A picture is an array of palette indices with an even number of pixel rows; each cell
row becomes one ``Strip`` of ``▀`` characters whose foreground is the upper pixel and
whose background is the lower one. Styles come from a prebuilt palette × palette table,
so a frame costs one dictionary-free lookup per cell (DESIGN.md §4: ~5 ms for 80×40,
where a ``Static`` with per-cell styles cost 70–110 ms).
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


def picture_strips(indices: np.ndarray, table: StyleTable) -> list[Strip]:
    """Strips for a (2·rows, cols) array of palette indices (odd rows: last row repeated)."""
    if indices.shape[0] % 2:
        indices = np.vstack([indices, indices[-1:]])
    strips = []
    styles = table.styles
    for r in range(0, indices.shape[0], 2):
        upper, lower = indices[r].tolist(), indices[r + 1].tolist()
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
        strips.append(Strip(segments, indices.shape[1]))
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
