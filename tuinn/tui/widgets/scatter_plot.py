"""A coloured 2-D scatter of a latent space: one dot per sample, coloured by class, cluster or value.

Classes keep the colours they have on the decision boundary (class 0 orange, class 1
blue, … from :data:`tuinn.tui.render.colormap.CLASS_COLORS`), so a reader who has just looked
at the boundary recognises the classes here without a key. A regression target is cut
into a few equal-width bins, each drawn in the boundary's diverging colour of its mid
value (orange negative → grey 0 → blue positive), with the value ranges in the legend:
a continuous colour scale would be unreadable with one-character dots.

Points are drawn in a fixed random order: plotext keeps the last colour drawn in a
character cell, and drawing class by class would let the last class hide the others
wherever they overlap.

The legend lives in the border subtitle and is assembled from plain strings, because
class names come from the data set and must never be parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from textual.content import Content

from tuinn.tui.render.colormap import CLASS_COLORS, NEGATIVE, POSITIVE, ZERO, blend, hex_color
from tuinn.tui.widgets.plotext_base import SketchPlot

#: Bins of a regression target (odd: the middle bin is the grey of values near 0 when symmetric).
VALUE_BINS = 5
DOT = "●"
#: Slices of the shuffled points, each drawing every colour once (see ``_draw``).
CHUNKS = 8
Rgb = tuple[int, int, int]


def class_color(k: int) -> Rgb:
    """The colour of class (or cluster) ``k``, as on the decision boundary."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def value_color(v: float, vmax: float) -> Rgb:
    """The boundary's diverging colour of value ``v`` on the scale −vmax … vmax."""
    t = float(np.clip(v / vmax, -1.0, 1.0)) if vmax > 0 else 0.0
    return blend(ZERO, POSITIVE, t) if t >= 0 else blend(ZERO, NEGATIVE, -t)


def value_bins(values: np.ndarray, bins: int = VALUE_BINS) -> tuple[np.ndarray, np.ndarray]:
    """(bin index of each value, the bins + 1 edges): equal widths from the smallest to the largest value."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1e-12
    edges = np.linspace(lo, hi, bins + 1)
    index = np.clip(np.searchsorted(edges, np.nan_to_num(v, nan=lo), side="right") - 1, 0, bins - 1)
    return index.astype(int), edges


@dataclass(frozen=True)
class LegendEntry:
    """One colour of the picture and what it means."""

    color: Rgb
    label: str
    count: int


class ScatterPlot(SketchPlot):
    """Points in two coordinates, coloured by a category or by a binned value."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.coords = np.zeros((0, 2))
        #: What each colour means, as last drawn (tests read it).
        self.legend: list[LegendEntry] = []
        self.point_colors: list[Rgb] = []
        self._labels: tuple[str, str] = ("", "")
        self._order = np.zeros(0, dtype=int)

    def show_categories(self, coords: np.ndarray, categories: np.ndarray, names: list[str],
                        axis_labels: tuple[str, str] = ("", "")) -> None:
        """Colour point i by category ``categories[i]`` (classes or clusters) named ``names``."""
        cats = np.asarray(categories, dtype=int).reshape(-1)
        self.point_colors = [class_color(int(c)) for c in cats]
        counts = np.bincount(cats, minlength=len(names)) if cats.size else np.zeros(len(names), dtype=int)
        self.legend = [LegendEntry(class_color(k), name, int(counts[k])) for k, name in enumerate(names)]
        self._set(coords, axis_labels)

    def show_values(self, coords: np.ndarray, values: np.ndarray, axis_labels: tuple[str, str] = ("", ""),
                    bins: int = VALUE_BINS) -> None:
        """Colour point i by the bin of ``values[i]`` (a regression target)."""
        v = np.asarray(values, dtype=float).reshape(-1)
        index, edges = value_bins(v, bins)
        finite = np.abs(v[np.isfinite(v)])
        vmax = float(finite.max()) if finite.size else 1.0
        mids = (edges[:-1] + edges[1:]) / 2.0
        palette = [value_color(m, vmax) for m in mids]
        self.point_colors = [palette[i] for i in index]
        counts = np.bincount(index, minlength=bins)
        self.legend = [LegendEntry(palette[b], f"{edges[b]:.3g}…{edges[b + 1]:.3g}", int(counts[b])) for b in range(bins)]
        self._set(coords, axis_labels)

    def _set(self, coords: np.ndarray, axis_labels: tuple[str, str]) -> None:
        self.coords = np.asarray(coords, dtype=float).reshape(-1, 2)
        self._labels = axis_labels
        # A fixed shuffle (the same points give the same picture) so no colour always wins a shared cell.
        self._order = np.random.default_rng(0).permutation(len(self.coords))
        parts: list[Any] = []
        for entry in self.legend:
            if entry.count:
                parts += [(DOT, hex_color(entry.color)), f" {entry.label} ({entry.count})  "]
        self.border_subtitle = Content.assemble(*parts) if parts else None
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        xlabel, ylabel = self._labels
        plt.xlabel(xlabel)
        plt.ylabel(ylabel)
        order = self._order[np.isfinite(self.coords[self._order]).all(axis=1)]
        if order.size:
            xs, ys = self.coords[order, 0], self.coords[order, 1]
            palette = sorted(set(self.point_colors))
            which = np.array([palette.index(self.point_colors[i]) for i in order])
            # plotext de-duplicates the points of one call through a set, so within a call the
            # colour that wins a shared cell would change with Python's string hashing from run
            # to run. One colour per call makes that order irrelevant; the shuffled points are cut
            # into chunks, and each chunk draws the colours in a rotated order, so that no colour
            # is always drawn last (on top).
            for c, chunk in enumerate(np.array_split(np.arange(len(order)), min(CHUNKS, len(order)))):
                for j in range(len(palette)):
                    k = (j + c) % len(palette)
                    sel = chunk[which[chunk] == k]
                    if sel.size:
                        plt.scatter(xs[sel].tolist(), ys[sel].tolist(), marker="dot", color=palette[k])
            # Some room around the cloud (plotext puts extreme points on the frame), and a
            # y range even when every y is 0 (a one-unit layer is drawn on the x axis).
            for lim, v in ((plt.xlim, xs), (plt.ylim, ys)):
                lo, hi = float(v.min()), float(v.max())
                pad = 0.05 * (hi - lo) if hi > lo else 1.0
                lim(lo - pad, hi + pad)
        self.refresh()
