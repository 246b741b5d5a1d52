"""Batch and layer normalisation of z, forward and backward side by side.

Both normalise the pre-activation z of a layer and then scale and shift it with
learnable γ (gamma) and β (beta), one per column, as PyTorch's ``BatchNorm1d`` and
``LayerNorm`` do (ε = 1e-5, affine):

    ẑ = (z − μ)/√(σ² + ε),   z_norm = γ ⊙ ẑ + β

They differ in what they average over: batch norm over the samples of the batch (one μ
per unit; running statistics with momentum 0.1 are kept for evaluation, the running
variance unbiased), layer norm over the units of each sample (one μ per sample; the
same at training and evaluation). Both use the biased variance to normalise.

Each class has two pairs of passes. ``forward``/``backward`` are the training pair:
forward keeps ẑ and 1/σ̂ on the object, backward uses them and stores ∂L/∂γ, ∂L/∂β.
``forward_eval``/``backward_eval`` are the evaluation pair (running statistics for batch
norm) and keep nothing on the object: forward returns what its backward needs, and
backward returns ∂L/∂z only, so an analysis (input importance) can differentiate the
evaluation-mode network while a training step owns the cached terms.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

EPS = 1e-5
MOMENTUM = 0.1


def _normalise_backward(dzn: Array, xhat: Array, inv_std: Array, gamma: Array, axis: int) -> Array:
    """∂L/∂z from ∂L/∂z_norm for a normalisation over ``axis`` (the textbook formula).

    With g = γ ⊙ ∂L/∂z_norm and n the size of the axis:
    ∂L/∂z = (1/σ̂)·(g − mean(g) − ẑ·mean(g ⊙ ẑ)).
    """
    g = dzn * gamma
    return inv_std * (g - g.mean(axis=axis, keepdims=True) - xhat * (g * xhat).mean(axis=axis, keepdims=True))


class BatchNorm:
    """Batch normalisation over the batch axis, with running statistics for evaluation."""

    kind = "batch"

    def __init__(self, width: int, dtype: np.dtype) -> None:
        self.gamma = np.ones(width, dtype=dtype)
        self.beta = np.zeros(width, dtype=dtype)
        self.dgamma = np.zeros(width, dtype=dtype)
        self.dbeta = np.zeros(width, dtype=dtype)
        self.running_mean = np.zeros(width, dtype=dtype)
        self.running_var = np.ones(width, dtype=dtype)

    def forward(self, z: Array, train: bool) -> Array:
        if not train:
            return self.forward_eval(z)[0]
        n = z.shape[0]
        if n < 2:
            raise ValueError("batch norm needs at least 2 samples in a training batch")
        mu = z.mean(axis=0)
        centred = z - mu
        var = (centred * centred).mean(axis=0)
        self.inv_std = 1.0 / np.sqrt(var + EPS)
        self.xhat = centred * self.inv_std
        self.running_mean *= 1.0 - MOMENTUM
        self.running_mean += MOMENTUM * mu
        self.running_var *= 1.0 - MOMENTUM
        self.running_var += MOMENTUM * var * (n / (n - 1))
        return self.gamma * self.xhat + self.beta

    def backward(self, dzn: Array) -> Array:
        np.sum(dzn * self.xhat, axis=0, out=self.dgamma)
        np.sum(dzn, axis=0, out=self.dbeta)
        return _normalise_backward(dzn, self.xhat, self.inv_std, self.gamma, axis=0)

    def forward_eval(self, z: Array) -> tuple[Array, None]:
        """z_norm from the running statistics: the per-unit affine map γ(z − μ)/√(σ² + ε) + β."""
        return self.gamma * (z - self.running_mean) / np.sqrt(self.running_var + EPS) + self.beta, None

    def backward_eval(self, dzn: Array, saved: None) -> Array:
        """∂L/∂z of the evaluation map: its derivative is the constant γ/√(σ² + ε) per unit."""
        return dzn * self.gamma / np.sqrt(self.running_var + EPS)

    def state(self) -> dict[str, Array]:
        """Non-learned state that a checkpoint must keep."""
        return {"running_mean": self.running_mean, "running_var": self.running_var}


class LayerNorm:
    """Layer normalisation over the units of each sample."""

    kind = "layer"

    def __init__(self, width: int, dtype: np.dtype) -> None:
        self.gamma = np.ones(width, dtype=dtype)
        self.beta = np.zeros(width, dtype=dtype)
        self.dgamma = np.zeros(width, dtype=dtype)
        self.dbeta = np.zeros(width, dtype=dtype)

    def forward(self, z: Array, train: bool) -> Array:
        zn, (xhat, inv_std) = self.forward_eval(z)
        if train:
            self.inv_std, self.xhat = inv_std, xhat
        return zn

    def backward(self, dzn: Array) -> Array:
        np.sum(dzn * self.xhat, axis=0, out=self.dgamma)
        np.sum(dzn, axis=0, out=self.dbeta)
        return _normalise_backward(dzn, self.xhat, self.inv_std, self.gamma, axis=1)

    def forward_eval(self, z: Array) -> tuple[Array, tuple[Array, Array]]:
        """z_norm and (ẑ, 1/σ̂), which its backward needs: the same map as in training."""
        mu = z.mean(axis=1, keepdims=True)
        centred = z - mu
        var = (centred * centred).mean(axis=1, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + EPS)
        xhat = centred * inv_std
        return self.gamma * xhat + self.beta, (xhat, inv_std)

    def backward_eval(self, dzn: Array, saved: tuple[Array, Array]) -> Array:
        """∂L/∂z from ∂L/∂z_norm and forward_eval's (ẑ, 1/σ̂); γ and β get no gradient."""
        xhat, inv_std = saved
        return _normalise_backward(dzn, xhat, inv_std, self.gamma, axis=1)

    def state(self) -> dict[str, Array]:
        return {}


def make_norm(kind: str, width: int, dtype: np.dtype) -> BatchNorm | LayerNorm | None:
    """Build the normalisation named in a layer spec ("none" gives None)."""
    if kind == "none":
        return None
    if kind == "batch":
        return BatchNorm(width, dtype)
    if kind == "layer":
        return LayerNorm(width, dtype)
    raise ValueError(f"unknown norm {kind!r}")
