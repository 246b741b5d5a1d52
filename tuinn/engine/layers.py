"""A fully connected layer: z = W·x + b, optional normalisation, a = f(z), dropout.

Shapes follow the lecture: W is (units, inputs) so that z = W·x + b for one sample x.
The engine works on a batch of S samples stored as rows, so the code computes
Z = X·Wᵀ + b with X of shape (S, inputs) and Z of shape (S, units); every term the
step-through shows is (S, columns).

Forward caches what backward needs and backward leaves every chain-rule term on the
layer as an attribute (``dL_da``, ``da_dz``, ``delta``, ``dW``, …). Keeping them costs
one attribute store each; a trace copies them only when it is asked for, so training
with tracing off pays nothing for it.

Order inside the layer (the same in the torch backend):
``x → z = x·Wᵀ + b → z_norm = norm(z) → a = f(z_norm) → out = a ⊙ mask/(1−p)``.
Dropout is inverted dropout on the layer's output, active only in training.
"""

from __future__ import annotations

import numpy as np

from tuinn.engine.activations import Activation
from tuinn.engine.normalization import BatchNorm, LayerNorm

Array = np.ndarray


class Dense:
    """One layer with parameters; gradients are written into preallocated arrays."""

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
        self.mask: Array | None = None
        self.z_norm: Array | None = None
        self.dL_dznorm: Array | None = None

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

    # ----------------------------------------------------------------- forward
    def forward(self, x: Array, train: bool = False, rng: np.random.Generator | None = None) -> Array:
        """Output of the layer for a batch x (S, inputs); caches terms when ``train``."""
        z = x @ self.W.T
        z += self.b
        zn = z if self.norm is None else self.norm.forward(z, train)
        a = self.activation.forward(zn)
        out = a
        if train:
            self.x, self.z, self.z_norm, self.a = x, z, zn, a
            if self.dropout > 0.0:
                assert rng is not None, "dropout in training needs a random generator"
                keep = 1.0 - self.dropout
                self.mask = (rng.random(a.shape) < keep) / keep
                out = a * self.mask
            else:
                self.mask = None
        return out

    # ---------------------------------------------------------------- backward
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
            delta.sum(axis=0, out=self.db)
        if need_input_grad:
            self.dL_dx = delta @ self.W
            return self.dL_dx
        self.dL_dx = None
        return None
