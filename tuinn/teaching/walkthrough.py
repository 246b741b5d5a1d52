"""One training step written out in the lecture's notation, with its numbers.

Turns a :class:`~tuinn.engine.trace.StepTrace` into plain text: forward layer by layer
(z^l = W^l·a^(l−1) + b^l, a^l = f(z^l)), the loss, backward from the output
(∂L/∂ŷ, f'(z), δ, ∂L/∂W = δ·aᵀ, ∂L/∂b = δ, the upstream Wᵀδ) and the update
(w_new = w_old − α·∂L/∂w). Plain text so that it pipes, diffs and prints.

With a batch of S samples the batch terms are S rows (one per sample) and δ carries the
1/S of the mean loss, so ∂L/∂W = δᵀ·a sums over the samples.
"""

from __future__ import annotations

import numpy as np

from tuinn.engine.optimizers import FORMULAS
from tuinn.engine.trace import LayerTrace, StepTrace

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

ACTIVATION_FORMULAS = {
    "sigmoid": ("σ(z) = 1/(1 + e⁻ᶻ)", "σ(z)(1 − σ(z))"),
    "tanh": ("tanh(z)", "1 − tanh²(z)"),
    "relu": ("max(0, z)", "1 if z > 0 else 0"),
    "leaky_relu": ("max(0.1z, z)", "1 if z > 0 else 0.1"),
    "elu": ("z if z > 0 else α(eᶻ − 1)", "1 if z > 0 else a + α"),
    "linear": ("z", "1"),
    "softmax": ("eᶻʲ / Σₖ eᶻᵏ", "(Jacobian, not element-wise)"),
    "maxout": ("max over the pieces of each unit", "1 for the winning piece, else 0"),
}

LOSS_FORMULAS = {
    "mse": ("MSE = (1/N) Σ (ŷ − y)²", "2(ŷ − y)/N"),
    "mae": ("MAE = (1/N) Σ |ŷ − y|", "sign(ŷ − y)/N"),
    "bce": ("BCE = −(1/N) Σ y·log ŷ + (1 − y)·log(1 − ŷ)", "(ŷ − y)/(ŷ(1 − ŷ)·N)"),
    "cce": ("CCE = −(1/S) Σᵢ Σⱼ yᵢⱼ·log ŷᵢⱼ", "−y/(ŷ·S)"),
}


def sup(n: int | str) -> str:
    """Superscript digits: 2 → ²."""
    return str(n).translate(_SUP)


def fmt_number(v: float, digits: int) -> str:
    return f"{v:.{digits}g}"


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


def _forward(t: LayerTrace, last: bool, digits: int) -> list[str]:
    l, p = sup(t.layer), sup(t.layer - 1)
    f, _ = ACTIVATION_FORMULAS[t.activation]
    role = "output layer, ŷ = a" + l if last else "hidden layer"
    lines = [f"  Layer {t.layer} · {t.activation} · {role}"]
    lines.append(_term(f"W{l}", "", t.W, digits, "units × inputs"))
    lines.append(_term(f"b{l}", "", t.b, digits))
    lines.append(_term(f"z{l}", f"W{l}·a{p} + b{l}", t.z, digits))
    pre = f"z{l}"
    if t.z_norm is not None:
        lines.append(_term(f"γ{l}", "", t.extra.get("gamma"), digits))
        lines.append(_term(f"β{l}", "", t.extra.get("beta"), digits))
        lines.append(_term(f"ẑ{l}", f"γ{l} ⊙ (z{l} − μ)/√(σ² + ε) + β{l}  [{t.norm} norm]", t.z_norm, digits))
        pre = f"ẑ{l}"
    lines.append(_term(f"a{l}", f"f({pre}), f(z) = {f}", t.a, digits))
    if t.mask is not None:
        lines.append(_term(f"m{l}", "dropout mask / (1 − p)", t.mask, digits, f"the next layer reads a{l} ⊙ m{l}"))
    return lines


