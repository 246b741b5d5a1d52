"""Optimizers: how a gradient becomes an update, with PyTorch's formulas and defaults.

The lecture's rule is plain gradient descent, w_new = w_old − α·∂L/∂w. The adaptive
variants follow ``torch.optim`` line by line (same defaults, same order of operations)
so that the torch backend reproduces the NumPy engine's weights to rounding error.
Each optimizer updates the parameter arrays in place and keeps its per-parameter state
in ``self.state`` (a list of dicts, one per parameter) so a step-through can show it.
The learning rate and the hyperparameters may be arrays that broadcast against the
parameters: the batched engine gives one value per model, shaped ``(models, 1, 1)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

Array = np.ndarray

OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam")

#: PyTorch's defaults for the hyperparameters each optimizer reads.
DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8},
    "adagrad": {"eps": 1e-10},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}

#: The update rule of each optimizer in the lecture's notation, for display.
FORMULAS: dict[str, str] = {
    "sgd": "w ← w − α·g",
    "momentum": "v ← μ·v + g;  w ← w − α·v",
    "nesterov": "v ← μ·v + g;  w ← w − α·(g + μ·v)",
    "rmsprop": "s ← ρ·s + (1−ρ)·g²;  w ← w − α·g/(√s + ε)",
    "adagrad": "s ← s + g²;  w ← w − α·g/(√s + ε)",
    "adam": "m ← β₁·m + (1−β₁)·g;  v ← β₂·v + (1−β₂)·g²;  w ← w − α/(1−β₁ᵗ)·m/(√v/√(1−β₂ᵗ) + ε)",
}


def power(base: float | Array, t: int) -> float | Array:
    """βᵗ with Python's float power, also for a per-model array of β.

    Why not ``base ** t`` on the array: NumPy's vectorised power may differ from the C
    library's ``pow`` in the last bit, and a batched model must get the very bias
    correction it gets alone. An array is a handful of models, once per parameter a step.
    """
    if isinstance(base, np.ndarray):
        return np.array([float(b) ** t for b in base.ravel()]).reshape(base.shape)
    return base**t


class Optimizer(ABC):
    """Updates a fixed list of (parameter, gradient) array pairs in place."""

    name = ""

    def __init__(self, pairs: list[tuple[Array, Array]], learning_rate: float | Array, **hyper: float | Array) -> None:
        self.pairs = pairs
        self.learning_rate = learning_rate
        self.hyper = {**DEFAULTS[self.name], **{k: v for k, v in hyper.items() if k in DEFAULTS[self.name]}}
        self.t = 0
        self.state: list[dict[str, Array]] = [{} for _ in pairs]

    def step(self) -> None:
        """Apply one update to every parameter, from the gradients stored now."""
        self.t += 1
        for i, (p, g) in enumerate(self.pairs):
            self._update(p, g, self.state[i])

    @abstractmethod
    def _update(self, p: Array, g: Array, state: dict[str, Array]) -> None:
        """Update parameter p in place from its gradient g and its state."""

    def state_dict(self) -> dict[str, object]:
        """Everything needed to resume: step count and per-parameter buffers."""
        # `if s else {}`: SGD has no buffers, and the state is copied after every epoch (one comprehension fewer each).
        return {"t": self.t, "state": [{k: v.copy() for k, v in s.items()} if s else {} for s in self.state]}

    def load_state_dict(self, saved: dict[str, object]) -> None:
        self.t = int(saved["t"])  # type: ignore[arg-type]
        self.state = [{k: np.array(v) for k, v in s.items()} for s in saved["state"]]  # type: ignore[union-attr]


class SGD(Optimizer):
    """w ← w − α·g."""

    name = "sgd"

    def step(self) -> None:
        # The hot path of the playground: no per-parameter state, no method calls.
        self.t += 1
        lr = self.learning_rate
        for p, g in self.pairs:
            p -= lr * g

    def _update(self, p: Array, g: Array, state: dict[str, Array]) -> None:
        p -= self.learning_rate * g


class Momentum(Optimizer):
    """Heavy ball, as torch.optim.SGD(momentum=μ): the first buffer is g itself."""

    name = "momentum"
    nesterov = False

    def _update(self, p: Array, g: Array, state: dict[str, Array]) -> None:
        mu = self.hyper["momentum"]
        buf = state.get("velocity")
        if buf is None:
            buf = state["velocity"] = g.copy()
        else:
            buf *= mu
            buf += g
        p -= self.learning_rate * (g + mu * buf if self.nesterov else buf)


class Nesterov(Momentum):
    """torch.optim.SGD(momentum=μ, nesterov=True): steps along g + μ·v."""

    name = "nesterov"
    nesterov = True


class RMSprop(Optimizer):
    """torch.optim.RMSprop: s ← ρs + (1−ρ)g², w ← w − α·g/(√s + ε)."""

    name = "rmsprop"

    def _update(self, p: Array, g: Array, state: dict[str, Array]) -> None:
        rho, eps = self.hyper["alpha"], self.hyper["eps"]
        s = state.get("square_avg")
        if s is None:
            s = state["square_avg"] = np.zeros_like(p)
        s *= rho
        s += (1.0 - rho) * (g * g)
        p -= self.learning_rate * (g / (np.sqrt(s) + eps))


class Adagrad(Optimizer):
    """torch.optim.Adagrad (no decay): s ← s + g², w ← w − α·g/(√s + ε)."""

    name = "adagrad"

    def _update(self, p: Array, g: Array, state: dict[str, Array]) -> None:
        s = state.get("sum")
        if s is None:
            s = state["sum"] = np.zeros_like(p)
        s += g * g
        p -= self.learning_rate * (g / (np.sqrt(s) + self.hyper["eps"]))


class Adam(Optimizer):
    """torch.optim.Adam: bias-corrected first and second moments."""

    name = "adam"

    def _update(self, p: Array, g: Array, state: dict[str, Array]) -> None:
        b1, b2, eps = self.hyper["beta1"], self.hyper["beta2"], self.hyper["eps"]
        m = state.get("exp_avg")
        if m is None:
            m = state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
        v = state["exp_avg_sq"]
        m += (1.0 - b1) * (g - m)  # torch's lerp_
        v *= b2
        v += (1.0 - b2) * (g * g)
        step_size = self.learning_rate / (1.0 - power(b1, self.t))
        # np.sqrt, not math.sqrt: the batched engine gives β₂ per model as an array (both
        # are IEEE's correctly rounded square root, so a float gives the same number).
        denom = np.sqrt(v) / np.sqrt(1.0 - power(b2, self.t)) + eps
        p -= step_size * (m / denom)


_CLASSES: dict[str, type[Optimizer]] = {
    c.name: c for c in (SGD, Momentum, Nesterov, RMSprop, Adagrad, Adam)
}


def make_optimizer(name: str, pairs: list[tuple[Array, Array]], learning_rate: float | Array, **hyper: float | Array) -> Optimizer:
    """Build an optimizer by its spec name over (parameter, gradient) pairs."""
    if name not in _CLASSES:
        raise ValueError(f"unknown optimizer {name!r}")
    return _CLASSES[name](pairs, learning_rate, **hyper)
