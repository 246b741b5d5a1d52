"""Loss functions: the value and ∂L/∂ŷ side by side, in the lecture's formulas.

Every loss is a mean, so that the numbers match PyTorch and Keras (with per-sample
weights ``w`` — class balancing — each sample's terms are multiplied by its weight and
the normaliser stays the same, as Keras' ``class_weight`` does):
- ``mse`` and ``mae`` average over all elements (batch × outputs);
- ``bce`` averages over all elements, on probabilities ŷ ∈ (0, 1);
- ``cce`` sums over the C classes and averages over the S samples.

Two pairs are *fused* with their output activation because that is both the stable way
and the textbook result: sigmoid + bce and softmax + cce give δ = ∂L/∂z = (ŷ − y)/N
directly, and their values are computed from z (log-sum-exp / softplus) so that a
saturated output gives a large finite loss instead of ``inf``. The unfused ∂L/∂ŷ is
still available (``gradient``) so the step-through can show every factor.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

Array = np.ndarray

#: PyTorch's BCELoss clamps log(p) at −100; we do the same for the unfused path.
LOG_FLOOR = -100.0
#: PyTorch's BCELoss backward divides by max(p(1−p), 1e-12).
BCE_EPS = 1e-12


class Loss(ABC):
    """A loss L(ŷ, y) averaged as described in the module docstring."""

    name = ""
    #: Name of the output activation this loss fuses with (None: never fused).
    fused_activation: str | None = None

    @abstractmethod
    def value(self, yhat: Array, y: Array, w: Array | None = None) -> float:
        """L(ŷ, y) as a Python float; ``w`` (S, 1) weighs each sample's terms."""

    @abstractmethod
    def gradient(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        """∂L/∂ŷ, same shape as ŷ (the 1/N of the mean included)."""

    def fused_value(self, z: Array, y: Array, w: Array | None = None) -> float:
        """L computed from the output pre-activation z (only for fused pairs)."""
        raise TypeError(f"{self.name} is not fused with an activation")

    def fused_delta(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        """δ = ∂L/∂z for the fused pair (only for fused pairs)."""
        raise TypeError(f"{self.name} is not fused with an activation")


class MSE(Loss):
    """MSE = (1/N) Σ (ŷ − y)²; ∂/∂ŷ = 2(ŷ − y)/N."""

    name = "mse"

    def value(self, yhat: Array, y: Array, w: Array | None = None) -> float:
        d = yhat - y
        if w is not None:
            return float((w * d * d).sum()) / d.size
        return float(np.vdot(d, d)) / d.size

    def gradient(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = (2.0 / yhat.size) * (yhat - y)
        return g if w is None else w * g


class MAE(Loss):
    """MAE = (1/N) Σ |ŷ − y|; ∂/∂ŷ = sign(ŷ − y)/N (0 where ŷ = y, as PyTorch)."""

    name = "mae"

    def value(self, yhat: Array, y: Array, w: Array | None = None) -> float:
        d = np.abs(yhat - y)
        return float((d if w is None else w * d).sum()) / yhat.size

    def gradient(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = np.sign(yhat - y) / yhat.size
        return g if w is None else w * g


class BCE(Loss):
    """BCE = −(1/N) Σ y log ŷ + (1 − y) log(1 − ŷ), ŷ a probability."""

    name = "bce"
    fused_activation = "sigmoid"

    def value(self, yhat: Array, y: Array, w: Array | None = None) -> float:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(yhat), LOG_FLOOR)
            log_q = np.maximum(np.log1p(-yhat), LOG_FLOOR)
        terms = y * log_p + (1.0 - y) * log_q
        return -float((terms if w is None else w * terms).sum()) / yhat.size

    def gradient(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = (yhat - y) / np.maximum(yhat * (1.0 - yhat), BCE_EPS) / yhat.size
        return g if w is None else w * g

    def fused_value(self, z: Array, y: Array, w: Array | None = None) -> float:
        # −[y log σ(z) + (1−y) log(1−σ(z))] = softplus(z) − y·z, softplus computed stably.
        terms = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z
        return float((terms if w is None else w * terms).sum()) / z.size

    def fused_delta(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = (yhat - y) / yhat.size
        return g if w is None else w * g


class CCE(Loss):
    """CCE = −(1/S) Σᵢ Σⱼ yᵢⱼ log ŷᵢⱼ over S samples and C classes."""

    name = "cce"
    fused_activation = "softmax"

    def value(self, yhat: Array, y: Array, w: Array | None = None) -> float:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(yhat), LOG_FLOOR)
        terms = y * log_p
        return -float((terms if w is None else w * terms).sum()) / yhat.shape[0]

    def gradient(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = -y / np.maximum(yhat, BCE_EPS) / yhat.shape[0]
        return g if w is None else w * g

    def fused_value(self, z: Array, y: Array, w: Array | None = None) -> float:
        shifted = z - z.max(axis=1, keepdims=True)
        terms = y * (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))
        return -float((terms if w is None else w * terms).sum()) / z.shape[0]

    def fused_delta(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        # Exact for any targets: ∂L/∂z = (ŷ·Σⱼyⱼ − y)/S, which is (ŷ − y)/S for one-hot y.
        g = (yhat * y.sum(axis=1, keepdims=True) - y) / yhat.shape[0]
        return g if w is None else w * g


LOSSES = ("mse", "mae", "bce", "cce")


def make_loss(name: str) -> Loss:
    """Build a loss by its spec name."""
    table = {"mse": MSE, "mae": MAE, "bce": BCE, "cce": CCE}
    if name not in table:
        raise ValueError(f"unknown loss {name!r}")
    return table[name]()
