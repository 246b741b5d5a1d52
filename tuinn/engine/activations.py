"""Activation functions, each with its forward and its derivative side by side.

Notation follows the lecture: ``a = f(z)``. ``derivative(z, a)`` returns the
element-wise f'(z) (the ∂a/∂z term of the chain rule); it receives ``a`` as well
because for sigmoid and tanh the derivative is cheapest from the output.

Two activations are not element-wise and override ``backward`` instead:
- softmax couples the units of a sample (its Jacobian is not diagonal), so f'(z) is not
  a vector; with categorical cross-entropy the network skips it and uses the fused
  δ = (ŷ − y)/S (see ``losses.py``).
- maxout takes the max over ``pieces`` linear pieces per unit, so z has units·pieces
  columns (pieces grouped per unit) and a has units columns; its "f'(z)" is the 0/1
  mask of the winning piece.

Every function here also takes arrays with leading axes before (samples, columns) — the
batched engine's ``(models, samples, columns)`` — and gives each model exactly what it
gives that model's own 2-D array: softmax and maxout work on the last axis.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

Array = np.ndarray


class Activation(ABC):
    """Element-wise activation; subclasses define ``forward`` and ``derivative``."""

    name = ""
    #: True when f'(z) is an element-wise array of the same shape as z.
    elementwise = True

    @abstractmethod
    def forward(self, z: Array) -> Array:
        """a = f(z)."""

    @abstractmethod
    def derivative(self, z: Array, a: Array) -> Array:
        """f'(z), element-wise, given z and a = f(z)."""

    def backward(self, z: Array, a: Array, dL_da: Array) -> tuple[Array, Array | None]:
        """Return (∂L/∂z, f'(z)) given ∂L/∂a; f'(z) is None where it is not a vector."""
        da_dz = self.derivative(z, a)
        return dL_da * da_dz, da_dz

    def units_in(self, units: int) -> int:
        """Columns of z for a layer of ``units`` outputs (maxout needs more)."""
        return units


class Sigmoid(Activation):
    """σ(z) = 1/(1+e^−z); σ' = σ(1−σ).

    z is clipped at −709 (where e^709 is still finite) instead of silencing the overflow
    warning with ``np.errstate``, which costs more than the clip on small arrays; below
    −709 the true σ is under 1e-308 anyway.
    """

    name = "sigmoid"

    def forward(self, z: Array) -> Array:
        return 1.0 / (1.0 + np.exp(-np.maximum(z, -709.0)))

    def derivative(self, z: Array, a: Array) -> Array:
        return a * (1.0 - a)


class Tanh(Activation):
    """tanh(z); tanh' = 1 − tanh²."""

    name = "tanh"

    def forward(self, z: Array) -> Array:
        return np.tanh(z)

    def derivative(self, z: Array, a: Array) -> Array:
        return 1.0 - a * a

    def backward(self, z: Array, a: Array, dL_da: Array) -> tuple[Array, Array | None]:
        da_dz = 1.0 - a * a
        return dL_da * da_dz, da_dz


class ReLU(Activation):
    """max(0, z); derivative 0 at z = 0 (PyTorch's convention)."""

    name = "relu"

    def forward(self, z: Array) -> Array:
        return np.maximum(z, 0.0)

    def derivative(self, z: Array, a: Array) -> Array:
        return (z > 0).astype(z.dtype)


class LeakyReLU(Activation):
    """max(slope·z, z) with slope 0.1 by default (the lecture's max(0.1x, x)).

    PyTorch's ``negative_slope`` is the same parameter; derivative is ``slope`` at z = 0.
    """

    name = "leaky_relu"

    def __init__(self, slope: float = 0.1) -> None:
        self.slope = slope

    def forward(self, z: Array) -> Array:
        return np.where(z > 0, z, self.slope * z)

    def derivative(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, self.slope).astype(z.dtype, copy=False)


class ELU(Activation):
    """z for z > 0, α(e^z − 1) otherwise (α = 1); derivative a + α below zero."""

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, z: Array) -> Array:
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def derivative(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, a + self.alpha).astype(z.dtype, copy=False)


class Linear(Activation):
    """Identity: a stack of these collapses into one linear layer (the lecture's point)."""

    name = "linear"

    def forward(self, z: Array) -> Array:
        return z

    def derivative(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def backward(self, z: Array, a: Array, dL_da: Array) -> tuple[Array, Array | None]:
        return dL_da, np.ones_like(z)


class Softmax(Activation):
    """softmax over the units of each sample, shifted by the row max for stability."""

    name = "softmax"
    elementwise = False

    def forward(self, z: Array) -> Array:
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def derivative(self, z: Array, a: Array) -> Array:
        raise TypeError("softmax has no element-wise derivative; use backward()")

    def backward(self, z: Array, a: Array, dL_da: Array) -> tuple[Array, Array | None]:
        # Jacobian-vector product: ∂L/∂z_j = a_j (∂L/∂a_j − Σ_k ∂L/∂a_k a_k).
        return a * (dL_da - (dL_da * a).sum(axis=-1, keepdims=True)), None


class Maxout(Activation):
    """max over ``pieces`` linear pieces per unit (the lecture's max(w₁ᵀx+b₁, w₂ᵀx+b₂)).

    z has shape (batch, units·pieces) (or leading model axes before it) with the pieces of unit j in columns
    j·pieces … j·pieces+pieces−1. Ties go to the first piece (as ``argmax`` and
    PyTorch's ``max`` do), so the gradient flows to exactly one piece per unit.
    """

    name = "maxout"
    elementwise = False

    def __init__(self, pieces: int = 2) -> None:
        self.pieces = pieces

    def units_in(self, units: int) -> int:
        return units * self.pieces

    def forward(self, z: Array) -> Array:
        return z.reshape(*z.shape[:-1], -1, self.pieces).max(axis=-1)

    def mask(self, z: Array) -> Array:
        """0/1 array shaped like z marking the winning piece of each unit."""
        grouped = z.reshape(*z.shape[:-1], -1, self.pieces)
        winner = grouped.argmax(axis=-1)
        mask = np.zeros_like(grouped)
        np.put_along_axis(mask, winner[..., None], 1.0, axis=-1)
        return mask.reshape(z.shape)

    def derivative(self, z: Array, a: Array) -> Array:
        return self.mask(z)

    def backward(self, z: Array, a: Array, dL_da: Array) -> tuple[Array, Array | None]:
        mask = self.mask(z)
        return np.repeat(dL_da, self.pieces, axis=-1) * mask, mask


ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear", "softmax", "maxout")


def make_activation(name: str, *, slope: float = 0.1, alpha: float = 1.0, pieces: int = 2) -> Activation:
    """Build an activation by its spec name; parameters apply only where they mean something."""
    if name == "sigmoid":
        return Sigmoid()
    if name == "tanh":
        return Tanh()
    if name == "relu":
        return ReLU()
    if name == "leaky_relu":
        return LeakyReLU(slope)
    if name == "elu":
        return ELU(alpha)
    if name == "linear":
        return Linear()
    if name == "softmax":
        return Softmax()
    if name == "maxout":
        return Maxout(pieces)
    raise ValueError(f"unknown activation {name!r}")
