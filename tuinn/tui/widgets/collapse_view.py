"""The single layer that stands in for a network, with its numbers and how far off it is.

The lecture substitutes one linear layer into the next and regroups the terms: a stack
of linear layers *is* one layer, z = W·x + b with W = W_L⋯W₁. This panel shows that layer
for the network beside it: the product and the folded bias as formulas written for this
network's depth, the shapes that chain down to (outputs × inputs), W and b as numbers,
and the largest difference between the network's z and the single layer's over the data
next to the range of the network's z (a difference only means something against that).

For a net with tanh between its layers there is no such layer; the panel then shows the
best one (least squares over the data, :func:`tuinn.analysis.collapse.best_affine`) and its gap,
so the same numbers say "equivalent" in one case and "nowhere near" in the other. All
numbers come from a :class:`~tuinn.analysis.collapse.CollapseReport`; nothing is computed here.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widgets import Static

from tuinn.analysis.collapse import CollapseReport

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
GOOD = "bold #2ca02c"
BAD = "bold #d62728"


def sub(n: int) -> str:
    """``n`` in subscript digits (layer indices, as the lecture writes them)."""
    return str(n).translate(_SUB)


def number(v: float, digits: int = 4) -> str:
    """A weight with ``digits`` significant digits and the typographic minus."""
    s = f"{v:.{digits}g}"
    if float(s) == 0.0:
        s = s.lstrip("-")
    return s.replace("-", "−")


def difference(v: float) -> str:
    """A gap: scientific notation when tiny (rounding error), else 3 significant digits."""
    return f"{v:.1e}" if v != 0.0 and abs(v) < 1e-3 else f"{v:.3g}"


def product_formula(n_layers: int) -> str:
    """``W = W₄·W₃·W₂·W₁`` for a network of ``n_layers`` layers."""
    return "W = " + "·".join(f"W{sub(l)}" for l in range(n_layers, 0, -1))


def bias_formula(n_layers: int) -> str:
    """``b = W₄(W₃(W₂·b₁ + b₂) + b₃) + b₄``: b₁ pushed through every later layer."""
    expr = f"b{sub(1)}"
    for l in range(2, n_layers + 1):
        expr = f"W{sub(l)}({expr}) + b{sub(l)}" if "+" in expr else f"W{sub(l)}·{expr} + b{sub(l)}"
    return f"b = {expr}"


def shape_chain(shapes: list[tuple[int, int]]) -> str:
    """``(1×3)(3×4)(4×4)(4×2) → 1×2``: the matrices' shapes, last layer first, and the product's."""
    if not shapes:
        return ""
    parts = "".join(f"({r}×{c})" for r, c in reversed(shapes))
    return f"{parts} → {shapes[-1][0]}×{shapes[0][1]}"


def affine_text(W: np.ndarray, b: np.ndarray) -> str:
    """``[ 0.1234  −0.5678 ]·x − 0.9`` per output row (rows on separate lines, aligned after ``z = ``)."""
    rows = []
    for r in range(W.shape[0]):
        v = float(b[r])
        rows.append("[ " + "  ".join(number(float(w)) for w in W[r]) + f" ]·x {'−' if v < 0 else '+'} {number(abs(v))}")
    return "\n    ".join(rows)


def collapse_text(report: CollapseReport | None, shapes: list[tuple[int, int]], n_points: int) -> Text:
    """What the panel says about a network whose layers' W have ``shapes``, judged on ``n_points`` samples.

    Six short lines, so that they fit the panel without wrapping: the formulas (or why
    there is no exact layer), the layer in numbers, what its boundary is, the largest
    gap over the data and the range of z that the gap is to be read against.
    """
    text = Text()
    if report is None:
        text.append("no single layer to show: the torch backend has no engine network, or the outputs are not finite")
        return text
    layer = report.layer
    L = len(shapes)
    if report.exact:
        text.append(f"{product_formula(L)}   {shape_chain(shapes)}\n")
        text.append(f"{bias_formula(L)}\n")
        text.append(f"z = {affine_text(layer.W, layer.b)}\n")
        text.append("boundary z = 0: a straight line\n")
    else:
        text.append("no single layer is equivalent; the best one\n", style="bold")
        text.append("(least squares over the data) is\n")
        text.append(f"z ≈ {affine_text(layer.W, layer.b)}\n")
        text.append("its boundary is straight, the net's bends\n")
    text.append("max |z_net − z_single| = ")
    text.append(difference(report.max_difference), style=GOOD if report.exact else BAD)
    text.append(f" ({n_points} points)\nrange of z_net {report.target_range:.3g}: ")
    if report.exact:
        text.append("equal up to rounding")
    else:
        share = report.max_difference / report.target_range if report.target_range > 0 else 0.0
        text.append(f"off by {100.0 * share:.0f} % of it")
    return text


class CollapseView(Static):
    """The equivalent (or best) single layer of a network, as numbers and formulas."""

    DEFAULT_CSS = """
    CollapseView { border: round $primary; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.report: CollapseReport | None = None

    def show(self, report: CollapseReport | None, shapes: list[tuple[int, int]], n_points: int) -> None:
        """Redraw from a report (the title says whether the layer is exact or only the best fit)."""
        self.report = report
        if report is not None:
            self.border_title = Text("one equivalent layer" if report.exact else "best single layer")
        self.update(collapse_text(report, shapes, n_points))
