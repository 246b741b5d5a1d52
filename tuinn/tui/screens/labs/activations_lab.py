"""The activations lab: the lecture's six activations, each with its derivative and its flat parts.

Backpropagation multiplies by f'(z) at every neuron, so where f' is close to 0 the
neuron passes almost no gradient back: it *saturates*. Each panel plots f (solid) and
f' (dotted) over z ∈ [−5, 5] and marks the saturating region, |f'(z)| < 0.05, with
vertical lines at its edges and f' drawn red inside it. The edges are found from the
engine's own derivative (a grid, then bisection), not written down, so the panel
shows what the engine computes: e.g. |z| > 2.89 for the sigmoid.

Maxout is not a function of one z: it is the max over linear pieces of the input. The
panel shows two pieces of a 1-D input x, max(1·x + 0, −0.5·x + 1), computed by a Dense
layer with a maxout activation; its derivative (with respect to x) is the slope of the
winning piece, from the layer's backward pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from tuinn.course.labs import Lab
from tuinn.engine.activations import make_activation
from tuinn.engine.layers import Dense
from tuinn.tui.render.colormap import hex_color
from tuinn.tui.screens.labs.neuron_lab import fmt
from tuinn.tui.widgets.function_plot import Curve, FunctionPlot, VLine
from tuinn.tui.widgets.lab_text import LabText

Z_RANGE = (-5.0, 5.0)
#: Samples of z searched for the saturating edges: a step of 0.01 (then refined by bisection).
SAMPLES = 1001
#: Samples of z drawn: a step of 0.05, about one per braille dot column of a panel.
PLOT_SAMPLES = 201
#: |f'(z)| below this counts as saturated.
THRESHOLD = 0.05
#: The lecture's leaky ReLU, max(0.1x, x), and ELU's α.
LEAKY_SLOPE = 0.1
ELU_ALPHA = 1.0
#: The maxout panel's two pieces w·x + b of a 1-D input.
MAXOUT_W = (1.0, -0.5)
MAXOUT_B = (0.0, 1.0)
#: Unbounded curves are cut here so that f' (at most 1) stays readable next to f.
Y_CAP = 2.5
#: Layers in the "through n layers" line of the selected panel.
DEPTH = 5
F_COLOR = (59, 142, 234)
D_COLOR = (245, 147, 34)
SATURATED = (214, 39, 40)
PIECES = (110, 110, 110)
AXIS = (80, 80, 80)
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _maxout_pieces() -> str:
    def piece(w: float, b: float) -> str:
        return f"{w:g}·x {'+' if b >= 0 else '−'} {abs(b):g}".replace("-", "−")

    return f"max({piece(MAXOUT_W[0], MAXOUT_B[0])}, {piece(MAXOUT_W[1], MAXOUT_B[1])})"


@dataclass(frozen=True)
class Panel:
    """One activation: its engine name, the formulas as the lecture writes them."""

    name: str
    label: str
    formula: str
    derivative: str
    variable: str = "z"


PANELS = (
    Panel("sigmoid", "sigmoid", "σ(z) = 1/(1+e⁻ᶻ)", "σ'(z) = σ(z)(1 − σ(z))"),
    Panel("tanh", "tanh", "tanh(z)", "tanh'(z) = 1 − tanh²(z)"),
    Panel("relu", "ReLU", "max(0, z)", "f'(z) = 1 for z > 0, 0 for z < 0"),
    Panel("leaky_relu", "leaky ReLU", f"max({LEAKY_SLOPE:g}z, z)", f"f'(z) = 1 for z > 0, {LEAKY_SLOPE:g} for z < 0"),
    Panel("elu", "ELU", "z if z ≥ 0, α(eᶻ − 1) if z < 0", f"f'(z) = 1 for z ≥ 0, αeᶻ = f(z) + α for z < 0 (α = {ELU_ALPHA:g})"),
    Panel("maxout", "maxout", "max(w₁ᵀx + b₁, w₂ᵀx + b₂)", f"f'(x) = the slope wᵢ of the winning piece; here {_maxout_pieces()}", "x"),
)


def evaluate(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(z), f'(z)) computed by the engine for a 1-D array z.

    Maxout: a Dense layer with the two pieces as its rows and a maxout activation; its
    backward pass with ∂L/∂a = 1 gives ∂a/∂x, the winning piece's slope.
    """
    z = np.asarray(z, dtype=float)
    if name == "maxout":
        layer = Dense(np.array(MAXOUT_W, dtype=float)[:, None], np.array(MAXOUT_B, dtype=float), make_activation("maxout", pieces=2))
        a = layer.forward(z[:, None], train=True)
        dx = layer.backward(np.ones_like(a))
        assert dx is not None
        return a[:, 0], dx[:, 0]
    act = make_activation(name, slope=LEAKY_SLOPE, alpha=ELU_ALPHA)
    a = act.forward(z)
    return a, act.derivative(z, a)


