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

The last two axes are always (samples, outputs); leading axes are models (the batched
engine stacks ``(models, S, outputs)``), so N and S are counted from the last two axes
and every model's gradient is the one its own 2-D arrays give. ``values`` and
``fused_values`` return one loss per model from the same per-element terms ``value``
and ``fused_value`` sum.

``value`` and ``fused_value`` sum with ``np.add.reduce(terms, axis=None)``: that is what
``terms.sum()`` calls, without the Python wrapper ``ndarray.sum`` goes through first (every
training step computes a loss, and on a small net that wrapper is a measurable part of the
step; the number is the same).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

Array = np.ndarray

#: PyTorch's BCELoss clamps log(p) at −100; we do the same for the unfused path.
LOG_FLOOR = -100.0
#: PyTorch's BCELoss backward divides by max(p(1−p), 1e-12).
BCE_EPS = 1e-12


def _elements(a: Array) -> int:
    """N of an element mean: samples × outputs of one model (the last two axes)."""
    return a.shape[-2] * a.shape[-1]


def _samples(a: Array) -> int:
    """S of a per-sample mean: the samples of one model (the second-to-last axis)."""
    return a.shape[-2]


class Loss(ABC):
    """A loss L(ŷ, y) averaged as described in the module docstring."""

    name = ""
    #: Name of the output activation this loss fuses with (None: never fused).
    fused_activation: str | None = None
    #: −1 where the terms are log-likelihoods and the loss is their negated mean.
    sign = 1.0
    #: The same for the fused terms (BCE's fused terms are already the positive softplus form).
    fused_sign = 1.0

    @staticmethod
    def count(a: Array) -> int:
        """The normaliser of the mean for one model's (S, outputs) block."""
        return _elements(a)

    @abstractmethod
    def terms(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        """The per-element terms that ``value`` sums (weighted by ``w``), before sign and 1/N."""

    def fused_terms(self, z: Array, y: Array, w: Array | None = None) -> Array:
        """The per-element terms that ``fused_value`` sums, before sign and 1/N."""
        raise TypeError(f"{self.name} is not fused with an activation")

    def values(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        """One loss per model for stacked (models, S, outputs) arrays: ``value`` of each model."""
        return self.sign * self.terms(yhat, y, w).sum(axis=(-2, -1)) / self.count(yhat)

    def fused_values(self, z: Array, y: Array, w: Array | None = None) -> Array:
        """One fused loss per model for stacked (models, S, outputs) arrays: ``fused_value`` of each model."""
        return self.fused_sign * self.fused_terms(z, y, w).sum(axis=(-2, -1)) / self.count(z)

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

    def terms(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        d = yhat - y
        return d * d if w is None else w * d * d

    def value(self, yhat: Array, y: Array, w: Array | None = None) -> float:
        if w is not None:
            return float(np.add.reduce(self.terms(yhat, y, w), axis=None)) / _elements(yhat)
        d = yhat - y
        return float(np.vdot(d, d)) / d.size  # vdot: the playground's hot path, faster than summing d*d

    def gradient(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = (2.0 / _elements(yhat)) * (yhat - y)
        return g if w is None else w * g


class MAE(Loss):
    """MAE = (1/N) Σ |ŷ − y|; ∂/∂ŷ = sign(ŷ − y)/N (0 where ŷ = y, as PyTorch)."""

    name = "mae"

    def terms(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        d = np.abs(yhat - y)
        return d if w is None else w * d

    def value(self, yhat: Array, y: Array, w: Array | None = None) -> float:
        return float(np.add.reduce(self.terms(yhat, y, w), axis=None)) / _elements(yhat)

    def gradient(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = np.sign(yhat - y) / _elements(yhat)
        return g if w is None else w * g


class BCE(Loss):
    """BCE = −(1/N) Σ y log ŷ + (1 − y) log(1 − ŷ), ŷ a probability."""

    name = "bce"
    fused_activation = "sigmoid"
    sign = -1.0

    def terms(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(yhat), LOG_FLOOR)
            log_q = np.maximum(np.log1p(-yhat), LOG_FLOOR)
        terms = y * log_p + (1.0 - y) * log_q
        return terms if w is None else w * terms

    def value(self, yhat: Array, y: Array, w: Array | None = None) -> float:
        return -float(np.add.reduce(self.terms(yhat, y, w), axis=None)) / _elements(yhat)

    def gradient(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = (yhat - y) / np.maximum(yhat * (1.0 - yhat), BCE_EPS) / _elements(yhat)
        return g if w is None else w * g

    def fused_terms(self, z: Array, y: Array, w: Array | None = None) -> Array:
        # −[y log σ(z) + (1−y) log(1−σ(z))] = softplus(z) − y·z, softplus computed stably.
        terms = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z
        return terms if w is None else w * terms

    def fused_value(self, z: Array, y: Array, w: Array | None = None) -> float:
        return float(np.add.reduce(self.fused_terms(z, y, w), axis=None)) / _elements(z)

    def fused_delta(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = (yhat - y) / _elements(yhat)
        return g if w is None else w * g


class CCE(Loss):
    """CCE = −(1/S) Σᵢ Σⱼ yᵢⱼ log ŷᵢⱼ over S samples and C classes."""

    name = "cce"
    fused_activation = "softmax"
    sign = -1.0
    fused_sign = -1.0

    @staticmethod
    def count(a: Array) -> int:
        return _samples(a)

    def terms(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(yhat), LOG_FLOOR)
        terms = y * log_p
        return terms if w is None else w * terms

    def value(self, yhat: Array, y: Array, w: Array | None = None) -> float:
        return -float(np.add.reduce(self.terms(yhat, y, w), axis=None)) / _samples(yhat)

    def gradient(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        g = -y / np.maximum(yhat, BCE_EPS) / _samples(yhat)
        return g if w is None else w * g

    def fused_terms(self, z: Array, y: Array, w: Array | None = None) -> Array:
        shifted = z - z.max(axis=-1, keepdims=True)
        terms = y * (shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))
        return terms if w is None else w * terms

    def fused_value(self, z: Array, y: Array, w: Array | None = None) -> float:
        return -float(np.add.reduce(self.fused_terms(z, y, w), axis=None)) / _samples(z)

    def fused_delta(self, yhat: Array, y: Array, w: Array | None = None) -> Array:
        # Exact for any targets: ∂L/∂z = (ŷ·Σⱼyⱼ − y)/S, which is (ŷ − y)/S for one-hot y.
        g = (yhat * y.sum(axis=-1, keepdims=True) - y) / _samples(yhat)
        return g if w is None else w * g


LOSSES = ("mse", "mae", "bce", "cce")


def make_loss(name: str) -> Loss:
    """Build a loss by its spec name."""
    table = {"mse": MSE, "mae": MAE, "bce": BCE, "cce": CCE}
    if name not in table:
        raise ValueError(f"unknown loss {name!r}")
    return table[name]()
