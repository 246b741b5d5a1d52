"""One training step written out in the lecture's notation, with its numbers (``tuinn step --plain``).

Turns a :class:`~tuinn.engine.trace.StepTrace` into plain text: forward layer by layer,
the loss, backward from the output and the update. Plain text so that it pipes, diffs
and prints; every term on one line, so that a line can be found with grep.

The notation follows the shapes printed. One sample is the lecture's: z¹ = W¹·a⁰ + b¹,
δ, ∂L/∂W = δ·aᵀ, ∂L/∂b = δ, with W of shape (units, inputs) and each vector written on
one line. A batch of S samples is S rows, one per sample, so the same step reads
Z¹ = A⁰·W¹ᵀ + b¹ (b added to every row), Δ = ∂L/∂Z with row s = δₛ, and the gradients
are the sums they are: ∂L/∂W = Δᵀ·A = Σₛ δₛ·aₛᵀ, ∂L/∂b = Σₛ δₛ (each δₛ carries the 1/N
of the mean loss). The step-through screen writes the stages its own way, one sample as
column vectors (:mod:`tuinn.teaching.equations`).
"""

from __future__ import annotations

import numpy as np

from tuinn.engine.optimizers import FORMULAS
from tuinn.engine.trace import LayerTrace, StepTrace
from tuinn.teaching.blocks import fmt_number, sup
from tuinn.teaching.equations import ACTIVATION_FORMULAS, LOSS_FORMULAS

__all__ = ["fmt_array", "fmt_number", "loss_lines", "render_plain", "stage_lines", "sup"]


def fmt_array(a: np.ndarray | None, digits: int, indent: int, max_rows: int = 8, max_cols: int = 8) -> str:
    """A vector on one line, a matrix as bracketed aligned rows; big ones elided."""
    if a is None:
        return "—"
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    rows = list(range(a.shape[0]))
    cols = list(range(a.shape[1]))
    if len(rows) > max_rows:
        rows = [*rows[:max_rows - 2], -1, *rows[-1:]]
    if len(cols) > max_cols:
        cols = [*cols[:max_cols - 2], -1, *cols[-1:]]
    cells = [[("⋮" if r < 0 else "…" if c < 0 else fmt_number(a[r, c], digits)) for c in cols] for r in rows]
    width = max(len(cell) for row in cells for cell in row)
    lines = ["  ".join(cell.rjust(width) for cell in row) for row in cells]
    if len(lines) == 1:
        return f"[{lines[0]}]"
    left = ["⎡"] + ["⎢"] * (len(lines) - 2) + ["⎣"]
    right = ["⎤"] + ["⎥"] * (len(lines) - 2) + ["⎦"]
    pad = " " * indent
    return "\n".join((pad if i else "") + f"{left[i]}{line}{right[i]}" for i, line in enumerate(lines))


def _term(name: str, formula: str, value: np.ndarray | None, digits: int, note: str = "", indent: int = 4) -> str:
    pad = " " * indent
    head = f"{pad}{name} = {formula} = " if formula else f"{pad}{name} = "
    body = fmt_array(value, digits, len(head))
    return head + body + (f"   ({note})" if note else "")


class _Names:
    """The symbols of one layer: lower case for one sample (columns), capitals for a batch (rows)."""

    def __init__(self, layer: int, batch: bool) -> None:
        self.batch = batch
        self.l, self.p, self.n = sup(layer), sup(layer - 1), sup(layer + 1)
        z, a = ("Z", "A") if batch else ("z", "a")
        self.z, self.a, self.zhat = f"{z}{self.l}", f"{a}{self.l}", f"{'Ẑ' if batch else 'ẑ'}{self.l}"
        self.a_in = f"{a}{self.p}"
        self.delta = f"{'Δ' if batch else 'δ'}{self.l}"