def _edge(flat: Callable[[float], bool], lo: float, hi: float) -> float:
    """The point between lo and hi where ``flat`` changes (bisection; flat(lo) != flat(hi))."""
    f_lo = flat(lo)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if flat(mid) == f_lo:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def saturation(name: str, z_range: tuple[float, float] = Z_RANGE, threshold: float = THRESHOLD) -> list[tuple[float, float]]:
    """The intervals of ``z_range`` where |f'(z)| < ``threshold``, edges to ~1e-12.

    A grid finds where the test changes, bisection on the engine's derivative refines each
    change; an interval reaching an end of ``z_range`` is cut there.
    """
    z = np.linspace(z_range[0], z_range[1], SAMPLES)
    flat = np.abs(evaluate(name, z)[1]) < threshold

    def is_flat(v: float) -> bool:
        return bool(np.abs(evaluate(name, np.array([v]))[1][0]) < threshold)

    out: list[tuple[float, float]] = []
    i, n = 0, len(z)
    while i < n:
        if not flat[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and flat[j + 1]:
            j += 1
        start = z_range[0] if i == 0 else _edge(is_flat, z[i - 1], z[i])
        end = z_range[1] if j == n - 1 else _edge(is_flat, z[j], z[j + 1])
        out.append((float(start), float(end)))
        i = j + 1
    return out


def edges(intervals: list[tuple[float, float]], z_range: tuple[float, float] = Z_RANGE) -> list[float]:
    """The inner edges of the saturating intervals (the ends of the plotted range are no edges)."""
    return [e for lo, hi in intervals for e in (lo, hi) if z_range[0] < e < z_range[1]]


def caption(name: str, intervals: list[tuple[float, float]], variable: str = "z") -> str:
    """A short phrase for the intervals: "saturates for |z| > 2.89", "dead (f' = 0) for z < 0", …"""
    v = variable
    if not intervals:
        d = np.abs(evaluate(name, np.linspace(Z_RANGE[0], Z_RANGE[1], SAMPLES))[1])
        return f"never saturates: |f'| ≥ {fmt(float(d.min()))}"
    lo_end, hi_end = Z_RANGE
    dead = all(float(np.abs(evaluate(name, np.linspace(a, b, 101)[1:-1])[1]).max()) == 0.0 for a, b in intervals)
    word = "dead (f' = 0)" if dead else "saturates"
    if len(intervals) == 2 and intervals[0][0] == lo_end and intervals[1][1] == hi_end and np.isclose(-intervals[0][1], intervals[1][0]):
        return f"{word} for |{v}| > {fmt(intervals[1][0])}"
    parts = []
    for a, b in intervals:
        if a == lo_end and b == hi_end:
            parts.append(f"everywhere on [{fmt(a, 0)}, {fmt(b, 0)}]")
        elif a == lo_end:
            parts.append(f"{v} < {fmt(b)}")
        elif b == hi_end:
            parts.append(f"{v} > {fmt(a)}")
        else:
            parts.append(f"{fmt(a)} < {v} < {fmt(b)}")
    return f"{word} for {' and '.join(parts)}"


def y_limits(f: np.ndarray, d: np.ndarray) -> tuple[float, float]:
    """Axes holding f and f' (unbounded curves cut at ``Y_CAP``), padded by 10%."""
    lo = min(float(f.min()), float(d.min()), 0.0)
    hi = min(max(float(f.max()), float(d.max())), Y_CAP)
    pad = 0.1 * (hi - lo if hi > lo else 1.0)
    return lo - pad, hi + pad


class ActivationsLab(Screen[None]):
    """Six panels of f and f' with the saturating regions marked; one is selected and explained."""

    BINDINGS = [
        Binding("left", "select(-1)", "previous", key_display="←"),
        Binding("right", "select(1)", "next", key_display="→"),
        Binding("up", "select(-3)", "row up", show=False),
        Binding("down", "select(3)", "row down", show=False),
        Binding("tab", "select(1)", "next", show=False, priority=True),
        Binding("shift+tab", "select(-1)", "previous", show=False, priority=True),
        Binding("escape", "dismiss_lab", "back"),
    ]
    DEFAULT_CSS = """
    ActivationsLab #act-left { width: 1fr; }
    ActivationsLab #act-grid { grid-size: 3 2; height: 1fr; }
    ActivationsLab #act-grid FunctionPlot { border: round $primary; }
    ActivationsLab #act-grid FunctionPlot.-selected { border: heavy $accent; }
    ActivationsLab #act-info { height: auto; min-height: 5; border: round $accent; padding: 0 1; }
    ActivationsLab #act-text { width: 34; }
    """

    def __init__(self, lab: Lab, lesson: str | None = None) -> None:
        super().__init__()
        self.lab = lab
        self.lesson = lesson
        self.title = lab.title
        #: Index into PANELS of the panel explained under the grid.
        self.selected = 0
        #: Saturating intervals per panel name, from the engine's derivative.
        self.saturation: dict[str, list[tuple[float, float]]] = {p.name: saturation(p.name) for p in PANELS}

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        with Horizontal():
            with Vertical(id="act-left"):
                with Grid(id="act-grid"):
                    for p in PANELS:
                        yield FunctionPlot(id=f"act-{p.name}")
                yield Static(id="act-info")
            yield LabText(self.lab.text, self.lesson, title="About this lab", id="act-text")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(None)
        for p in PANELS:
            self._draw_panel(p)
        self._select(0)

    def plot(self, name: str) -> FunctionPlot:
        """The panel of activation ``name``."""
        return self.query_one(f"#act-{name}", FunctionPlot)

    def _draw_panel(self, p: Panel) -> None:
        z = np.linspace(Z_RANGE[0], Z_RANGE[1], PLOT_SAMPLES)
        f, d = evaluate(p.name, z)
        intervals = self.saturation[p.name]
        inside = np.zeros_like(z, dtype=bool)
        for a, b in intervals:
            inside |= (z >= a) & (z <= b)
        curves = [Curve("0", np.array(Z_RANGE), np.zeros(2), AXIS, legend=False)]
        if p.name == "maxout":
            for w, b in zip(MAXOUT_W, MAXOUT_B, strict=True):
                # the pieces, through the same layer type with a linear activation
                piece = Dense(np.array([[w]]), np.array([b]), make_activation("linear")).forward(z[:, None])[:, 0]
                curves.append(Curve("pieces", z, piece, PIECES, legend=False))
        curves += [
            # the legend is in the info line: the panels' borders hold the saturation caption
            Curve("f", z, f, F_COLOR, legend=False),
            Curve("f'", z, np.where(inside, np.nan, d), D_COLOR, "dotted", legend=False),
        ]
        if inside.any():
            curves.append(Curve("f' saturated", z, np.where(inside, d, np.nan), SATURATED, "dotted", legend=False))
        vlines = [VLine(e, SATURATED) for e in edges(intervals)]
        plot = self.plot(p.name)
        plot.show(curves, xlim=Z_RANGE, ylim=y_limits(f, d), vlines=vlines, xlabel=p.variable,
                  note=caption(p.name, intervals, p.variable))
        plot.border_title = Text(f"{p.label}: {p.formula}")

    def _select(self, index: int) -> None:
        self.selected = index % len(PANELS)
        for i, p in enumerate(PANELS):
            self.plot(p.name).set_class(i == self.selected, "-selected")
        self.query_one("#act-info", Static).update(self.info(PANELS[self.selected]))
        self.query_one("#act-info").border_title = Text(f"{PANELS[self.selected].label} ({self.selected + 1} of {len(PANELS)})")

    def info(self, p: Panel) -> Text:
        """The selected panel's formula, derivative and saturation numbers, from the engine."""
        v = p.variable
        z = np.linspace(Z_RANGE[0], Z_RANGE[1], SAMPLES)
        _, d = evaluate(p.name, z)
        ends = evaluate(p.name, np.array(Z_RANGE))[1]
        peak = float(np.abs(d).max())
        t = Text()
        t.append("━ ", style=hex_color(F_COLOR))
        t.append(f"f({v})  ")
        t.append("⠒ ", style=hex_color(D_COLOR))
        t.append(f"f'({v})  ")
        t.append("⠒ ", style=hex_color(SATURATED))
        t.append(f"f' where |f'| < {THRESHOLD:g} (saturated)  ")
        t.append("│ ", style=hex_color(SATURATED))
        t.append("its edges, from the engine's f'\n")
        t.append("f: ", style="bold")
        t.append(p.formula)
        t.append("    f': ", style="bold")
        t.append(p.derivative)
        t.append("\n")
        t.append(f"|f'| < {THRESHOLD:g}: ", style="bold")
        t.append(caption(p.name, self.saturation[p.name], v))
        t.append(f" · f'({fmt(Z_RANGE[0], 0)}) = {fmt(float(ends[0]), 4)}, f'({fmt(Z_RANGE[1], 0)}) = {fmt(float(ends[1]), 4)}\n")
        t.append("largest |f'|: ", style="bold")
        t.append(f"{fmt(peak)}: through {DEPTH} such layers, f' alone multiplies a gradient by at most "
                 f"{fmt(peak)}{str(DEPTH).translate(SUPERSCRIPT)} = {peak**DEPTH:.2g}")
        return t

    # ----------------------------------------------------------- actions
    def action_select(self, step: int) -> None:
        self._select(self.selected + step)

    def on_click(self, event: events.Click) -> None:
        """A click on a panel selects it."""
        for i, p in enumerate(PANELS):
            if event.widget is self.plot(p.name):
                self._select(i)
                return

    def action_dismiss_lab(self) -> None:
        self.dismiss(None)
