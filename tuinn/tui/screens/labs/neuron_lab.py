"""The neuron lab: one neuron, a = f(w·x + b), with w and b on sliders.

The lecture's point ("Impact of the weights and the bias") is shown live: w sets the
steepness (the slope where z = 0 is w·f'(0)) and b shifts the curve (its middle, z = 0,
sits at x = −b/w). With two inputs the same neuron splits the plane along the line
w₁·x₁ + w₂·x₂ + b = 0.

Every number drawn comes from the engine: the curves and the plane are the output of a
one-unit :class:`~tuinn.engine.layers.Dense` layer, f'(0) is the activation's own
``derivative``. The curves go through :class:`FunctionPlot` and the plane through the
playground's :class:`DecisionBoundary`, so the lab adds no drawing code of its own.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from tuinn.course.labs import Lab
from tuinn.engine.activations import make_activation
from tuinn.engine.layers import Dense
from tuinn.tui.render.colormap import NEGATIVE, POSITIVE, ZERO, hex_color
from tuinn.tui.widgets.decision_boundary import BoundaryView, DecisionBoundary, grid_points
from tuinn.tui.widgets.function_plot import Curve, FunctionPlot, VLine
from tuinn.tui.widgets.lab_text import LabText

#: The activations `f` cycles through (softmax and maxout need more than one number per neuron).
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear")
#: Sliders stay in [−LIMIT, LIMIT]: beyond that the sigmoid is a step at this zoom.
LIMIT = 10.0
X_RANGE = (-6.0, 6.0)
#: Samples of x for the curves: a step of 0.05, about one per braille dot column at
#: 160 columns (more only slows plotext: its render time grows with the points).
SAMPLES = 241
CURVE = (59, 142, 234)
REFERENCE = (120, 120, 120)
MIDDLE = (214, 39, 40)
W_KEYS = Binding.Group("w", compact=True)
W1_KEYS = Binding.Group("w₁", compact=True)
B_KEYS = Binding.Group("b", compact=True)
W2_KEYS = Binding.Group("w₂", compact=True)
B2_KEYS = Binding.Group("b", compact=True)


def fmt(v: float, digits: int = 2) -> str:
    """A number with the minus sign of the lecture's notation (and no "−0.00")."""
    s = f"{v:.{digits}f}"
    if float(s) == 0.0:
        s = s.lstrip("-")
    return s.replace("-", "−")


def neuron(weights: list[float], b: float, activation: str) -> Dense:
    """A one-unit Dense layer with these inputs' weights and this bias."""
    return Dense(np.array([weights], dtype=float), np.array([b], dtype=float), make_activation(activation))


def output(weights: list[float], b: float, activation: str, x: np.ndarray) -> np.ndarray:
    """a = f(x·wᵀ + b) for the rows of x, as the engine computes it: shape (rows,)."""
    return neuron(weights, b, activation).forward(np.asarray(x, dtype=float).reshape(len(x), -1))[:, 0]


def slope_at_middle(activation: str) -> tuple[float, bool]:
    """(f'(0), kinked): the engine's f' at z = 0, or just right of 0 where f has a kink there.

    At a kink (ReLU, leaky ReLU) the engine's f'(0) is the left slope (PyTorch's
    convention: 0 for ReLU); the steepness the lecture talks about is the right one.
    """
    act = make_activation(activation)
    z0 = np.zeros((1, 1))
    zr = np.full((1, 1), np.nextafter(0.0, 1.0))
    at = float(act.derivative(z0, act.forward(z0))[0, 0])
    right = float(act.derivative(zr, act.forward(zr))[0, 0])
    return (right, True) if not np.isclose(at, right) else (at, False)


def x_samples() -> np.ndarray:
    return np.linspace(X_RANGE[0], X_RANGE[1], SAMPLES)


def reference_limits(activation: str) -> tuple[float, float]:
    """y limits of the 1-D plot: the range of f(x) over the x range (w = 1, b = 0), padded by 10%.

    Fixed per activation so that a steeper or shifted curve moves against still axes.
    """
    y = output([1.0], 0.0, activation, x_samples())
    lo, hi = float(y.min()), float(y.max())
    pad = 0.1 * (hi - lo if hi > lo else 1.0)
    return lo - pad, hi + pad


