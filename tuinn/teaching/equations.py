"""One stage of a training step as the lecture writes it: the equation, then its numbers.

For the step-through screen. Every equation is written twice, as the lecture's backprop
slides do: first in symbols (``δ² = ∂L/∂ŷ ⊙ ∂ŷ/∂z²``), then the same equation with the
numbers of the step put in, matrices and column vectors laid out side by side.

Shapes follow the lecture: one sample at a time, as a column vector, so that
``z¹ = W¹·a⁰ + b¹`` holds with W¹ of shape (units, inputs) exactly as printed. The
gradients of the parameters are the batch's, written as the sums they are
(``∂L/∂b¹ = Σₛ δ¹ₛ``): each δₛ already carries the 1/N of the mean loss, so summing
over the samples gives the gradient the update uses. With one sample the sums vanish
and the slides' form is left (``∂L/∂b² = ∂L/∂ŷ ⊙ ∂ŷ/∂z² · ∂z²/∂b²``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tuinn.engine.optimizers import FORMULAS
from tuinn.engine.trace import LayerTrace, StepTrace
from tuinn.teaching.blocks import Block, fmt_number, hjoin, indent, joined, matrix, row, sup

#: f(z) and f'(z) of each activation, in the lecture's notation.
ACTIVATION_FORMULAS = {
    "sigmoid": ("σ(z) = 1/(1 + e⁻ᶻ)", "σ(z)(1 − σ(z))"),
    "tanh": ("tanh(z)", "1 − tanh²(z)"),
    "relu": ("max(0, z)", "1 if z > 0 else 0"),
    "leaky_relu": ("max(0.1z, z)", "1 if z > 0 else 0.1"),
    "elu": ("z if z > 0 else α(eᶻ − 1)", "1 if z > 0 else f(z) + α"),
    "linear": ("z", "1"),
    "softmax": ("eᶻʲ / Σₖ eᶻᵏ", "(Jacobian, not element-wise)"),
    "maxout": ("max over the pieces of each unit", "1 for the winning piece, else 0"),
}

#: The loss, its derivative ∂L/∂ŷ, and what N counts.
LOSS_FORMULAS = {
    "mse": ("MSE = (1/N) Σ (ŷ − y)²", "2(ŷ − y)/N"),
    "mae": ("MAE = (1/N) Σ |ŷ − y|", "sign(ŷ − y)/N"),
    "bce": ("BCE = −(1/N) Σ y·log ŷ + (1 − y)·log(1 − ŷ)", "(ŷ − y)/(ŷ(1 − ŷ)·N)"),
    "cce": ("CCE = −(1/S) Σₛ Σⱼ yₛⱼ·log ŷₛⱼ", "−y/(ŷ·S)"),
}

INDENT = 4


def _eq(symbols: str, numbers: Block | None = None, note: str = "") -> list[str]:
    """An equation in symbols on one line, then (indented) the same with its numbers."""
    out = [f"  {symbols}" + (f"      ({note})" if note else "")]
    if numbers is not None:
        out += indent(numbers, INDENT)
    out.append("")
    return out


def _agrees(formula: np.ndarray, engine: np.ndarray) -> bool:
    """Whether the formula written out gives the engine's numbers (else only the engine's are shown:
    an equation on screen must be one)."""
    return bool(np.shape(formula) == np.shape(engine) and np.allclose(formula, engine, rtol=1e-9, atol=1e-300))


def _n(trace: StepTrace) -> int:
    """The N of the loss' mean: every output of every sample, or the samples for CCE."""
    y = trace.targets
    return int(y.shape[0]) if trace.loss_name == "cce" else int(y.size)


def sample_header(trace: StepTrace, s: int) -> list[str]:
    """What the columns are: one sample, and where the batch's sums come in."""
    S = len(trace.inputs)
    if S == 1:
        return ["one sample, its vectors as columns; W has one row per unit (the lecture's z = W·a + b)", ""]
    return [f"sample {s + 1} of {S} (tab: next) as column vectors; W has one row per unit.",
            f"∂L/∂W, ∂L/∂b: sums over the {S} samples (Σₛ); δₛ holds the mean's 1/N.", ""]


