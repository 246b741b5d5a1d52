"""The network: layers in order, a loss, L1/L2 penalties, and the training step.

A step has two observable phases, as the lecture teaches them and as the step-through
shows them: ``compute_gradients`` (forward, loss, backward: every ∂L/∂w is known but
nothing has moved) and the optimizer's ``step`` (w_new = w_old − α·∂L/∂w).
``traced_step`` runs both and returns a :class:`~tuinn.engine.trace.StepTrace` of
every term; ``train_step`` is the same without the copies.

Regularisation (weight matrices only, not biases, γ or β):
L = L_data + (λ₂/2)·ΣW² + λ₁·Σ|W|, so ∂L/∂W gains λ₂·W + λ₁·sign(W).
"""

from __future__ import annotations

import numpy as np

from tuinn.engine.layers import Dense
from tuinn.engine.losses import Loss
from tuinn.engine.optimizers import Optimizer
from tuinn.engine.trace import StepTrace, capture_terms, capture_update

Array = np.ndarray


class Network:
    """A stack of :class:`Dense` layers trained on one loss."""

    def __init__(
        self,
        layers: list[Dense],
        loss: Loss,
        l1: float = 0.0,
        l2: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> None:
        if not layers:
            raise ValueError("a network needs at least one layer")
        if layers[-1].dropout:
            raise ValueError("dropout on the output layer is not allowed")
        self.layers = layers
        self.loss = loss
        self.l1 = l1
        self.l2 = l2
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.fused = loss.fused_activation == layers[-1].activation.name
        self.last_data_loss = float("nan")
        self.last_penalty = 0.0

    # ------------------------------------------------------------- parameters
    def parameters(self) -> list[tuple[int, str, Array, Array]]:
        """(layer number from 1, name, value, gradient) for every learnable array."""
        return [(i, name, p, g) for i, layer in enumerate(self.layers, 1) for name, p, g in layer.parameters()]

    def pairs(self) -> list[tuple[Array, Array]]:
        """(value, gradient) pairs in a fixed order, for an optimizer."""
        return [(p, g) for _, _, p, g in self.parameters()]

    def get_parameters(self) -> dict[str, Array]:
        """Copies of every parameter and norm statistic, keyed ``"<layer>.<name>"``."""
        out = {f"{i}.{name}": p.copy() for i, name, p, _ in self.parameters()}
        for i, layer in enumerate(self.layers, 1):
            if layer.norm is not None:
                out.update({f"{i}.{k}": v.copy() for k, v in layer.norm.state().items()})
        return out

    def set_parameters(self, values: dict[str, Array]) -> None:
        """Overwrite parameters in place (shapes must match) from ``get_parameters`` keys."""
        targets = {f"{i}.{name}": p for i, name, p, _ in self.parameters()}
        for i, layer in enumerate(self.layers, 1):
            if layer.norm is not None:
                targets.update({f"{i}.{k}": v for k, v in layer.norm.state().items()})
        for key, value in values.items():
            if key not in targets:
                raise KeyError(f"no parameter {key!r} in this network")
            if targets[key].shape != np.shape(value):
                raise ValueError(f"parameter {key}: shape {np.shape(value)} does not match {targets[key].shape}")
            targets[key][...] = value

    # --------------------------------------------------------------- forward
    def predict(self, x: Array) -> Array:
        """ŷ for a batch in evaluation mode (no dropout, batch norm's running stats)."""
        out = x
        for layer in self.layers:
            out = layer.forward(out, False)
        return out

    def penalty(self) -> float:
        """(λ₂/2)·ΣW² + λ₁·Σ|W| over the weight matrices."""
        total = 0.0
        if self.l2:
            total += 0.5 * self.l2 * sum(float(np.vdot(layer.W, layer.W)) for layer in self.layers)
        if self.l1:
            total += self.l1 * sum(float(np.abs(layer.W).sum()) for layer in self.layers)
        return total

    def evaluate_loss(self, x: Array, y: Array, w: Array | None = None) -> float:
        """Data loss of the evaluation-mode output (no penalty), e.g. for a test split."""
        out = x
        for layer in self.layers[:-1]:
            out = layer.forward(out, False)
        last = self.layers[-1]
        z = out @ last.W.T + last.b
        zn = z if last.norm is None else last.norm.forward(z, False)
        if self.fused:
            return self.loss.fused_value(zn, y, w)
        return self.loss.value(last.activation.forward(zn), y, w)

    # -------------------------------------------------------------- backward
    def compute_gradients(self, x: Array, y: Array, input_grad: bool = False, w: Array | None = None) -> float:
        """Forward in training mode, loss, backward; returns L (data loss + penalty).

        Afterwards every layer holds its chain-rule terms and gradients; no parameter
        has changed. ``input_grad`` also computes ∂L/∂x for the first layer (only a
        trace or an input-importance view needs it). ``w`` (S, 1): per-sample weights.
        """
        layers = self.layers
        out = x
        for layer in layers:
            out = layer.forward(out, True, self.rng)
        last = layers[-1]
        if self.fused:
            data_loss = self.loss.fused_value(last.z_norm, y, w)
            grad = last.backward(None, self.loss.fused_delta(out, y, w), need_input_grad=input_grad or len(layers) > 1)
        else:
            data_loss = self.loss.value(out, y, w)
            grad = last.backward(self.loss.gradient(out, y, w), need_input_grad=input_grad or len(layers) > 1)
        for k in range(len(layers) - 2, -1, -1):
            grad = layers[k].backward(grad, need_input_grad=input_grad or k > 0)
        penalty = 0.0
        if self.l1 or self.l2:
            penalty = self.penalty()
            for layer in layers:
                if self.l2:
                    layer.dW += self.l2 * layer.W
                if self.l1:
                    layer.dW += self.l1 * np.sign(layer.W)
        self.last_data_loss = data_loss
        self.last_penalty = penalty
        return data_loss + penalty

    def train_step(self, x: Array, y: Array, optimizer: Optimizer, w: Array | None = None) -> float:
        """One step of training (both phases); returns the loss before the update."""
        loss = self.compute_gradients(x, y, w=w)
        optimizer.step()
        return loss

    def traced_step(self, x: Array, y: Array, optimizer: Optimizer, w: Array | None = None) -> StepTrace:
        """One step of training that records every term of the chain rule."""
        loss = self.compute_gradients(x, y, input_grad=True, w=w)
        trace = capture_terms(self, x, y, loss, w)
        optimizer.step()
        capture_update(trace, self, optimizer)
        return trace