def one_input_text(w: float, b: float, activation: str) -> Text:
    """The live sentence under the 1-D plot: what w and b do to the curve now."""
    fp, kinked = slope_at_middle(activation)
    d = "f'(0⁺)" if kinked else "f'(0)"
    t = Text()
    if w == 0.0:
        a = output([0.0], b, activation, np.zeros(1))[0]
        t.append(f"w = 0: z = b for every x, so a = f(b) = {fmt(a)} is flat: no steepness and no middle", style="bold")
        t.append(f" · b = {fmt(b, 1)} only sets that height")
        return t
    slope = w * fp
    if abs(w) > 1.0:
        compare = "steeper than"
    elif abs(w) < 1.0:
        compare = "flatter than"
    else:
        compare = "as steep as"
    t.append(f"w = {fmt(w, 1)}: ", style="bold")
    t.append(f"slope at the middle w·{d} = {fmt(w, 1)} × {fmt(fp)} = {fmt(slope)} ({compare} w = 1, where it is {fmt(fp)}")
    t.append("; w < 0 mirrors the curve)" if w < 0 else ")")
    t.append("\n")
    middle = -b / w
    t.append(f"b = {fmt(b, 1)}: ", style="bold")
    if b == 0.0:
        t.append("the middle (z = 0) is at x = −b/w = 0")
    else:
        t.append(f"the middle (z = 0) moves to x = −b/w = {fmt(middle)}")
        if not X_RANGE[0] <= middle <= X_RANGE[1]:
            t.append(" (off the plot)")
    return t


def _signed(v: float, digits: int = 1) -> str:
    """"+ 0.5" or "− 0.5": a term after the first one of a sum."""
    return f"{'−' if v < 0 else '+'} {fmt(abs(v), digits)}"


def two_input_text(w1: float, w2: float, b: float) -> Text:
    """The live sentence under the plane: the line w₁·x₁ + w₂·x₂ + b = 0 with its numbers and intercepts."""
    t = Text()
    t.append("line w₁·x₁ + w₂·x₂ + b = 0: ", style="bold")
    if w1 == 0.0 and w2 == 0.0:
        t.append(f"w₁ = w₂ = 0, so z = b = {fmt(b, 1)} everywhere: no line, the plane is one colour")
        return t
    t.append(f"{fmt(w1, 1)}·x₁ {_signed(w2)}·x₂ {_signed(b)} = 0")
    t.append("\n")
    # Where it crosses the axes: x₂ = 0 gives x₁ = −b/w₁ and x₁ = 0 gives x₂ = −b/w₂.
    parts = [f"crosses the x₁ axis at −b/w₁ = {fmt(-b / w1)}" if w1 != 0.0 else "horizontal (w₁ = 0)",
             f"the x₂ axis at −b/w₂ = {fmt(-b / w2)}" if w2 != 0.0 else "vertical (w₂ = 0)"]
    norm = float(np.hypot(w1, w2))
    parts.append(f"distance to the origin |b|/‖w‖ = {fmt(abs(b) / norm)}")
    t.append(", ".join(parts[:2]) + " · " + parts[2])
    t.append("\n")
    t.append(f"w = (w₁, w₂) is perpendicular to the line and a grows towards it; ‖w‖ = {fmt(norm)} sets how sharp the edge is")
    return t


def line_points(w1: float, w2: float, b: float, extent: tuple[float, float, float, float], n: int) -> np.ndarray:
    """About ``n`` evenly spaced points of the line w₁·x₁ + w₂·x₂ + b = 0 inside ``extent`` ((0, 2) when there is none)."""
    norm = float(np.hypot(w1, w2))
    if norm == 0.0:
        return np.zeros((0, 2))
    x_min, x_max, y_min, y_max = extent
    foot = -b / norm**2 * np.array([w1, w2])  # the point of the line nearest the origin
    along = np.array([-w2, w1]) / norm
    reach = float(np.hypot(max(abs(x_min), abs(x_max)), max(abs(y_min), abs(y_max)))) + abs(b) / norm
    pts = foot + np.linspace(-reach, reach, n)[:, None] * along
    inside = (pts[:, 0] >= x_min) & (pts[:, 0] <= x_max) & (pts[:, 1] >= y_min) & (pts[:, 1] <= y_max)
    return pts[inside]


