"""Curves of a function of one variable (a = f(w·x + b), f(z), f'(z)) on fixed axes.

The concept labs draw through this one widget, a plotext plot like :class:`LossPlot`,
so the labs have no plotting path of their own. The caller computes every number with
the engine and hands over finished arrays; the widget only draws them and keeps them
(``curves``, ``vlines``) so that a test can check what is on screen against the engine.

Axes are fixed by the caller (``xlim``, ``ylim``) rather than fitted to the data: when a
slider moves, the curve must move against still axes, or a steeper curve would just look
like a rescaled one. Points outside ``ylim`` are clipped by plotext.

A "dotted" curve is drawn as separate braille dots (a scatter of every few samples), the
closest a terminal gets to a dashed line, to tell a derivative from its function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.text import Text

from tuinn.tui.render.colormap import hex_color
from tuinn.tui.widgets.plotext_base import SketchPlot

STYLES = ("solid", "dotted")
#: Braille dots per cell column (plotext's braille marker is 2 dots wide).
_DOTS_PER_CELL = 2
#: A dotted curve keeps one sample every this many braille columns.
_DOT_GAP = 3


@dataclass(frozen=True, eq=False)
class Curve:
    """One drawn curve: y over x (same length), its colour and line style."""

    label: str
    x: np.ndarray
    y: np.ndarray
    color: tuple[int, int, int]
    style: str = "solid"  # "solid" | "dotted"
    legend: bool = True  # listed in the border subtitle


@dataclass(frozen=True)
class VLine:
    """A vertical marker at ``x`` (a curve's middle, a saturation boundary)."""

    x: float
    color: tuple[int, int, int]
    label: str = ""  # listed in the border subtitle when given (and when the line is on the axes)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values (steps of 1, 2, 2.5 or 5 × 10ᵏ) inside [lo, hi].

    plotext spaces its ticks evenly from the limits, which gives labels like 1.09 and
    0.89 on padded axes; round ones read faster.
    """
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return []
    raw = (hi - lo) / max(n - 1, 1)
    k = 10.0 ** np.floor(np.log10(raw))
    step = next(m * k for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * k >= raw)
    first = np.ceil(lo / step) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return [float(round(t, 10)) + 0.0 for t in ticks]


def _tick_label(t: float) -> str:
    return f"{t:g}".replace("-", "−")


def _dotted(x: np.ndarray, y: np.ndarray, xlim: tuple[float, float], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Every few samples of (x, y), so that the dots land about ``_DOT_GAP`` braille columns apart."""
    n_dots = max(8, (width * _DOTS_PER_CELL) // _DOT_GAP)
    targets = np.linspace(xlim[0], xlim[1], n_dots)
    keep = np.unique(np.clip(np.searchsorted(x, targets), 0, len(x) - 1))
    return x[keep], y[keep]


class FunctionPlot(SketchPlot):
    """Curves on fixed axes with vertical markers; the legend is rich Text in the border."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: What is drawn now; tests compare these arrays with the engine's output.
        self.curves: tuple[Curve, ...] = ()
        self.vlines: tuple[VLine, ...] = ()
        self.xlim: tuple[float, float] = (-1.0, 1.0)
        self.ylim: tuple[float, float] = (-1.0, 1.0)
        self.xlabel = ""
        self.note = ""

    def curve(self, label: str) -> Curve:
        """The drawn curve called ``label`` (KeyError when there is none)."""
        for c in self.curves:
            if c.label == label:
                return c
        raise KeyError(label)

    def show(self, curves: list[Curve], *, xlim: tuple[float, float], ylim: tuple[float, float],
             vlines: list[VLine] | None = None, xlabel: str = "", note: str = "") -> None:
        """Replace the drawing; ``note`` (plain text, may come from data) ends the legend."""
        for c in curves:
            if c.style not in STYLES:
                raise ValueError(f"unknown curve style {c.style!r}; expected one of {', '.join(STYLES)}")
        self.curves = tuple(curves)
        self.vlines = tuple(vlines or ())
        self.xlim, self.ylim = (float(xlim[0]), float(xlim[1])), (float(ylim[0]), float(ylim[1]))
        self.xlabel, self.note = xlabel, note
        self._draw()

    def on_resize(self) -> None:
        # The dots of a dotted curve are spaced by the width.
        if self.curves:
            self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlim(*self.xlim)
        plt.ylim(*self.ylim)
        for ticks, set_ticks in ((nice_ticks(*self.xlim), plt.xticks), (nice_ticks(*self.ylim), plt.yticks)):
            if ticks:
                set_ticks(ticks, [_tick_label(t) for t in ticks])
        width = max(self.size.width, 20)
        for v in self.vlines:
            if self.xlim[0] <= v.x <= self.xlim[1]:
                plt.vline(v.x, v.color)
        for c in self.curves:
            x = np.asarray(c.x, dtype=float)
            y = np.asarray(c.y, dtype=float)
            ok = np.isfinite(x) & np.isfinite(y)
            x, y = x[ok], y[ok]
            if not len(x):
                continue
            if c.style == "dotted":
                dx, dy = _dotted(x, y, self.xlim, width)
                plt.scatter(dx.tolist(), dy.tolist(), color=c.color, marker="braille")
            else:
                plt.plot(x.tolist(), y.tolist(), color=c.color, marker="braille")
        if self.xlabel:
            plt.xlabel(self.xlabel)
        legend = Text()
        for c in self.curves:
            if not c.legend:
                continue
            legend.append("━ " if c.style == "solid" else "⠒ ", style=hex_color(c.color))
            legend.append(c.label)
            legend.append(" ")
        for v in self.vlines:
            if v.label and self.xlim[0] <= v.x <= self.xlim[1]:
                legend.append("│ ", style=hex_color(v.color))
                legend.append(v.label)
                legend.append(" ")
        if self.note:
            legend.append((" " if legend.plain else "") + self.note)
        legend.rstrip()
        self.border_subtitle = legend if legend.plain else None
        self.refresh()
