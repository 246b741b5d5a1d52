"""The network: layers in order, a loss, L1/L2 penalties, and the training step.

A step has two observable phases, as the lecture teaches them and as the step-through
shows them: ``compute_gradients`` (forward, loss, backward: every ∂L/∂w is known but
nothing has moved) and the optimizer's ``step`` (w_new = w_old − α·∂L/∂w).
``traced_step`` runs both and returns a :class:`~tuinn.engine.trace.StepTrace` of
every term; ``train_step`` is the same without the copies.

``forward`` is the one forward pass: evaluation mode by default, every layer or up to
one; ``logits``, ``evaluate_loss`` and ``input_jacobian`` are built on the layers'
evaluation pass, so analyses (latent spaces, linear collapse, input importance) and
views never re-write it.

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
        """Copies of every parameter and norm statistic, keyed ``"<layer>.<name>"`` (one pass: a training loop copies them every epoch)."""
        out = {}
        for i, layer in enumerate(self.layers, 1):
            for name, p, _ in layer.parameters():
                out[f"{i}.{name}"] = p.copy()
        for i, layer in enumerate(self.layers, 1):  # the norms' statistics after every parameter (the order checkpoints have)
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
    def forward(self, x: Array, upto: int | None = None, training: bool = False) -> Array:
        """The activations of layer ``upto`` (0 = the inputs, None = the output ŷ) for a batch x.

        The network's one forward pass. ``training=False`` is evaluation mode (no dropout,
        batch norm's running statistics, nothing cached); ``training=True`` caches every
        term of :data:`~tuinn.engine.layers.TERMS` on the layers for a backward pass.
        """
        n = len(self.layers)
        if upto is None:
            upto = n
        if not 0 <= upto <= n:
            raise ValueError(f"layer {upto} does not exist: the network has layers 1..{n}")
        out = x
        for layer in self.layers[:upto]:
            out = layer.forward(out, training, self.rng)
        return out

    def predict(self, x: Array) -> Array:
        """ŷ for a batch in evaluation mode (no dropout, batch norm's running stats)."""
        return self.forward(x)

    def logits(self, x: Array) -> Array:
        """ẑ of the output layer (before its activation) in evaluation mode: what a fused loss reads."""
        return self.layers[-1].pre_activation_eval(self.forward(x, upto=len(self.layers) - 1))

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
        zn = self.logits(x)
        if self.fused:
            return self.loss.fused_value(zn, y, w)
        return self.loss.value(self.layers[-1].activation.forward(zn), y, w)

    def input_jacobian(self, x: Array) -> Array:
        """∂ŷ_k/∂x_i for every sample, shape (n, outputs, inputs), in evaluation mode.

        One evaluation forward keeping each layer's ẑ and a; then for each output k the
        one-hot upstream e_k is propagated down with each layer's ``backward_eval``
        (δ = f'(ẑ)·upstream through the norm, upstream ← δ·W). Nothing is stored on the
        layers, so the terms of the last training step stay as they were.
        """
        x = np.asarray(x)
        with np.errstate(over="ignore", invalid="ignore"):
            terms = []
            out = x
            for layer in self.layers:
                t = layer.forward_eval(out)
                terms.append(t)
                out = t.a
            jac = np.empty((x.shape[0], out.shape[1], x.shape[1]), dtype=np.float64)
            for k in range(out.shape[1]):
                upstream = np.zeros_like(out)
                upstream[:, k] = 1.0
                for layer, t in zip(reversed(self.layers), reversed(terms), strict=True):
                    upstream = layer.backward_eval(upstream, t)
                jac[:, k, :] = upstream
        return jac

    # -------------------------------------------------------------- backward
    def compute_gradients(self, x: Array, y: Array, input_grad: bool = False, w: Array | None = None) -> float:
        """Forward in training mode, loss, backward; returns L (data loss + penalty).

        Afterwards every layer holds its chain-rule terms and gradients; no parameter
        has changed. ``input_grad`` also computes ∂L/∂x for the first layer (only a
        trace or an input-importance view needs it). ``w`` (S, 1): per-sample weights.
        """
        layers = self.layers
        out = self.forward(x, training=True)
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
