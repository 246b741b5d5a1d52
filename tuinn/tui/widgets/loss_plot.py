"""The loss curves: train, test (and validation) per epoch, with axes and a log scale.

The same widget draws the labs' comparisons (:meth:`LossPlot.show_series`: any named
curves, e.g. one training curve per learning rate), so there is one plotting path.

textual-plotext redraws in ~9 ms at 200 points and ~200 ms at 20 000 (DESIGN.md §4), so
curves are downsampled to about twice the widget's width (keeping each bucket's last
value, so the curve ends at the current loss) and the widget redraws at most twice a
second (plotext's render costs ~20 ms here). plotext's log scale raises on values ≤ 0, so those are clipped to a tiny floor;
it also takes the log of its stored data at every build, so the figure is replayed fresh at each render
(:mod:`tuinn.tui.widgets.plotext_base`).
"""

from __future__ import annotations

import math
import time

import numpy as np
from rich.markup import escape

from tuinn.tui.widgets.plotext_base import SketchPlot

MAX_REDRAW_HZ = 2.0
COLORS = {"train": (59, 142, 234), "test": (245, 147, 34), "validation": (44, 160, 44)}
LOG_FLOOR = 1e-12


def downsample(values: tuple[float, ...] | list[float], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) with at most ``n`` points: the last value of each equal bucket."""
    y = np.asarray(values, dtype=float)
    x = np.arange(1, len(y) + 1, dtype=float)
    if len(y) <= n or n < 2:
        return x - 1, y
    edges = np.unique(np.concatenate([[0], np.linspace(0, len(y), n).astype(int)[1:] - 1]))
    return x[edges] - 1, y[edges]


class LossPlot(SketchPlot):
    """Train/test/validation loss per epoch."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.log_scale = False
        self._curves: dict[str, tuple[float, ...]] = {}
        self._colors: dict[str, tuple[int, int, int]] = dict(COLORS)
        self._last_draw = 0.0
        self._dirty = False
        self.best_epoch: int | None = None
        self.monitor = ""
        self.stopped_epoch: int | None = None

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0 / MAX_REDRAW_HZ, self._maybe_redraw)
        self._draw()

    def show(self, train: tuple[float, ...], test: tuple[float, ...], validation: tuple[float, ...] = (), now: bool = False,
             best_epoch: int | None = None, monitor: str = "", stopped_epoch: int | None = None) -> None:
        """New curves: drawn at the next redraw slot, or at once with ``now`` (e.g. when paused).

        ``best_epoch`` (judged by ``monitor``, e.g. "test_loss") is drawn as a vertical line:
        where the held-out loss was lowest, i.e. where more training started to overfit.
        ``stopped_epoch`` marks where early stopping paused.
        """
        self._curves = {"train": train, "test": test, "validation": validation}
        self._colors = dict(COLORS)
        self.best_epoch, self.monitor, self.stopped_epoch = best_epoch, monitor, stopped_epoch
        self._dirty = True
        if now or time.monotonic() - self._last_draw >= 1.0 / MAX_REDRAW_HZ:
            self._draw()

    def show_series(self, series: list[tuple[str, tuple[float, ...], tuple[int, int, int]]], now: bool = False) -> None:
        """Any named curves with their colours (a lab's comparison), same axes and redraw rate."""
        self._curves = {name: values for name, values, _ in series}
        self._colors = {name: color for name, _, color in series}
        self.best_epoch, self.monitor, self.stopped_epoch = None, "", None
        self._dirty = True
        if now or time.monotonic() - self._last_draw >= 1.0 / MAX_REDRAW_HZ:
            self._draw()

    def toggle_log(self) -> None:
        self.log_scale = not self.log_scale
        self._draw()

    def _maybe_redraw(self) -> None:
        if self._dirty:
            self._draw()

    def _draw(self) -> None:
        self._dirty = False
        self._last_draw = time.monotonic()
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        n = max(2 * max(self.size.width, 20), 40)
        drawn = False
        last = 1
        for name, values in self._curves.items():
            finite = [v for v in values if math.isfinite(v)]
            if not finite:
                continue
            x, y = downsample(values, n)
            if self.log_scale:
                y = np.maximum(y, LOG_FLOOR)
            plt.plot(x.tolist(), y.tolist(), color=self._colors[name], marker="braille")
            drawn = True
            last = len(values) - 1
        plt.yscale("log" if self.log_scale and drawn else "linear")
        # Only once the curve has gone on past it: a best epoch at the end is no news.
        marked = drawn and self.best_epoch is not None and self.best_epoch < last
        if marked:
            plt.vline(self.best_epoch, (214, 39, 40))
        if drawn and self.stopped_epoch is not None:
            plt.vline(self.stopped_epoch, (148, 103, 189))
        if drawn:
            # whole epochs on the x axis (plotext would label 0.25, 0.5, …)
            ticks = sorted({round(t) for t in np.linspace(0, max(last, 1), 5)})
            plt.xticks(ticks, [str(t) for t in ticks])
        plt.xlabel("epoch")
        # The legend lives in the border (plotext's legend box would hide the curves' start).
        legend = [f"[#{r:02x}{g:02x}{b:02x}]━[/] {escape(name)}" for name, (r, g, b) in self._colors.items() if self._curves.get(name)]
        if marked:
            legend.append(f"[#d62728]│[/] best {self.best_epoch} ({self.monitor.replace('_', ' ')})")
        if drawn and self.stopped_epoch is not None:
            legend.append(f"[#9467bd]│[/] stopped {self.stopped_epoch}")
        self.border_subtitle = "  ".join(legend) + ("  (log scale)" if self.log_scale else "")
        self.refresh()
