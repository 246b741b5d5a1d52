"""Many models of one architecture trained together: the engine on a leading model axis.

Why: on playground-size nets a training step is bound by NumPy's fixed cost per call
(~1–2 µs a call, a dozen calls a layer), not by arithmetic. M models of the same shape
stacked along a leading axis take the same number of calls for all of them, so seeds,
folds and grid points train at a fraction of the cost of one after the other.

Every array gets a leading model axis: W is ``(models, rows, inputs)``, b is
``(models, 1, rows)`` (so that it adds to z directly), a batch of inputs is
``(models, samples, inputs)``. The formulas are the single-model engine's own: the
activations and losses of :mod:`tuinn.engine.activations` / :mod:`tuinn.engine.losses`
work on the last axes, and the optimizers of :mod:`tuinn.engine.optimizers` take a
learning rate and hyperparameters per model as ``(models, 1, 1)`` arrays. Per model the
result is the single engine's to rounding (the tests check 1e-12 after 100 epochs):
the same matmuls per model, the same order of operations, a zero L1/L2 adds an exact 0.

Each model has its own data order (the caller hands in one index row per model), and
its own data where needed (:class:`StackedData`: one shared X, or one X per model).
Dropout draws each model's masks from that model's own generator, in the order the
single engine draws them, so a model with dropout sees the masks it would see alone.

Not batched: normalisation. Batch norm's running statistics and layer norm's γ/β would
need their own stacked forms; :func:`check_stackable` refuses them with a clear error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tuinn.engine.activations import Activation
from tuinn.engine.losses import Loss
from tuinn.engine.network import Network
from tuinn.engine.optimizers import DEFAULTS, Optimizer, make_optimizer

Array = np.ndarray


class StackedDense:
    """M fully connected layers of one shape, with one activation and a dropout rate per model.

    The same order of operations as :class:`~tuinn.engine.layers.Dense`:
    ``x → z = x·Wᵀ + b → a = f(z) → out = a ⊙ mask/(1−p)``, and its backward.
    """

    def __init__(self, W: Array, b: Array, activation: Activation, dropout: Array) -> None:
        if W.ndim != 3 or b.shape != (W.shape[0], 1, W.shape[1]):
            raise ValueError(f"stacked W must be (models, rows, inputs) and b (models, 1, rows); got {W.shape} and {b.shape}")
        self.W = W
        self.b = b
        self.activation = activation
        self.dropout = np.asarray(dropout, dtype=np.float64).reshape(W.shape[0])
        #: Whether any model drops units here (fixed at construction; asked every step, so a bool, not ``.any()``).
        self.any_dropout = bool(self.dropout.any())
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)
        self.x: Array | None = None
        self.z: Array | None = None
        self.a: Array | None = None
        self.mask: Array | None = None

    @property
    def models(self) -> int:
        return int(self.W.shape[0])

    def _affine(self, x: Array) -> Array:
        """z = x·Wᵀ + b; x is (models, S, inputs), or (S, inputs) shared by every model."""
        z = x @ self.W.transpose(0, 2, 1)
        z += self.b
        return z

    def _masks(self, shape: tuple[int, ...], rngs: Sequence[np.random.Generator]) -> Array:
        """One dropout mask per model, each drawn from its model's generator as ``Dense`` draws it.

        A model without dropout draws nothing (as alone) and gets a mask of ones (×1 is exact).
        """
        masks = np.ones(shape)
        for m, rate in enumerate(self.dropout):
            if rate > 0.0:
                keep = 1.0 - float(rate)
                masks[m] = (rngs[m].random(shape[1:]) < keep) / keep
        return masks

    def forward(self, x: Array, train: bool = False, rngs: Sequence[np.random.Generator] | None = None) -> Array:
        """Output for a batch; in training, keeps what backward needs."""
        z = self._affine(x)
        a = self.activation.forward(z)
        if not train:
            return a
        self.x, self.z, self.a = x, z, a
        if self.any_dropout:
            if rngs is None:
                raise ValueError("dropout in training needs one random generator per model")
            self.mask = self._masks(a.shape, rngs)
            return a * self.mask
        self.mask = None
        return a

    def backward(self, dL_dout: Array | None, delta_norm: Array | None = None, need_input_grad: bool = True) -> Array | None:
        """Back-propagate; returns ∂L/∂x (or None). ``delta_norm``: δ given directly by a fused loss."""
        if delta_norm is None:
            assert dL_dout is not None
            dL_da = dL_dout if self.mask is None else dL_dout * self.mask
            delta, _ = self.activation.backward(self.z, self.a, dL_da)  # type: ignore[arg-type]
        else:
            delta = delta_norm
        np.matmul(delta.transpose(0, 2, 1), self.x, out=self.dW)
        delta.sum(axis=1, keepdims=True, out=self.db)
        return delta @ self.W if need_input_grad else None


class StackedData:
    """Inputs, targets and sample weights for M models: shared by all, or one set per model.

    ``x`` is (n, inputs) shared, or (models, n, inputs) per model (folds of different
    data, grid points of different noise); ``y`` likewise; ``w`` (n,) or (models, n)
    are per-sample weights (class balancing) or None.
    """

    def __init__(self, x: Array, y: Array, w: Array | None = None) -> None:
        if x.ndim not in (2, 3) or y.ndim != x.ndim or x.shape[:-1] != y.shape[:-1]:
            raise ValueError(f"x and y must be (n, ·) or (models, n, ·) with the same leading shape; got {x.shape} and {y.shape}")
        self.x, self.y = x, y
        self.per_model = x.ndim == 3
        self.w = None if w is None else np.asarray(w)[..., None].astype(x.dtype)
        self._rows: Array | None = np.arange(x.shape[0])[:, None] if self.per_model else None

    def batch(self, idx: Array) -> tuple[Array, Array, Array | None]:
        """(x, y, w) of index rows ``idx`` (models, B): model m gets its own rows ``idx[m]``."""
        if self._rows is None:
            return self.x[idx], self.y[idx], None if self.w is None else self.w[idx]
        rows = self._rows
        return self.x[rows, idx], self.y[rows, idx], None if self.w is None else self.w[rows, idx]


def architecture(net: Network) -> list[tuple[object, ...]]:
    """What must be equal for networks to stack: per layer the shape and dtype of W and the activation with its parameters."""
    return [(lay.W.shape, str(lay.W.dtype), lay.activation.name, getattr(lay.activation, "slope", None),
             getattr(lay.activation, "alpha", None), getattr(lay.activation, "pieces", None)) for lay in net.layers]


def check_stackable(networks: Sequence[Network]) -> None:
    """Refuse networks the batched engine cannot stack, naming why."""
    if not networks:
        raise ValueError("the batched engine needs at least one network")
    first = networks[0]
    for net in networks:
        for i, layer in enumerate(net.layers, 1):
            if layer.norm is not None:
                raise ValueError(f"layer {i} uses {layer.norm.kind} norm, which the batched engine does not support "
                                 "(its statistics and γ, β are per model); train such models one at a time")
        if architecture(net) != architecture(first):
            raise ValueError("the batched engine stacks networks of one architecture (layer shapes, activations, dtype)")
        if net.loss.name != first.loss.name:
            raise ValueError(f"the batched engine trains one loss; got {first.loss.name} and {net.loss.name}")


class BatchedNetwork:
    """M networks of one architecture on one loss, each with its own L1, L2 and dropout generator."""

    def __init__(self, layers: list[StackedDense], loss: Loss, l1: Array, l2: Array,
                 rngs: Sequence[np.random.Generator] | None = None) -> None:
        if not layers:
            raise ValueError("a network needs at least one layer")
        if layers[-1].any_dropout:
            raise ValueError("dropout on the output layer is not allowed")
        self.layers = layers
        self.loss = loss
        m = layers[0].models
        self.l1 = np.asarray(l1, dtype=np.float64).reshape(m, 1, 1)
        self.l2 = np.asarray(l2, dtype=np.float64).reshape(m, 1, 1)
        self.any_l1, self.any_l2 = bool(self.l1.any()), bool(self.l2.any())
        self.rngs = list(rngs) if rngs is not None else None
        self.fused = loss.fused_activation == layers[-1].activation.name

    @classmethod
    def from_networks(cls, networks: Sequence[Network], rngs: Sequence[np.random.Generator] | None = None) -> BatchedNetwork:
        """Stack copies of single-model networks' parameters; dropout draws from ``rngs`` (default: the networks' own generators)."""
        check_stackable(networks)
        layers = []
        for k, proto in enumerate(networks[0].layers):
            W = np.stack([net.layers[k].W for net in networks])
            b = np.stack([net.layers[k].b for net in networks])[:, None, :]
            layers.append(StackedDense(W, b, proto.activation, np.array([net.layers[k].dropout for net in networks])))
        return cls(layers, networks[0].loss, np.array([net.l1 for net in networks]), np.array([net.l2 for net in networks]),
                   rngs if rngs is not None else [net.rng for net in networks])

    @property
    def models(self) -> int:
        return self.layers[0].models

    def pairs(self) -> list[tuple[Array, Array]]:
        """(value, gradient) pairs in the single engine's order (W, b per layer), for an optimizer."""
        return [pair for layer in self.layers for pair in ((layer.W, layer.dW), (layer.b, layer.db))]

    def parameters_of(self, m: int) -> dict[str, Array]:
        """Copies of model ``m``'s parameters under :meth:`Network.get_parameters`' keys (``"1.W"``, ``"1.b"``…)."""
        out = {}
        for i, layer in enumerate(self.layers, 1):
            out[f"{i}.W"] = layer.W[m].copy()
            out[f"{i}.b"] = layer.b[m, 0].copy()
        return out

    # --------------------------------------------------------------- forward
    def forward(self, x: Array, upto: int | None = None, training: bool = False) -> Array:
        """Activations of layer ``upto`` (None: the output) for every model; x shared (S, in) or (models, S, in)."""
        out = x
        for layer in self.layers[: len(self.layers) if upto is None else upto]:
            out = layer.forward(out, training, self.rngs)
        return out

    def predict(self, x: Array) -> Array:
        return self.forward(x)

    def logits(self, x: Array) -> Array:
        """ẑ of the output layer (evaluation mode) for every model."""
        return self.layers[-1]._affine(self.forward(x, upto=len(self.layers) - 1))

    def evaluate_losses(self, x: Array, y: Array, w: Array | None = None) -> Array:
        """Data loss of each model in evaluation mode, shape (models,)."""
        zn = self.logits(x)
        if self.fused:
            return self.loss.fused_values(zn, y, w)
        return self.loss.values(self.layers[-1].activation.forward(zn), y, w)

    def penalties(self) -> Array:
        """(λ₂/2)·ΣW² + λ₁·Σ|W| of each model, shape (models,)."""
        total = np.zeros(self.models)
        if self.any_l2:
            total += 0.5 * self.l2[:, 0, 0] * sum((layer.W * layer.W).sum(axis=(1, 2)) for layer in self.layers)
        if self.any_l1:
            total += self.l1[:, 0, 0] * sum(np.abs(layer.W).sum(axis=(1, 2)) for layer in self.layers)
        return total

    # -------------------------------------------------------------- backward
    def compute_gradients(self, x: Array, y: Array, w: Array | None = None) -> Array:
        """Forward in training mode, loss, backward; returns each model's L (data loss + penalty)."""
        layers = self.layers
        out = self.forward(x, training=True)
        last = layers[-1]
        deep = len(layers) > 1
        if self.fused:
            data_loss = self.loss.fused_values(last.z, y, w)  # type: ignore[arg-type]
            grad = last.backward(None, self.loss.fused_delta(out, y, w), need_input_grad=deep)
        else:
            data_loss = self.loss.values(out, y, w)
            grad = last.backward(self.loss.gradient(out, y, w), need_input_grad=deep)
        for k in range(len(layers) - 2, -1, -1):
            grad = layers[k].backward(grad, need_input_grad=k > 0)
        any_l1, any_l2 = self.any_l1, self.any_l2
        if not (any_l1 or any_l2):
            return data_loss
        penalty = self.penalties()
        for layer in layers:
            # A model whose λ is 0 gains 0·W, an exact 0: its gradient is the one it has alone.
            if any_l2:
                layer.dW += self.l2 * layer.W
            if any_l1:
                layer.dW += self.l1 * np.sign(layer.W)
        return data_loss + penalty

    def train_step(self, x: Array, y: Array, optimizer: Optimizer, w: Array | None = None) -> Array:
        """One step for every model; returns each model's loss before the update."""
        loss = self.compute_gradients(x, y, w)
        optimizer.step()
        return loss

    def train_epoch(self, data: StackedData, batches: Sequence[Array], optimizer: Optimizer) -> Array:
        """A step per index array (models, B) of ``batches``; returns the batch losses, shape (steps, models)."""
        losses = np.empty((len(batches), self.models))
        for k, idx in enumerate(batches):
            x, y, w = data.batch(idx)
            losses[k] = self.train_step(x, y, optimizer, w)
        return losses


