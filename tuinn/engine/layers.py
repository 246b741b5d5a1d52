"""A fully connected layer: z = W·x + b, optional normalisation, a = f(z), dropout.

Shapes follow the lecture: W is (units, inputs) so that z = W·x + b for one sample x.
The engine works on a batch of S samples stored as rows, so the code computes
Z = X·Wᵀ + b with X of shape (S, inputs) and Z of shape (S, units); every term the
step-through shows is (S, columns).

Forward caches what backward needs and backward leaves every chain-rule term on the
layer as an attribute; :data:`TERMS` lists them in one place (the way TF Playground's
nn.ts declares a node's fields), and a trace reads that list to copy them. Keeping them
costs one attribute store each; a trace copies them only when it is asked for, so
training with tracing off pays nothing for it.

Evaluation has its own pass, :meth:`Dense.forward_eval` / :meth:`Dense.backward_eval`:
no dropout, batch norm's running statistics, and nothing stored on the layer (so an
analysis can run beside a training step without overwriting its terms).

Order inside the layer (the same in the torch backend):
``x → z = x·Wᵀ + b → z_norm = norm(z) → a = f(z_norm) → out = a ⊙ mask/(1−p)``.
Dropout is inverted dropout on the layer's output, active only in training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from tuinn.engine.activations import Activation
from tuinn.engine.normalization import BatchNorm, LayerNorm

Array = np.ndarray


@dataclass(frozen=True)
class Term:
    """One chain-rule term a layer keeps after a training step."""

    name: str  #: the trace's name for it (a :class:`~tuinn.engine.trace.LayerTrace` field, a ``tuinn step --json`` key)
    attr: str  #: the :class:`Dense` attribute that holds it
    symbol: str  #: the lecture's notation
    shape: str  #: (S, ·) per sample of the batch, or the parameter's shape
    meaning: str
    per_sample: bool = True  #: one row per sample (a step-through can show a single sample's row)
    norm_only: bool = False  #: exists only when the layer normalises z (otherwise it is z itself, or δ)


#: Every term of one layer, in the order forward then backward computes it (S samples;
#: rows of W = units, or units·pieces for maxout). One line per term:
#: trace name, attribute on Dense, the lecture's symbol, shape, meaning.
TERMS: tuple[Term, ...] = (
    Term("input",     "x",         "aˡ⁻¹",                  "(S, inputs)",    "the layer's input (a⁰ = the inputs x)"),
    Term("z",         "z",         "zˡ = Wˡ·aˡ⁻¹ + bˡ",     "(S, rows)",      "pre-activation"),
    Term("z_norm",    "z_norm",    "ẑˡ = γ ⊙ norm(zˡ) + β", "(S, rows)",      "normalised pre-activation",                    norm_only=True),
    Term("a",         "a",         "aˡ = f(ẑˡ)",            "(S, units)",     "activation, before dropout"),
    Term("mask",      "mask",      "mˡ",                    "(S, units)",     "dropout mask m/(1 − p); None without dropout"),
    Term("dL_da",     "dL_da",     "∂L/∂aˡ",                "(S, units)",     "gradient at the output (already ⊙ mask)"),
    Term("da_dz",     "da_dz",     "f′(ẑˡ)",                "(S, rows)",      "f's derivative; None if f is not elementwise"),
    Term("dL_dznorm", "dL_dznorm", "∂L/∂ẑˡ",                "(S, rows)",      "gradient at the norm's output",                norm_only=True),
    Term("delta",     "delta",     "δˡ = ∂L/∂zˡ",           "(S, rows)",      "the error term, reused by the layer below"),
    Term("dL_dW",     "dW",        "∂L/∂Wˡ = δˡᵀ·aˡ⁻¹",     "(rows, inputs)", "weight gradient, with λ₂·W + λ₁·sign(W)",      per_sample=False),
    Term("dL_db",     "db",        "∂L/∂bˡ = Σₛ δˡ",        "(rows,)",        "bias gradient (exactly 0 under batch norm)",   per_sample=False),
    Term("dL_dinput", "dL_dx",     "Wˡᵀδˡ = ∂L/∂aˡ⁻¹",      "(S, inputs)",    "upstream gradient handed to the layer below"),
)

#: Names of the terms with one row per sample.
BATCH_TERMS: tuple[str, ...] = tuple(t.name for t in TERMS if t.per_sample)


class EvalTerms(NamedTuple):
    """What an evaluation-mode forward of one layer produces and its backward needs."""

    z_norm: Array  #: ẑ (z itself without a norm)
    a: Array  #: f(ẑ)
    norm_saved: Any  #: what the norm's ``backward_eval`` needs (None for batch norm or no norm)


class Dense:
    """One layer with parameters; gradients are written into preallocated arrays.

    The chain-rule terms it holds after a training step are the attributes named in
    :data:`TERMS` (x, z, z_norm, a, mask, dL_da, da_dz, dL_dznorm, delta, dW, db, dL_dx).
    """

    def __init__(
        self,
        W: Array,
        b: Array,
        activation: Activation,
        norm: BatchNorm | LayerNorm | None = None,
        dropout: float = 0.0,
    ) -> None:
        self.W = W
        self.b = b
        self.activation = activation
        self.norm = norm
        self.dropout = dropout
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)
        # The other terms of TERMS: None until the first training forward/backward.
        self.x: Array | None = None
        self.z: Array | None = None
        self.z_norm: Array | None = None
        self.a: Array | None = None
        self.mask: Array | None = None
        self.dL_da: Array | None = None
        self.da_dz: Array | None = None
        self.dL_dznorm: Array | None = None
        self.delta: Array | None = None
        self.dL_dx: Array | None = None

    @property
    def units(self) -> int:
        """Number of outputs a (maxout layers have more rows in W than outputs)."""
        return self.W.shape[0] // self.activation.units_in(1)

    def parameters(self) -> list[tuple[str, Array, Array]]:
        """(name, value, gradient) triples in a fixed order: W, b, then γ, β if normed."""
        params = [("W", self.W, self.dW), ("b", self.b, self.db)]
        if self.norm is not None:
            params += [("gamma", self.norm.gamma, self.norm.dgamma), ("beta", self.norm.beta, self.norm.dbeta)]
        return params

    # ------------------------------------------------- training: forward, backward
    def _affine(self, x: Array) -> Array:
        """z = x·Wᵀ + b for a batch x (S, inputs)."""
        z = x @ self.W.T
        z += self.b
        return z

    def forward(self, x: Array, train: bool = False, rng: np.random.Generator | None = None) -> Array:
        """Output of the layer for a batch x (S, inputs); in training, caches the terms of :data:`TERMS`.

        Not training, it is :meth:`forward_eval`'s a (one evaluation pass, not two).
        """
        if not train:
            return self.forward_eval(x).a
        z = self._affine(x)
        zn = z if self.norm is None else self.norm.forward(z, True)
        a = self.activation.forward(zn)
        out = a
        self.x, self.z, self.z_norm, self.a = x, z, zn, a
        if self.dropout > 0.0:
            assert rng is not None, "dropout in training needs a random generator"
            keep = 1.0 - self.dropout
            self.mask = (rng.random(a.shape) < keep) / keep
            out = a * self.mask
        else:
            self.mask = None
        return out

    def backward(self, dL_dout: Array | None, delta_norm: Array | None = None, need_input_grad: bool = True) -> Array | None:
        """Back-propagate through the layer; returns ∂L/∂x = δ·W (the upstream Wᵀδ).

        Normally called with ∂L/∂out. For a loss fused with the output activation the
        network passes ``delta_norm`` = ∂L/∂z_norm directly; ∂L/∂a and f'(z) are then
        left as None and a trace computes them for display only.
        """
        if delta_norm is None:
            dL_da = dL_dout if self.mask is None else dL_dout * self.mask
            dzn, da_dz = self.activation.backward(self.z_norm, self.a, dL_da)
        else:
            dL_da = da_dz = None
            dzn = delta_norm
        delta = dzn if self.norm is None else self.norm.backward(dzn)
        self.dL_da, self.da_dz, self.dL_dznorm, self.delta = dL_da, da_dz, dzn, delta
        np.matmul(delta.T, self.x, out=self.dW)
        if self.norm is not None and self.norm.kind == "batch":
            # Batch norm subtracts the batch mean of z, so b cancels: ∂L/∂b is exactly 0.
            # Summing δ would give rounding noise (~1e-17) that adaptive optimizers
            # (Adam, RMSprop, Adagrad divide by √Σg²) blow up into real steps of b.
            self.db[...] = 0.0
        else:
            np.add.reduce(delta, axis=0, out=self.db)  # = delta.sum(axis=0), without ndarray.sum's Python wrapper (a step's hot path)
        if need_input_grad:
            self.dL_dx = delta @ self.W
            return self.dL_dx
        self.dL_dx = None
        return None

    # ---------------------------------------------- evaluation: forward, backward
    def forward_eval(self, x: Array) -> EvalTerms:
        """Evaluation mode: no dropout, batch norm's running statistics, nothing stored on the layer."""
        z = self._affine(x)
        if self.norm is None:
            zn, saved = z, None
        else:
            zn, saved = self.norm.forward_eval(z)
        return EvalTerms(zn, self.activation.forward(zn), saved)

    def pre_activation_eval(self, x: Array) -> Array:
        """ẑ of the evaluation-mode forward, without computing f (what a fused loss reads)."""
        z = self._affine(x)
        return z if self.norm is None else self.norm.forward_eval(z)[0]

    def backward_eval(self, dL_da: Array, terms: EvalTerms) -> Array:
        """∂L/∂x of the evaluation-mode forward that gave ``terms``; stores no gradient on the layer."""
        dzn, _ = self.activation.backward(terms.z_norm, terms.a, dL_da)
        dz = dzn if self.norm is None else self.norm.backward_eval(dzn, terms.norm_saved)
        return dz @ self.W
