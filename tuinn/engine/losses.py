"""Loss functions: the value and ∂L/∂ŷ side by side, in the lecture's formulas.

Every loss is a mean, so that the numbers match PyTorch and Keras:
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
    def value(self, yhat: Array, y: Array) -> float:
        """L(ŷ, y) as a Python float."""

    @abstractmethod
    def gradient(self, yhat: Array, y: Array) -> Array:
        """∂L/∂ŷ, same shape as ŷ (the 1/N of the mean included)."""

    def fused_value(self, z: Array, y: Array) -> float:
        """L computed from the output pre-activation z (only for fused pairs)."""
        raise TypeError(f"{self.name} is not fused with an activation")

    def fused_delta(self, yhat: Array, y: Array) -> Array:
        """δ = ∂L/∂z for the fused pair (only for fused pairs)."""
        raise TypeError(f"{self.name} is not fused with an activation")


class MSE(Loss):
    """MSE = (1/N) Σ (ŷ − y)²; ∂/∂ŷ = 2(ŷ − y)/N."""

    name = "mse"

    def value(self, yhat: Array, y: Array) -> float:
        d = yhat - y
        return float(np.vdot(d, d)) / d.size

    def gradient(self, yhat: Array, y: Array) -> Array:
        return (2.0 / yhat.size) * (yhat - y)


class MAE(Loss):
    """MAE = (1/N) Σ |ŷ − y|; ∂/∂ŷ = sign(ŷ − y)/N (0 where ŷ = y, as PyTorch)."""

    name = "mae"

    def value(self, yhat: Array, y: Array) -> float:
        return float(np.abs(yhat - y).sum()) / yhat.size

    def gradient(self, yhat: Array, y: Array) -> Array:
        return np.sign(yhat - y) / yhat.size


class BCE(Loss):
    """BCE = −(1/N) Σ y log ŷ + (1 − y) log(1 − ŷ), ŷ a probability."""

    name = "bce"
    fused_activation = "sigmoid"

    def value(self, yhat: Array, y: Array) -> float:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(yhat), LOG_FLOOR)
            log_q = np.maximum(np.log1p(-yhat), LOG_FLOOR)
        return -float((y * log_p + (1.0 - y) * log_q).sum()) / yhat.size

    def gradient(self, yhat: Array, y: Array) -> Array:
        return (yhat - y) / np.maximum(yhat * (1.0 - yhat), BCE_EPS) / yhat.size

    def fused_value(self, z: Array, y: Array) -> float:
        # −[y log σ(z) + (1−y) log(1−σ(z))] = softplus(z) − y·z, softplus computed stably.
        softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
        return float((softplus - y * z).sum()) / z.size

    def fused_delta(self, yhat: Array, y: Array) -> Array:
        return (yhat - y) / yhat.size


class CCE(Loss):
    """CCE = −(1/S) Σᵢ Σⱼ yᵢⱼ log ŷᵢⱼ over S samples and C classes."""

    name = "cce"
    fused_activation = "softmax"

    def value(self, yhat: Array, y: Array) -> float:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(yhat), LOG_FLOOR)
        return float(-(y * log_p).sum() / yhat.shape[0])

    def gradient(self, yhat: Array, y: Array) -> Array:
        return -y / np.maximum(yhat, BCE_EPS) / yhat.shape[0]

    def fused_value(self, z: Array, y: Array) -> float:
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(-(y * log_p).sum() / z.shape[0])

    def fused_delta(self, yhat: Array, y: Array) -> Array:
        # Exact for any targets: ∂L/∂z = (ŷ·Σⱼyⱼ − y)/S, which is (ŷ − y)/S for one-hot y.
        return (yhat * y.sum(axis=1, keepdims=True) - y) / yhat.shape[0]


LOSSES = ("mse", "mae", "bce", "cce")


def make_loss(name: str) -> Loss:
    """Build a loss by its spec name."""
    table = {"mse": MSE, "mae": MAE, "bce": BCE, "cce": CCE}
    if name not in table:
        raise ValueError(f"unknown loss {name!r}")
    return table[name]()