class NeuronLab(Screen[None]):
    """One neuron on a 1-D input (a curve) or on two inputs (the plane)."""

    # nudge(mode, slider, step): "1" bindings act with one input, "2" with two, "*" always;
    # ↓/↑ are bound twice (b with one input, w₂ with two) and check_action picks one.
    BINDINGS = [
        Binding("left", "nudge('1', 'w', -0.1)", "w", group=W_KEYS, key_display="←"),
        Binding("right", "nudge('1', 'w', 0.1)", "w", group=W_KEYS, key_display="→"),
        Binding("left", "nudge('2', 'w', -0.1)", "w₁", group=W1_KEYS, key_display="←"),
        Binding("right", "nudge('2', 'w', 0.1)", "w₁", group=W1_KEYS, key_display="→"),
        Binding("down", "nudge('1', 'b', -0.1)", "b", group=B_KEYS, key_display="↓"),
        Binding("up", "nudge('1', 'b', 0.1)", "b", group=B_KEYS, key_display="↑"),
        Binding("down", "nudge('2', 'w2', -0.1)", "w₂", group=W2_KEYS, key_display="↓"),
        Binding("up", "nudge('2', 'w2', 0.1)", "w₂", group=W2_KEYS, key_display="↑"),
        Binding("left_square_bracket", "nudge('2', 'b', -0.1)", "b", group=B2_KEYS, key_display="["),
        Binding("right_square_bracket", "nudge('2', 'b', 0.1)", "b", group=B2_KEYS, key_display="]"),
        Binding("shift+left", "nudge('*', 'w', -1)", "w −1", show=False),
        Binding("shift+right", "nudge('*', 'w', 1)", "w +1", show=False),
        Binding("shift+down", "nudge('1', 'b', -1)", "b −1", show=False),
        Binding("shift+up", "nudge('1', 'b', 1)", "b +1", show=False),
        Binding("shift+down", "nudge('2', 'w2', -1)", "w₂ −1", show=False),
        Binding("shift+up", "nudge('2', 'w2', 1)", "w₂ +1", show=False),
        Binding("left_curly_bracket", "nudge('2', 'b', -1)", "b −1", show=False),
        Binding("right_curly_bracket", "nudge('2', 'b', 1)", "b +1", show=False),
        Binding("f", "cycle_activation", "activation"),
        Binding("2", "toggle_inputs", "1 or 2 inputs"),
        Binding("0", "reset", "w = 1, b = 0"),
        Binding("escape", "dismiss_lab", "back"),
    ]
    DEFAULT_CSS = """
    NeuronLab #neuron-left { width: 1fr; }
    NeuronLab #neuron-curve { height: 1fr; border: round $primary; }
    NeuronLab #neuron-plane-row { height: 1fr; display: none; }
    NeuronLab #neuron-plane { width: 1fr; }
    NeuronLab #neuron-legend { width: 30; border: round $primary; padding: 0 1; }
    NeuronLab #neuron-live { height: auto; min-height: 4; border: round $accent; padding: 0 1; }
    NeuronLab #neuron-text { width: 46; }
    NeuronLab.-two-inputs #neuron-curve { display: none; }
    NeuronLab.-two-inputs #neuron-plane-row { display: block; }
    """

    def __init__(self, lab: Lab, lesson: str | None = None) -> None:
        super().__init__()
        self.lab = lab
        self.lesson = lesson
        self.title = lab.title
        self.w = 1.0
        self.b = 0.0
        self.w2 = 1.0
        self.activation = ACTIVATIONS[0]
        self.two_inputs = False

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        with Horizontal():
            with Vertical(id="neuron-left"):
                yield FunctionPlot(id="neuron-curve")
                with Horizontal(id="neuron-plane-row"):
                    yield DecisionBoundary(id="neuron-plane")
                    yield Static(id="neuron-legend")
                yield Static(id="neuron-live")
            yield LabText(self.lab.text, self.lesson, title="About this lab", id="neuron-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#neuron-legend").border_title = "Colours"
        self.query_one("#neuron-live").border_title = "What changed"
        self.set_focus(None)
        self.redraw()
        # The plane is computed at the widget's pixel size, known after the first layout.
        self.call_after_refresh(self.redraw)

    def on_resize(self) -> None:
        self.call_after_refresh(self.redraw)

    # ----------------------------------------------------------- drawing
    def redraw(self) -> None:
        """Recompute the picture and the sentence from (w, b, w₂, activation) with the engine."""
        self.set_class(self.two_inputs, "-two-inputs")
        if self.two_inputs:
            self._draw_plane()
            text = two_input_text(self.w, self.w2, self.b)
        else:
            self._draw_curve()
            text = one_input_text(self.w, self.b, self.activation)
        self.query_one("#neuron-live", Static).update(text)

    def _draw_curve(self) -> None:
        x = x_samples()
        a = output([self.w], self.b, self.activation, x)
        ref = output([1.0], 0.0, self.activation, x)
        vlines = [VLine(-self.b / self.w, MIDDLE, "middle x = −b/w")] if self.w != 0.0 else []
        plot = self.query_one("#neuron-curve", FunctionPlot)
        plot.show([Curve("f(x): w = 1, b = 0", x, ref, REFERENCE),
                   Curve(f"a = {self.activation}({fmt(self.w, 1)}·x {_signed(self.b)})", x, a, CURVE)],
                  xlim=X_RANGE, ylim=reference_limits(self.activation), vlines=vlines, xlabel="x")
        plot.border_title = Text(f"one neuron, one input: a = f(w·x + b), f = {self.activation}")

    def plane_range(self) -> tuple[float, float]:
        """The colour scale of the plane: f(0) (the value on the line) ± the reference curve's reach."""
        ref = output([1.0], 0.0, self.activation, x_samples())
        f0 = float(output([1.0], 0.0, self.activation, np.zeros(1))[0])
        reach = float(np.max(np.abs(ref - f0)))
        return f0 - reach, f0 + reach

    def _draw_plane(self) -> None:
        plane = self.query_one("#neuron-plane", DecisionBoundary)
        extent = (X_RANGE[0], X_RANGE[1], X_RANGE[0], X_RANGE[1])
        shape = plane.pixel_shape()
        grid = grid_points(extent, shape)
        values = output([self.w, self.w2], self.b, self.activation, grid).reshape(shape)
        pts = line_points(self.w, self.w2, self.b, extent, max(8, shape[1] // 3))
        on_line = output([self.w, self.w2], self.b, self.activation, pts) if len(pts) else np.zeros(0)
        lo, hi = self.plane_range()
        view = BoundaryView(kind="regression", values=values, extent=extent, train_points=pts, train_labels=on_line,
                            test_points=np.zeros((0, 2)), test_labels=np.zeros(0), value_range=(lo, hi),
                            caption="dots: the line w₁·x₁ + w₂·x₂ + b = 0", point_names=("the line z = 0", ""))
        plane.show(view)
        plane.border_title = Text(f"two inputs: a = {self.activation}({fmt(self.w, 1)}·x₁ {_signed(self.w2)}·x₂ {_signed(self.b)})"
                                  f" over x₁, x₂ ∈ [{fmt(X_RANGE[0], 0)}, {fmt(X_RANGE[1], 0)}]")
        mid = (lo + hi) / 2
        legend = Text()
        for color, words in ((NEGATIVE, f"a ≤ {fmt(lo)}"), (ZERO, f"a = f(0) = {fmt(mid)}"), (POSITIVE, f"a ≥ {fmt(hi)}")):
            legend.append("██ ", style=hex_color(color))
            legend.append(words + "\n")
        legend.append("\nThe dots are the line: z = 0 there, so a = f(0); a grows across it towards (w₁, w₂).\n\n")
        legend.append(f"x₁ runs left to right, x₂ bottom to top, both from {fmt(X_RANGE[0], 0)} to {fmt(X_RANGE[1], 0)}; (0, 0) is the centre.")
        self.query_one("#neuron-legend", Static).update(legend)

    # ----------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "nudge" and parameters:
            return parameters[0] in ("*", "2" if self.two_inputs else "1")
        return True

    def action_nudge(self, mode: str, slider: str, step: float) -> None:
        """Move slider ``w``, ``b`` or ``w2`` by ``step``, kept in [−LIMIT, LIMIT] (rounded: 0.1 steps do not drift)."""
        value = float(np.clip(round(getattr(self, slider) + step, 6), -LIMIT, LIMIT))
        setattr(self, slider, value)
        self.redraw()

    def action_cycle_activation(self) -> None:
        self.activation = ACTIVATIONS[(ACTIVATIONS.index(self.activation) + 1) % len(ACTIVATIONS)]
        self.redraw()

    def action_toggle_inputs(self) -> None:
        self.two_inputs = not self.two_inputs
        self.refresh_bindings()
        self.redraw()
        if self.two_inputs:
            self.call_after_refresh(self.redraw)  # the plane has its size only once shown

    def action_reset(self) -> None:
        self.w, self.b, self.w2 = 1.0, 0.0, 1.0
        self.redraw()

    def action_dismiss_lab(self) -> None:
        self.dismiss(None)
