"""The loss curves: train, test (and validation) per epoch, with axes and a log scale.

The same widget draws the labs' comparisons (:meth:`LossPlot.show_series`: any named
curves, e.g. one training curve per learning rate), so there is one plotting path.

textual-plotext redraws in ~9 ms at 200 points and ~200 ms at 20 000 (DESIGN.md §4), so
curves are downsampled to about twice the widget's width (keeping each bucket's last
value, so the curve ends at the current loss) and the widget redraws at most twice a
second (plotext's render costs ~20 ms here). The downsampling only *indexes* the points it
keeps: the playground hands over read-only views of its history
(:class:`~tuinn.session.history.Curve`, which also knows its first non-finite epoch), so a
frame reads ~2 × width values whatever the number of epochs (issue #17 §5: rebuilding
lists and scanning 100k epochs each frame cost live speed after minutes of play).
plotext's log scale raises on values ≤ 0, so those are clipped to a tiny floor;
it also takes the log of its stored data at every build, so the figure is replayed fresh at each render
(:mod:`tuinn.tui.widgets.plotext_base`).

The learning rate can be overlaid (``y`` in the playground, :meth:`LossPlot.toggle_rate`)
as a dotted line *normalised* to the loss axes: the largest α at the top of the drawn
losses, α = 0 at the bottom (on a log scale, α's fraction of its maximum is the fraction
of the decades spanned). A second y axis was the alternative; plotext's right axis would
take the width the curve needs at 80 columns, and what a schedule shows is the shape —
where α drops — against the loss; the legend says the maximum α the top stands for.

The axes are ours, not plotext's: epoch 0 (or, past the history's limit, the first epoch kept) at the left edge, ticks at round numbers on
both axes (:mod:`tuinn.tui.render.ticks`), labels a few characters wide, so a diverging
run's loss of 1e97 is drawn (plotext's 98-digit labels left no room for the curve) and
an infinite or NaN loss, which plotext cannot place, is left out and named in the legend.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
from rich.markup import escape

from tuinn.session.history import Curve
from tuinn.tui.render.ticks import integer_ticks, linear_ticks, log_ticks, tick_labels
from tuinn.tui.widgets.plotext_base import SketchPlot

MAX_REDRAW_HZ = 2.0
COLORS = {"train": (59, 142, 234), "test": (245, 147, 34), "validation": (44, 160, 44)}
RATE_COLOR = (148, 148, 148)
LOG_FLOOR = 1e-12


def rate_line(rates: Sequence[float] | np.ndarray, last: int, low: float, high: float, log: bool,
              epochs: np.ndarray | None = None, top: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """(epochs, heights, α_max): the α of epochs ``last − len(rates) + 1 … last`` (or of ``epochs``, for a
    downsampled few) mapped onto the loss axes [low, high] — α_max (``top``, else the largest of ``rates``) at
    ``high``, 0 at ``low`` (log: geometrically). Epochs whose α is unknown (NaN) are left out."""
    r = np.asarray(rates, dtype=float)
    x = np.arange(last - len(r) + 1, last + 1, dtype=float) if epochs is None else np.asarray(epochs, dtype=float)
    keep = np.isfinite(r)
    x, r = x[keep], r[keep]
    if top is None:
        top = float(r.max()) if r.size else 0.0
    if top <= 0 or high <= low:
        return x[:0], r[:0], top
    frac = r / top
    y = low * (high / low) ** frac if log and low > 0 else low + frac * (high - low)
    return x, y, top


def bucket_ends(length: int, n: int) -> np.ndarray:
    """The indices downsampling keeps of ``length`` values: 0 and the last of each of ~``n`` equal buckets
    (all of them when ``length`` ≤ ``n``). O(n), whatever ``length``."""
    if length <= n or n < 2:
        return np.arange(length)
    return np.unique(np.concatenate([[0], np.linspace(0, length, n).astype(int)[1:] - 1]))


def downsample(values: Sequence[float] | np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) with at most ``n`` points: the last value of each equal bucket.

    Reads only the kept points when ``values`` is an array or a :class:`Curve` (a view, no copy)."""
    y = np.asarray(values, dtype=float)
    edges = bucket_ends(len(y), n)
    return edges.astype(float), y[edges]