def _backward(t: LayerTrace, trace: StepTrace, last: bool, digits: int) -> list[str]:
    l, p, n = sup(t.layer), sup(t.layer - 1), sup(t.layer + 1)
    _, fprime = ACTIVATION_FORMULAS[t.activation]
    pre = "ẑ" if t.z_norm is not None else "z"
    lines = [f"  Layer {t.layer}"]
    if last:
        _, dloss = LOSS_FORMULAS[trace.loss_name]
        lines.append(_term(f"∂L/∂a{l} = ∂L/∂ŷ", dloss, t.dL_da, digits))
    else:
        note = f"computed at layer {t.layer + 1}, reused" + (" then ⊙ dropout mask" if t.mask is not None else "")
        lines.append(_term(f"∂L/∂a{l}", f"W{n}ᵀ·δ{n}", t.dL_da, digits, note))
    if t.da_dz is not None:
        lines.append(_term(f"f'({pre}{l})", fprime, t.da_dz, digits))
    d_name = f"∂L/∂{pre}{l}" if t.z_norm is not None else f"δ{l}"
    d_value = t.dL_dznorm if t.z_norm is not None else t.delta
    if last and trace.fused:
        lines.append(_term(d_name, f"(ŷ − y)/N  [{t.activation} + {trace.loss_name}, fused]", d_value, digits))
    elif t.da_dz is not None:
        lines.append(_term(d_name, f"∂L/∂a{l} ⊙ f'({pre}{l})", d_value, digits))
    else:
        lines.append(_term(d_name, f"∂a{l}/∂{pre}{l} applied to ∂L/∂a{l}", d_value, digits))
    if t.z_norm is not None:
        lines.append(_term(f"δ{l}", f"∂L/∂z{l}, back through the {t.norm} norm", t.delta, digits))
        lines.append(_term(f"∂L/∂γ{l}", f"Σ ∂L/∂ẑ{l} ⊙ (z{l} − μ)/σ", t.extra_grads.get("gamma"), digits))
        lines.append(_term(f"∂L/∂β{l}", f"Σ ∂L/∂ẑ{l}", t.extra_grads.get("beta"), digits))
    reg = " + λ₂W + λ₁sign(W)" if trace.penalty else ""
    lines.append(_term(f"∂L/∂W{l}", f"δ{l}·a{p}ᵀ{reg}", t.dL_dW, digits, "summed over the batch" if len(t.delta) > 1 else ""))
    lines.append(_term(f"∂L/∂b{l}", f"δ{l}", t.dL_db, digits))
    down = f"passed down to layer {t.layer - 1}" if t.layer > 1 else "∂L/∂x, the inputs' sensitivity"
    lines.append(_term(f"W{l}ᵀ·δ{l}", "", t.dL_dinput, digits, down))
    return lines


STATE_SYMBOLS = {"velocity": "v", "square_avg": "s", "sum": "s", "exp_avg": "m", "exp_avg_sq": "v"}


def _update(trace: StepTrace, digits: int) -> list[str]:
    lines = [f"Update · {trace.optimizer} · α = {fmt_number(trace.learning_rate, digits)} · {FORMULAS[trace.optimizer]}"]
    if trace.optimizer != "sgd":
        lines.append(f"  (step t = {trace.optimizer_step}; the optimizer's state after this step is shown under each W)")
    rule = "w_old − α·∂L/∂w" if trace.optimizer == "sgd" else "the rule above"
    index = 0
    for t in trace.layers:
        l = sup(t.layer)
        for name in t.after:
            label = {"W": f"W{l}", "b": f"b{l}", "gamma": f"γ{l}", "beta": f"β{l}"}[name]
            lines.append(_term(f"{label}_new", rule if name in ("W", "b") else "", t.after[name], digits))
            state = trace.optimizer_state[index] if index < len(trace.optimizer_state) else {}
            if name == "W":
                for key, value in state.items():
                    lines.append(_term(f"{STATE_SYMBOLS.get(key, key)}({label})", "", value, digits, key))
            index += 1
    return lines


def loss_lines(trace: StepTrace, digits: int) -> list[str]:
    """The loss stage: targets, the loss formula and its value (and the penalty)."""
    formula, dloss = LOSS_FORMULAS[trace.loss_name]
    out = [_term("y", "", trace.targets, digits, "targets", indent=2)]
    line = f"  L = {formula} = {fmt_number(trace.data_loss, digits)}"
    if trace.penalty:
        line += f"; + penalty (λ₂/2)ΣW² + λ₁Σ|W| = {fmt_number(trace.penalty, digits)} → L = {fmt_number(trace.loss, digits)}"
    out.append(line)
    last = trace.layers[-1]
    out.append(_term("∂L/∂ŷ", dloss, last.dL_da, digits, indent=2))
    return out


def stage_lines(trace: StepTrace, stage: tuple[str, int], digits: int = 6) -> list[str]:
    """The lines of one stage: ("forward", l), ("loss", 0), ("backward", l) or ("update", 0)."""
    kind, layer = stage
    last = len(trace.layers)
    if kind == "forward":
        lines = [_term("x = a⁰", "", trace.inputs, digits, indent=2)] if layer == 1 else []
        return lines + _forward(trace.layers[layer - 1], layer == last, digits)
    if kind == "loss":
        return loss_lines(trace, digits)
    if kind == "backward":
        return _backward(trace.layers[layer - 1], trace, layer == last, digits)
    if kind == "update":
        return _update(trace, digits)
    raise ValueError(f"unknown stage {stage!r}")


def render_plain(trace: StepTrace, digits: int = 6, header: str = "") -> str:
    """The whole step as text: forward, loss, backward, update."""
    S = len(trace.inputs)
    out = []
    if header:
        out.append(header)
    out.append(f"{S} sample{'s' if S != 1 else ''}" + (" (rows are samples)" if S > 1 else ""))
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