def _forward(t: LayerTrace, last: bool, digits: int, batch: bool) -> list[str]:
    n = _Names(t.layer, batch)
    f, _ = ACTIVATION_FORMULAS[t.activation]
    role = f"output layer, {'Ŷ' if batch else 'ŷ'} = {n.a}" if last else "hidden layer"
    lines = [f"  Layer {t.layer} · {t.activation} · {role}"]
    lines.append(_term(f"W{n.l}", "", t.W, digits, "units × inputs"))
    lines.append(_term(f"b{n.l}", "", t.b, digits))
    affine = f"{n.a_in}·W{n.l}ᵀ + b{n.l}" if batch else f"W{n.l}·{n.a_in} + b{n.l}"
    lines.append(_term(n.z, affine, t.z, digits, "b added to every row" if batch else ""))
    pre = n.z
    if t.z_norm is not None:
        lines.append(_term(f"γ{n.l}", "", t.extra.get("gamma"), digits))
        lines.append(_term(f"β{n.l}", "", t.extra.get("beta"), digits))
        lines.append(_term(n.zhat, f"γ{n.l} ⊙ ({n.z} − μ)/√(σ² + ε) + β{n.l}  [{t.norm} norm]", t.z_norm, digits))
        pre = n.zhat
    lines.append(_term(n.a, f"f({pre})", t.a, digits, f"f(z) = {f}"))  # f's definition beside, not in the chain of "="
    if t.mask is not None:
        lines.append(_term(f"M{n.l}" if batch else f"m{n.l}", "dropout mask / (1 − p)", t.mask, digits,
                           f"the next layer reads {n.a} ⊙ {'M' if batch else 'm'}{n.l}"))
    return lines


def _backward(t: LayerTrace, trace: StepTrace, last: bool, digits: int, batch: bool) -> list[str]:
    n = _Names(t.layer, batch)
    _, fprime = ACTIVATION_FORMULAS[t.activation]
    pre = n.zhat if t.z_norm is not None else n.z
    lines = [f"  Layer {t.layer}"]
    if last:
        _, dloss = LOSS_FORMULAS[trace.loss_name]
        lines.append(_term(f"∂L/∂{n.a} = ∂L/∂{'Ŷ' if batch else 'ŷ'}", dloss, t.dL_da, digits))
    else:
        upstream = f"{'Δ' if batch else 'δ'}{n.n}·W{n.n}" if batch else f"W{n.n}ᵀ·δ{n.n}"
        note = f"computed at layer {t.layer + 1}, reused" + (" then ⊙ dropout mask" if t.mask is not None else "")
        lines.append(_term(f"∂L/∂{n.a}", upstream, t.dL_da, digits, note))
    if t.da_dz is not None:
        lines.append(_term(f"f'({pre})", "", t.da_dz, digits, f"f'(z) = {fprime}"))
    d_name = f"∂L/∂{n.zhat}" if t.z_norm is not None else n.delta
    d_value = t.dL_dznorm if t.z_norm is not None else t.delta
    if last and trace.fused:
        lines.append(_term(d_name, f"({'Ŷ − Y' if batch else 'ŷ − y'})/N  [{t.activation} + {trace.loss_name}, fused]", d_value, digits))
    elif t.da_dz is not None:
        lines.append(_term(d_name, f"∂L/∂{n.a} ⊙ f'({pre})", d_value, digits, "row s is δ" + n.l + "ₛ" if batch else ""))
    else:
        lines.append(_term(d_name, f"∂{n.a}/∂{pre} applied to ∂L/∂{n.a}", d_value, digits))
    if t.z_norm is not None:
        lines.append(_term(n.delta, f"∂L/∂{n.z}, back through the {t.norm} norm", t.delta, digits))
        lines.append(_term(f"∂L/∂γ{n.l}", f"Σₛ ∂L/∂ẑ{n.l}ₛ ⊙ (z{n.l}ₛ − μ)/σ", t.extra_grads.get("gamma"), digits))
        lines.append(_term(f"∂L/∂β{n.l}", f"Σₛ ∂L/∂ẑ{n.l}ₛ", t.extra_grads.get("beta"), digits))
    reg = f" + λ₂W{n.l} + λ₁sign(W{n.l})" if trace.penalty else ""
    if batch:
        lines.append(_term(f"∂L/∂W{n.l}", f"{n.delta}ᵀ·{n.a_in} = Σₛ δ{n.l}ₛ·a{n.p}ₛᵀ{reg}", t.dL_dW, digits))
        lines.append(_term(f"∂L/∂b{n.l}", f"Σₛ δ{n.l}ₛ", t.dL_db, digits, "the rows of " + n.delta + " summed"))
    else:
        lines.append(_term(f"∂L/∂W{n.l}", f"δ{n.l}·a{n.p}ᵀ{reg}", t.dL_dW, digits))
        lines.append(_term(f"∂L/∂b{n.l}", f"δ{n.l}", t.dL_db, digits))
    down = f"passed down to layer {t.layer - 1}" if t.layer > 1 else "the inputs' sensitivity"
    if batch:
        lines.append(_term(f"∂L/∂{'X' if t.layer == 1 else n.a_in}", f"{n.delta}·W{n.l}", t.dL_dinput, digits, down))
    else:
        lines.append(_term(f"∂L/∂{'x' if t.layer == 1 else n.a_in}", f"W{n.l}ᵀ·δ{n.l}", t.dL_dinput, digits, down))
    return lines