# ----------------------------------------------------------------------------- forward
def forward(trace: StepTrace, layer: int, s: int, digits: int) -> list[str]:
    t = trace.layers[layer - 1]
    l, p = sup(layer), sup(layer - 1)
    last = layer == len(trace.layers)
    d = digits
    f, _ = ACTIVATION_FORMULAS[t.activation]
    role = f"output layer, ŷ = a{l}" if last else "hidden layer"
    out = [f"Layer {layer} · {t.activation} · {role}", ""]
    masked = layer > 1 and trace.layers[layer - 2].mask is not None
    a_in = "x, the inputs" if layer == 1 else f"the output of layer {layer - 1}" + (" ⊙ its dropout mask" if masked else "")
    out += _eq(f"z{l} = W{l}·a{p} + b{l}",
               hjoin(matrix(t.z[s], d), " = ", matrix(t.W, d), " · ", matrix(t.input[s], d), " + ", matrix(t.b, d)),
               f"a{p} = {a_in}")
    pre = f"z{l}"
    if t.z_norm is not None:
        out += _eq(f"ẑ{l} = γ{l} ⊙ (z{l} − μ)/√(σ² + ε) + β{l}   [{t.norm} norm: μ, σ over the "
                   f"{'batch' if t.norm == 'batch' else 'layer'}]",
                   hjoin(matrix(t.z_norm[s], d), " = ", matrix(t.extra["gamma"], d), " ⊙ norm(", matrix(t.z[s], d), ") + ",
                         matrix(t.extra["beta"], d)))
        pre = f"ẑ{l}"
    out += _eq(f"a{l} = f({pre}),  f(z) = {f}", hjoin(matrix(t.a[s], d), " = f(", matrix((t.z_norm if t.z_norm is not None else t.z)[s], d), ")"))
    if t.mask is not None:
        out += _eq(f"a{l} ⊙ m{l}: what layer {layer + 1} reads (m{l} = dropout mask/(1 − p))",
                   hjoin(matrix(t.a[s] * t.mask[s], d), " = ", matrix(t.a[s], d), " ⊙ ", matrix(t.mask[s], d)))
    return out


# ----------------------------------------------------------------------------- loss
def loss(trace: StepTrace, s: int, digits: int) -> list[str]:
    formula, dloss = LOSS_FORMULAS[trace.loss_name]
    d = digits
    S = len(trace.inputs)
    N = _n(trace)
    last = trace.layers[-1]
    yhat, y = last.a[s], trace.targets[s]
    n_note = "N = S, the samples" if trace.loss_name == "cce" else f"N = {N}: every output of every sample"
    out = [f"Loss · {trace.loss_name} · over the batch of {S}" if S > 1 else f"Loss · {trace.loss_name}", ""]
    value = f"L = {fmt_number(trace.data_loss, d)}"
    if trace.penalty:
        value += f" + penalty (λ₂/2)ΣW² + λ₁Σ|W| {fmt_number(trace.penalty, d)} = {fmt_number(trace.loss, d)}"
    out += _eq(f"L = {formula}", [value], n_note)
    out += _eq(f"ŷ and y of sample {s + 1}" if S > 1 else "ŷ and y", hjoin("ŷ = ", matrix(yhat, d), "   y = ", matrix(y, d)))
    g = matrix(last.dL_da[s], d)
    numbers: Block
    if trace.loss_name == "mse":
        numbers, value = hjoin(g, " = 2·(", matrix(yhat, d), " − ", matrix(y, d), f")/{N}"), 2 * (yhat - y) / N
    elif trace.loss_name == "mae":
        numbers, value = hjoin(g, " = sign(", matrix(yhat, d), " − ", matrix(y, d), f")/{N}"), np.sign(yhat - y) / N
    elif trace.loss_name == "bce":
        numbers = hjoin(g, " = (", matrix(yhat, d), " − ", matrix(y, d), ") / (", matrix(yhat * (1 - yhat), d), f"·{N})")
        value = (yhat - y) / (yhat * (1 - yhat) * N)
    else:
        numbers, value = hjoin(g, " = −", matrix(y, d), " / (", matrix(yhat, d), f"·{N})"), -y / (yhat * N)
    if not _agrees(value, last.dL_da[s]):  # class weights, or ŷ clipped away from 0 and 1: the engine's value alone
        numbers = g
    out += _eq(f"∂L/∂ŷ = {dloss}", numbers, "the start of the chain")
    return out