def epoch_of_first(values: Sequence[float] | np.ndarray) -> int:
    """The epoch of a curve's index 0: a :class:`Curve` of a long play has dropped its oldest epochs; anything else starts at 0."""
    return values.first if isinstance(values, Curve) else 0


def first_bad(values: Sequence[float] | np.ndarray) -> int | None:
    """Index of the first non-finite value: kept by a :class:`Curve` as epochs arrive, else found by a scan."""
    if isinstance(values, Curve):
        return values.first_bad
    y = np.asarray(values, dtype=float)
    bad = np.flatnonzero(~np.isfinite(y))
    return int(bad[0]) if bad.size else None


class LossPlot(SketchPlot):
    """Train/test/validation loss per epoch."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.log_scale = False
        self._curves: dict[str, Sequence[float]] = {}
        self._colors: dict[str, tuple[int, int, int]] = dict(COLORS)
        self._last_draw = 0.0
        self._dirty = False
        self.best_epoch: int | None = None
        self.monitor = ""
        self.stopped_epoch: int | None = None
        self.show_rate = False
        self._rates: Sequence[float] = ()

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0 / MAX_REDRAW_HZ, self._maybe_redraw)
        self._draw()

    def show(self, train: Sequence[float], test: Sequence[float], validation: Sequence[float] = (), now: bool = False,
             best_epoch: int | None = None, monitor: str = "", stopped_epoch: int | None = None,
             learning_rates: Sequence[float] = ()) -> None:
        """New curves: drawn at the next redraw slot, or at once with ``now`` (e.g. when paused).

        ``best_epoch`` (judged by ``monitor``, e.g. "test_loss") is drawn as a vertical line:
        where the held-out loss was lowest, i.e. where more training started to overfit.
        ``stopped_epoch`` marks where early stopping paused. ``learning_rates``: the α of the
        last epochs (ending at the last), drawn when :attr:`show_rate` is on.
        """
        self._curves = {"train": train, "test": test, "validation": validation}
        self._rates = learning_rates
        self._colors = dict(COLORS)
        self.best_epoch, self.monitor, self.stopped_epoch = best_epoch, monitor, stopped_epoch
        self._dirty = True
        if now or time.monotonic() - self._last_draw >= 1.0 / MAX_REDRAW_HZ:
            self._draw()

    def show_series(self, series: list[tuple[str, Sequence[float], tuple[int, int, int]]], now: bool = False) -> None:
        """Any named curves with their colours (a lab's comparison), same axes and redraw rate."""
        self._curves = {name: values for name, values, _ in series}
        self._colors = {name: color for name, _, color in series}
        self._rates = ()
        self.best_epoch, self.monitor, self.stopped_epoch = None, "", None
        self._dirty = True
        if now or time.monotonic() - self._last_draw >= 1.0 / MAX_REDRAW_HZ:
            self._draw()

    def toggle_log(self) -> None:
        self.log_scale = not self.log_scale
        self._draw()

    def toggle_rate(self) -> None:
        """Overlay the learning rate of each epoch, or stop."""
        self.show_rate = not self.show_rate
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
        low, high = math.inf, -math.inf
        first, last = math.inf, 0
        broken: dict[str, str] = {}
        for name, values in self._curves.items():
            y_all = np.asarray(values, dtype=float)  # a Curve: its view, not a copy
            start = epoch_of_first(values)
            bad = first_bad(values)
            if bad is not None:
                broken[name] = f"{y_all[bad]:g} from epoch {start + bad}".replace("inf", "∞")
            x, y = downsample(y_all, n)
            x += start
            if len(values):
                first = min(first, start)
            keep = np.isfinite(y)  # plotext cannot place inf or NaN: those epochs are left out, and said
            if self.log_scale:
                y = np.maximum(y, LOG_FLOOR)
            if not keep.any():
                continue
            x, y = x[keep], y[keep]
            plt.plot(x.tolist(), y.tolist(), color=self._colors[name], marker="braille")
            low, high = min(low, float(y.min())), max(high, float(y.max()))
            last = max(last, start + len(values) - 1)
        drawn = low <= high
        plt.yscale("log" if self.log_scale and drawn else "linear")
        # Only once the curve has gone on past it: a best epoch at the end is no news.
        marked = drawn and self.best_epoch is not None and self.best_epoch < last
        if marked:
            plt.vline(self.best_epoch, (214, 39, 40))
        if drawn and self.stopped_epoch is not None:
            plt.vline(self.stopped_epoch, (148, 103, 189))
        rate_top = self._draw_rate(low, high, last) if drawn else None
        if drawn:
            self._axes(low, high, int(min(first, last)), last)
        plt.xlabel("epoch")
        self.border_subtitle = self._legend(marked, drawn, broken, rate_top)
        self.refresh()

    def _draw_rate(self, low: float, high: float, last: int) -> float | None:
        """The α overlay (when on and known), dotted, on the loss axes; the α the top of the axes stands for."""
        if not self.show_rate or not self._rates:
            return None
        rates = np.asarray(self._rates, dtype=float)
        n = max(2 * max(self.size.width, 20), 40)
        kept = bucket_ends(len(rates), n)  # downsampled before mapping: a frame maps ~2 × width points
        finite = rates[np.isfinite(rates)]  # α_max over every epoch (one vectorised pass; the overlay is off by default)
        x, y, top = rate_line(rates[kept], last, low, high, self.log_scale, epochs=last - len(rates) + 1 + kept,
                              top=float(finite.max()) if finite.size else 0.0)
        if not len(x):
            return None
        self.plt.plot(x.tolist(), y.tolist(), color=RATE_COLOR, marker="dot")
        return top

    def _axes(self, low: float, high: float, first: int, last: int) -> None:
        """The first epoch kept (0 until the history drops the oldest) at the left edge and the last at the
        right; ticks at round numbers on both axes.

        plotext's own y labels of a diverging loss are 90-digit numbers that leave no room
        for the curve (the plot went blank); these are a few characters wide.
        """
        plt = self.plt
        width, height = max(self.size.width, 20), max(self.size.height, 6)
        right = max(last, first + 1)
        plt.xlim(first, right)
        xticks = integer_ticks(first, right, max(2, width // 10))
        plt.xticks(xticks, [str(t) for t in xticks])
        rows = max(2, (height - 4) // 2)  # a tick every two rows at most; the frame and the x labels take four
        if self.log_scale:
            yticks = [t for t in log_ticks(low, high, rows) if low <= t <= high]
        else:
            yticks = linear_ticks(low, high, rows)
            if low < high:
                # a round tick a hair outside the data (0 under a loss of 0.7 at a 10⁸⁸ scale) stays on the axis
                plt.ylim(min(low, yticks[0]), max(high, yticks[-1]))
        if yticks:
            plt.yticks(yticks, tick_labels(yticks, log=self.log_scale))

    def _legend(self, marked: bool, drawn: bool, broken: dict[str, str], rate_top: float | None = None) -> str:
        """The border's legend: each curve's colour and name, the marked epochs, and where a curve stopped being a number."""
        legend = []
        for name, (r, g, b) in self._colors.items():
            if self._curves.get(name):
                gap = f" ({broken[name]})" if name in broken else ""
                legend.append(f"[#{r:02x}{g:02x}{b:02x}]━[/] {escape(name)}{gap}")
        if marked:
            legend.append(f"[#d62728]│[/] best {self.best_epoch} ({self.monitor.replace('_', ' ')})")
        if drawn and self.stopped_epoch is not None:
            legend.append(f"[#9467bd]│[/] stopped {self.stopped_epoch}")
        if rate_top is not None:
            legend.append(f"[#949494]┄[/] α (top {rate_top:.3g})")
        return "  ".join(legend) + ("  (log scale)" if self.log_scale else "")