def per_model(values: Sequence[float]) -> float | Array:
    """One hyperparameter for M models: the float when all agree, else a (models, 1, 1) array."""
    first = values[0]
    if all(v == first for v in values):
        return float(first)
    return np.asarray(values, dtype=np.float64).reshape(-1, 1, 1)


def make_batched_optimizer(name: str, network: BatchedNetwork, learning_rates: Sequence[float],
                           hypers: Sequence[dict[str, float]] | None = None) -> Optimizer:
    """The single engine's optimizer ``name`` over the stacked parameters, with a learning rate
    and hyperparameters per model (each model's ``hypers`` as :func:`make_optimizer` takes them)."""
    if name not in DEFAULTS:
        raise ValueError(f"unknown optimizer {name!r}")
    hypers = hypers or [{} for _ in learning_rates]
    if len(learning_rates) != network.models or len(hypers) != network.models:
        raise ValueError(f"{network.models} models need as many learning rates and hyperparameter sets")
    resolved = [{**DEFAULTS[name], **{k: v for k, v in h.items() if k in DEFAULTS[name]}} for h in hypers]
    stacked = {key: per_model([h[key] for h in resolved]) for key in DEFAULTS[name]}
    return make_optimizer(name, network.pairs(), per_model(list(learning_rates)), **stacked)


__all__ = ["BatchedNetwork", "StackedData", "StackedDense", "architecture", "check_stackable", "make_batched_optimizer", "per_model"]
