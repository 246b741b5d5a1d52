"""Histograms of |∂L/∂W| per layer on one log axis: vanishing and exploding gradients at a glance.

Why a log axis shared by all layers: a deep sigmoid net's first layer gets gradients
10⁻⁴ times its last layer's. On a linear axis (or with a scale per layer) every layer
looks alike; on one log axis each layer's bars sit where its magnitudes are, so the
first layer's bars stand decades to the left of the last's, and a ReLU net's do not.
The sign is left out: whether a gradient is small does not depend on it. Exact zeros
(a dead ReLU unit, an input that is 0) have no logarithm; they are counted and named.

One text row per layer: its name, a bar per bin in eighth blocks (the height is the
bin's count relative to that layer's fullest bin; a bin holding anything gets at least
▁, so a thin tail is seen), and the layer's median |∂L/∂W|. Below, the axis with ticks
at powers of ten. Pure: numbers in, rich Text out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.style import Style
from rich.text import Text

from tuinn.tui.render.colormap import POSITIVE, hex_color
from tuinn.tui.render.plot_frame import tick_cell
from tuinn.tui.render.ticks import integer_ticks

EIGHTHS = " ▁▂▃▄▅▆▇█"
#: The axis when no gradient is non-zero (all zeros): 10⁻⁸ … 1.
EMPTY_RANGE = (-8, 0)
BAR_STYLE = Style(color=hex_color(POSITIVE))
DIM = Style(dim=True)
#: Columns per x tick, at least (a label is 4-5 wide: 1e-6).
COLS_PER_TICK = 6
#: Bins per decade, at most: steps of ×1.33. On a wide screen the bars stop there, and the axis with them.
BINS_PER_DECADE = 8


@dataclass(frozen=True)
class LayerHistogram:
    """One layer's |values| binned on the shared axis."""

    counts: np.ndarray  # per bin: values with |v| in it (finite, non-zero)
    zeros: int  # exact zeros
    nonfinite: int  # NaN or ±inf
    size: int
    median: float  # of |v| over the finite values; NaN if none


def magnitude_range(tensors: Sequence[np.ndarray]) -> tuple[int, int]:
    """Whole decades (lo, hi), lo < hi, holding every finite non-zero |value| of every tensor."""
    smallest, largest = math.inf, 0.0
    for t in tensors:
        a = np.abs(np.asarray(t, dtype=np.float64))
        a = a[np.isfinite(a) & (a > 0)]
        if a.size:
            smallest, largest = min(smallest, float(a.min())), max(largest, float(a.max()))
    if largest == 0.0:
        return EMPTY_RANGE
    lo, hi = math.floor(math.log10(smallest)), math.ceil(math.log10(largest))
    return (lo, hi) if hi > lo else (lo, lo + 1)


def layer_histogram(values: np.ndarray, lo: int, hi: int, bins: int) -> LayerHistogram:
    """|values| in ``bins`` equal bins of log₁₀ over [lo, hi] decades."""
    a = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    finite = np.isfinite(a)
    nonzero = finite & (a > 0)
    counts, _ = np.histogram(np.log10(a[nonzero]), bins=max(bins, 1), range=(lo, hi))
    median = float(np.median(a[finite])) if finite.any() else math.nan
    return LayerHistogram(counts, int((a[finite] == 0).sum()), int((~finite).sum()), a.size, median)


def bars(counts: np.ndarray) -> str:
    """Eighth blocks, the fullest bin █, any non-empty bin at least ▁, an empty one blank."""
    top = int(counts.max()) if counts.size else 0
    if top == 0:
        return " " * counts.size
    levels = np.where(counts > 0, np.maximum(1, np.ceil(8 * counts / top)), 0).astype(int)
    return "".join(EIGHTHS[v] for v in levels.tolist())


def short(value: float) -> str:
    """2.1e-6, 0.034, 12: two significant digits, the exponent without padding."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if 1e-2 <= abs(value) < 1e3:
        return f"{value:.2g}"
    mantissa, _, exponent = f"{value:.1e}".partition("e")
    return f"{mantissa}e{int(exponent)}"


def summary(h: LayerHistogram) -> str:
    """The layer's median |g|, and its zeros or non-finite values when it has any."""
    parts = [f"median {short(h.median)}"]
    if h.zeros:
        parts.append(f"{100 * h.zeros / max(h.size, 1):.0f}% zero")
    if h.nonfinite:
        parts.append(f"{h.nonfinite} not finite")
    return " · ".join(parts)


def decade_label(exponent: int) -> str:
    """10^exponent as an axis label: 1e-6, 1e-3, 1, 1e3 (one form for every tick of a log axis)."""
    return "1" if exponent == 0 else f"1e{exponent}"


def axis_rows(lo: int, hi: int, bins: int, indent: int) -> tuple[str, str]:
    """The x axis under the bars: └──┬──… with a ┬ at each tick, and the tick labels centred under them."""
    decades = integer_ticks(lo, hi, max(2, bins // COLS_PER_TICK))
    line = [" "] * indent + ["└"] + ["─"] * bins
    labels = [" "] * (indent + 1 + bins + 8)
    free_from = 0
    for e in decades:
        label = decade_label(e)
        c = indent + 1 + tick_cell(e, lo, hi, bins)
        line[c] = "┬"
        start = max(0, c - len(label) // 2)
        if start < free_from:
            continue
        labels[start:start + len(label)] = list(label)
        free_from = start + len(label) + 1
    return "".join(line), "".join(labels).rstrip()


def gradient_lines(tensors: Sequence[np.ndarray], names: Sequence[str], width: int) -> list[Text]:
    """One row per tensor (name │bars│ median), then the shared log axis: the whole picture in ``width`` columns."""
    if not tensors:
        return [Text("no layers", style=DIM)]
    lo, hi = magnitude_range(tensors)
    name_width = max(len(n) for n in names)
    right = max(len(summary(layer_histogram(t, lo, hi, 1))) for t in tensors)  # the summary does not depend on the bins
    # "name │" bars "│ " summary; at most BINS_PER_DECADE a decade (a wider comb of single values reads worse)
    bins = max(4, min(width - name_width - 2 - 2 - right, BINS_PER_DECADE * (hi - lo)))
    hists = [layer_histogram(t, lo, hi, bins) for t in tensors]
    lines = []
    for name, h in zip(names, hists, strict=True):
        line = Text(name.ljust(name_width) + " │", no_wrap=True, overflow="crop")
        line.append(bars(h.counts), BAR_STYLE)
        line.append("│ ")
        line.append(summary(h), DIM)
        lines.append(line)
    axis, labels = axis_rows(lo, hi, bins, name_width + 1)
    lines.append(Text(axis, no_wrap=True, overflow="crop"))
    caption = labels + "  |∂L/∂W|" if len(labels) + 10 <= width else labels
    lines.append(Text(caption, no_wrap=True, overflow="crop"))
    return lines