STATE_SYMBOLS = {"velocity": "v", "square_avg": "s", "sum": "s", "exp_avg": "m", "exp_avg_sq": "v"}


def _update(trace: StepTrace, digits: int) -> list[str]:
    rule = "w_new = w_old − α·∂L/∂w, b_new = b_old − α·∂L/∂b" if trace.optimizer == "sgd" else FORMULAS[trace.optimizer]
    lines = [f"Update · {trace.optimizer} · α = {fmt_number(trace.learning_rate, digits)} · {rule}"]
    if trace.optimizer != "sgd":
        lines.append(f"  (step t = {trace.optimizer_step}; the optimizer's state after this step is shown under each W)")
    index = 0
    for t in trace.layers:
        l = sup(t.layer)
        for name in t.after:
            label = {"W": f"W{l}", "b": f"b{l}", "gamma": f"γ{l}", "beta": f"β{l}"}[name]
            rule = f"{label}_old − α·∂L/∂{label}" if trace.optimizer == "sgd" else "the rule above"
            lines.append(_term(f"{label}_new", rule, t.after[name], digits))
            state = trace.optimizer_state[index] if index < len(trace.optimizer_state) else {}
            if name == "W":
                for key, value in state.items():
                    lines.append(_term(f"{STATE_SYMBOLS.get(key, key)}({label})", "", value, digits, key))
            index += 1
    return lines


def loss_lines(trace: StepTrace, digits: int) -> list[str]:
    """The loss stage: targets, the loss formula and its value (and the penalty)."""
    formula, dloss = LOSS_FORMULAS[trace.loss_name]
    batch = len(trace.inputs) > 1
    out = [_term("Y" if batch else "y", "", trace.targets, digits, "targets, one row per sample" if batch else "targets", indent=2)]
    line = f"  L = {formula} = {fmt_number(trace.data_loss, digits)}"
    if trace.penalty:
        line += f"; + penalty (λ₂/2)ΣW² + λ₁Σ|W| = {fmt_number(trace.penalty, digits)} → L = {fmt_number(trace.loss, digits)}"
    out.append(line)
    last = trace.layers[-1]
    out.append(_term("∂L/∂Ŷ" if batch else "∂L/∂ŷ", dloss, last.dL_da, digits, indent=2))
    return out


def stage_lines(trace: StepTrace, stage: tuple[str, int], digits: int = 6) -> list[str]:
    """The lines of one stage: ("forward", l), ("loss", 0), ("backward", l) or ("update", 0)."""
    kind, layer = stage
    last = len(trace.layers)
    batch = len(trace.inputs) > 1
    if kind == "forward":
        lines = [_term("X = A⁰" if batch else "x = a⁰", "", trace.inputs, digits, indent=2)] if layer == 1 else []
        return lines + _forward(trace.layers[layer - 1], layer == last, digits, batch)
    if kind == "loss":
        return loss_lines(trace, digits)
    if kind == "backward":
        return _backward(trace.layers[layer - 1], trace, layer == last, digits, batch)
    if kind == "update":
        return _update(trace, digits)
    raise ValueError(f"unknown stage {stage!r}")


def render_plain(trace: StepTrace, digits: int = 6, header: str = "") -> str:
    """The whole step as text: forward, loss, backward, update."""
    S = len(trace.inputs)
    out = []
    if header:
        out.append(header)
    out.append(f"{S} samples: each a row of X, Z, A, Δ (capitals); W has one row per unit" if S > 1 else
               "1 sample: the lecture's column vectors, each written on one line; W has one row per unit")
    out.append("")
    out.append("Forward pass")
    for t in trace.layers:
        out += stage_lines(trace, ("forward", t.layer), digits)
    out.append("")
    out.append("Loss")
    out += loss_lines(trace, digits)[:2]
    out.append("")
    out.append("Backward pass (chain rule, from the output down)")
    for t in reversed(trace.layers):
        out += stage_lines(trace, ("backward", t.layer), digits)
    out.append("")
    out += stage_lines(trace, ("update", 0), digits)
    return "\n".join(out)
