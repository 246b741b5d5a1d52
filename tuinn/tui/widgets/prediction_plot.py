"""Predicted against true values of a regression split, with the line y = x of a perfect model.

The regression counterpart of the ROC curve: points on the diagonal are exact, the vertical
distance to it is the error that MSE squares and MAE averages. Large splits are thinned to
a fixed number of points (every k-th sample) because plotext's cost grows with the points
and a terminal cell cannot show more detail anyway.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rich.text import Text

from tuinn.tui.render.colormap import hex_color
from tuinn.tui.widgets.plotext_base import SketchPlot

POINTS = (245, 147, 34)
DIAGONAL = (128, 128, 128)
MAX_POINTS = 2000


class PredictionPlot(SketchPlot):
    """Scatter of (true, predicted) with y = x."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n_points = 0

    def show(self, split: str, true: np.ndarray, predicted: np.ndarray, r2: float) -> None:
        """Draw the ``split``'s samples; ``r2`` goes into the title."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        t = np.asarray(true, dtype=float)
        p = np.asarray(predicted, dtype=float)
        keep = np.isfinite(t) & np.isfinite(p)
        t, p = t[keep], p[keep]
        if t.size > MAX_POINTS:
            step = math.ceil(t.size / MAX_POINTS)
            t, p = t[::step], p[::step]
        self.n_points = int(t.size)
        if t.size:
            lo = float(min(t.min(), p.min()))
            hi = float(max(t.max(), p.max()))
            if hi <= lo:
                lo, hi = lo - 1.0, hi + 1.0
            plt.plot([lo, hi], [lo, hi], color=DIAGONAL, marker="braille")  # first, so the samples are drawn over it
            plt.scatter(t.tolist(), p.tolist(), color=POINTS, marker="braille")
            plt.xlim(lo, hi)
            plt.ylim(lo, hi)
        plt.xlabel("true value")
        plt.ylabel("↑ predicted")  # plotext puts it under the y axis
        r2_text = "–" if not math.isfinite(r2) else f"{r2:.4f}"
        self.border_title = Text(f"Predicted vs true · {split} · R² {r2_text}")
        self.border_subtitle = Text.assemble(("⣿", hex_color(POINTS)), " samples  ", ("━", hex_color(DIAGONAL)), " y = x (perfect)")
        self.refresh()