# ----------------------------------------------------------------------------- backward
def _batch_sum(term: Callable[[int], Block], S: int) -> list[Block | str]:
    """Σₛ written out: every term for a few samples, else the first two, …, the last
    (only the terms shown are formatted: a 200 × 100 gradient over 32 samples would take 0.3 s)."""
    if S <= 4:
        return joined([term(i) for i in range(S)], " + ")
    return [*joined([term(0), term(1)], " + "), " + … + ", term(S - 1)]


def _delta(trace: StepTrace, t: LayerTrace, s: int, digits: int) -> list[str]:
    """∂L/∂a, f'(z) and δ = ∂L/∂a ⊙ f'(z) of one layer, for sample s."""
    layer, d = t.layer, digits
    l, n = sup(layer), sup(layer + 1)
    last = layer == len(trace.layers)
    _, fprime = ACTIVATION_FORMULAS[t.activation]
    pre = "ẑ" if t.z_norm is not None else "z"
    out: list[str] = []
    if last:
        out += _eq(f"∂L/∂a{l} = ∂L/∂ŷ", matrix(t.dL_da[s], d), "from the loss stage")
    elif t.mask is not None:
        above = trace.layers[layer]
        out += _eq(f"∂L/∂a{l} = (W{n}ᵀ·δ{n}) ⊙ m{l}",
                   hjoin(matrix(t.dL_da[s], d), " = ", matrix(above.dL_dinput[s], d), " ⊙ ", matrix(t.mask[s], d)),
                   f"W{n}ᵀ·δ{n} computed at layer {layer + 1}, reused; ⊙ the dropout mask")
    else:
        out += _eq(f"∂L/∂a{l} = W{n}ᵀ·δ{n}", matrix(t.dL_da[s], d), f"computed at layer {layer + 1}, reused")
    d_name = f"∂L/∂ẑ{l}" if t.z_norm is not None else f"δ{l} = ∂L/∂z{l}"
    d_value = (t.dL_dznorm if t.z_norm is not None else t.delta)[s]
    zv = (t.z_norm if t.z_norm is not None else t.z)[s]
    if last and trace.fused:
        N = _n(trace)
        numbers = hjoin(matrix(d_value, d), " = (", matrix(t.a[s], d), " − ", matrix(trace.targets[s], d), f")/{N}")
        if not _agrees((t.a[s] - trace.targets[s]) / N, d_value):  # class weights: the engine's value alone
            numbers = matrix(d_value, d)
        out += _eq(f"{d_name} = (ŷ − y)/N   [{t.activation} + {trace.loss_name}: f'(z) cancels]", numbers, "fused")
    elif t.da_dz is not None:
        out += _eq(f"∂a{l}/∂{pre}{l} = f'({pre}{l}),  f'(z) = {fprime}", hjoin(matrix(t.da_dz[s], d), " = f'(", matrix(zv, d), ")"))
        up = t.dL_da[s]
        through = f"∂L/∂ŷ ⊙ ∂ŷ/∂{pre}{l}" if last else f"∂L/∂a{l} ⊙ ∂a{l}/∂{pre}{l}"
        if up.shape != t.da_dz[s].shape:  # maxout: a unit's ∂L/∂a goes to each of its pieces, f' picks the winner
            up = np.repeat(up, t.da_dz.shape[1] // max(1, t.dL_da.shape[1]))
            through = f"(∂L/∂a{l} copied to each piece of its unit) ⊙ ∂a{l}/∂{pre}{l}"
        if up.shape == t.da_dz[s].shape and _agrees(up * t.da_dz[s], d_value):
            out += _eq(f"{d_name} = {through}", hjoin(matrix(d_value, d), " = ", matrix(up, d), " ⊙ ", matrix(t.da_dz[s], d)))
        else:
            out += _eq(f"{d_name}", matrix(d_value, d))
    else:
        out += _eq(f"{d_name} = (∂a{l}/∂{pre}{l})ᵀ·∂L/∂a{l}   [{t.activation}: a Jacobian, not element-wise]", matrix(d_value, d))
    if t.z_norm is not None:
        out += _eq(f"δ{l} = ∂L/∂z{l}: ∂L/∂ẑ{l} back through the {t.norm} norm", matrix(t.delta[s], d))
    return out


def _gradients(trace: StepTrace, t: LayerTrace, s: int, digits: int) -> list[str]:
    """∂L/∂W = Σₛ δₛ·aₛᵀ (+ penalty) and ∂L/∂b = Σₛ δₛ, then what goes down."""
    layer, d = t.layer, digits
    l, p = sup(layer), sup(layer - 1)
    S = len(trace.inputs)
    last = layer == len(trace.layers)
    out: list[str] = []
    outer = np.outer(t.delta[s], t.input[s])
    penalty = t.dL_dW - t.delta.T @ t.input
    has_penalty = bool(trace.penalty) and bool(np.any(penalty))
    reg = f" + λ₂W{l} + λ₁sign(W{l})" if has_penalty else ""
    if S == 1:
        numbers = hjoin(matrix(t.dL_dW, d), " = ", matrix(t.delta[0], d), " · ", row(t.input[0], d))
        if has_penalty:
            numbers = hjoin(matrix(t.dL_dW, d), " = ", matrix(outer, d), " + ", matrix(penalty, d))
        out += _eq(f"∂L/∂W{l} = δ{l}·a{p}ᵀ{reg}", numbers, f"∂z{l}/∂W{l} brings in a{p}")
    else:
        out += _eq(f"δ{l}ₛ·a{p}ₛᵀ for s = {s + 1}", hjoin(matrix(outer, d), " = ", matrix(t.delta[s], d), " · ", row(t.input[s], d)),
                   f"∂z{l}/∂W{l} brings in a{p}")
        terms = _batch_sum(lambda i: matrix(np.outer(t.delta[i], t.input[i]), d), S)
        total = hjoin(matrix(t.dL_dW, d), " = ", *terms, *((" + ", matrix(penalty, d)) if has_penalty else ()))
        out += _eq(f"∂L/∂W{l} = Σₛ δ{l}ₛ·a{p}ₛᵀ{reg}", total, f"s = 1 … {S}")
    if t.norm == "batch":
        out += _eq(f"∂L/∂b{l} = Σₛ δ{l}ₛ = 0", matrix(t.dL_db, d), "batch norm subtracts the mean: b cancels")
    elif S == 1:
        chain = (f"∂L/∂b{l} = ∂L/∂ŷ ⊙ ∂ŷ/∂z{l} · ∂z{l}/∂b{l}" if last and t.da_dz is not None and t.z_norm is None and not trace.fused
                 else f"∂L/∂b{l} = δ{l} · ∂z{l}/∂b{l}")
        out += _eq(f"{chain} = δ{l} · 1", hjoin(matrix(t.dL_db, d), " = ", matrix(t.delta[0], d), " · 1"), f"∂z{l}/∂b{l} = 1")
    else:
        out += _eq(f"∂L/∂b{l} = Σₛ δ{l}ₛ", hjoin(matrix(t.dL_db, d), " = ", *_batch_sum(lambda i: matrix(t.delta[i], d), S)),
                   f"∂z{l}/∂b{l} = 1; s = 1 … {S}")
    for name in ("gamma", "beta"):
        if name in t.extra_grads:
            sym = "γ" if name == "gamma" else "β"
            formula = f"Σₛ ∂L/∂ẑ{l}ₛ ⊙ (z{l}ₛ − μ)/σ" if name == "gamma" else f"Σₛ ∂L/∂ẑ{l}ₛ"
            out += _eq(f"∂L/∂{sym}{l} = {formula}", matrix(t.extra_grads[name], d))
    down = f"handed down to layer {layer - 1}" if layer > 1 else "the inputs' sensitivity"
    out += _eq(f"{'∂L/∂x' if layer == 1 else f'∂L/∂a{p}'} = W{l}ᵀ·δ{l}",
               hjoin(matrix(t.dL_dinput[s], d), " = ", matrix(t.W.T, d), " · ", matrix(t.delta[s], d)), down)
    return out


def backward(trace: StepTrace, layer: int, s: int, digits: int) -> list[str]:
    t = trace.layers[layer - 1]
    last = layer == len(trace.layers)
    head = f"Layer {layer} · {t.activation} · " + ("the chain starts at the loss" if last else f"reusing δ{sup(layer + 1)} of layer {layer + 1}")
    return [head, "", *_delta(trace, t, s, digits), *_gradients(trace, t, s, digits)]


# ----------------------------------------------------------------------------- update
STATE_SYMBOLS = {"velocity": "v", "square_avg": "s", "sum": "s", "exp_avg": "m", "exp_avg_sq": "v"}


def update(trace: StepTrace, digits: int) -> list[str]:
    d = digits
    alpha = fmt_number(trace.learning_rate, d)
    sgd = trace.optimizer == "sgd"
    out = [f"Update · {trace.optimizer} · α = {alpha} · every parameter moves against its gradient", ""]
    if sgd:
        out += _eq("w_new = w_old − α·∂L/∂w,   b_new = b_old − α·∂L/∂b", None, "every weight w of every W, every bias b")
    else:
        out += _eq(f"{FORMULAS[trace.optimizer]}   (g = ∂L/∂w, step t = {trace.optimizer_step})",
                   None, "the optimizer's state after this step is shown under each W")
    index = 0
    for t in trace.layers:
        l = sup(t.layer)
        for name in t.after:
            label = {"W": f"W{l}", "b": f"b{l}", "gamma": f"γ{l}", "beta": f"β{l}"}[name]
            old = {"W": t.W, "b": t.b}.get(name, t.extra.get(name))
            grad = {"W": t.dL_dW, "b": t.dL_db}.get(name, t.extra_grads.get(name))
            if sgd and old is not None and grad is not None:
                out += _eq(f"{label}_new = {label}_old − α·∂L/∂{label}",
                           hjoin(matrix(t.after[name], d), " = ", matrix(old, d), f" − {alpha} · ", matrix(grad, d)))
            else:
                out += _eq(f"{label}_new", hjoin(matrix(t.after[name], d)))
            state = trace.optimizer_state[index] if index < len(trace.optimizer_state) else {}
            if name == "W":
                for key, value in state.items():
                    out += _eq(f"{STATE_SYMBOLS.get(key, key)}({label}), the {key}", matrix(value, d))
            index += 1
    return out


def stage_equations(trace: StepTrace, stage: tuple[str, int], s: int = 0, digits: int = 6) -> list[str]:
    """The lines of one stage for sample ``s``: ("forward", l), ("loss", 0), ("backward", l), ("update", 0)."""
    kind, layer = stage
    if kind == "forward":
        body = forward(trace, layer, s, digits)
    elif kind == "loss":
        body = loss(trace, s, digits)
    elif kind == "backward":
        body = backward(trace, layer, s, digits)
    elif kind == "update":
        body = update(trace, digits)
    else:
        raise ValueError(f"unknown stage {stage!r}")
    lines = (sample_header(trace, s) if kind != "update" else []) + body
    while lines and not lines[-1]:
        lines.pop()
    return lines
