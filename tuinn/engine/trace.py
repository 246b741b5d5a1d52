"""A record of one training step: every term of the chain rule, per layer.

The lecture names the terms; a trace keeps their numbers (copies, so that the next step
cannot overwrite them). Layers are numbered from 1 (the first layer with parameters);
``a⁰`` is the input x. All batch terms are (S, columns), W and ∂L/∂W are
(units, inputs). δ = ∂L/∂z already holds the 1/S of the mean loss, so ∂L/∂W = δᵀ·x
sums over the batch (for one sample: δ·aᵀ, the lecture's form).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tuinn.engine.layers import TERMS

if TYPE_CHECKING:
    from tuinn.engine.network import Network
    from tuinn.engine.optimizers import Optimizer

Array = np.ndarray


@dataclass
class LayerTrace:
    """The terms of one layer in one step.

    Besides the parameters W and b (before the update), the fields ``input``, ``z``, …,
    ``dL_dinput`` are the layer's chain-rule terms, one per entry of
    :data:`~tuinn.engine.layers.TERMS` under the same name (a test holds them together):
    look there for each one's symbol, shape and meaning.
    """

    layer: int
    activation: str
    norm: str
    input: Array
    W: Array
    b: Array
    z: Array
    z_norm: Array | None
    a: Array
    mask: Array | None
    dL_da: Array
    da_dz: Array | None
    dL_dznorm: Array | None
    delta: Array
    dL_dW: Array
    dL_db: Array
    dL_dinput: Array
    #: Other learnable arrays (γ, β) before the update and their gradients.
    extra: dict[str, Array] = field(default_factory=dict)
    extra_grads: dict[str, Array] = field(default_factory=dict)
    #: Parameters after the update, filled by :func:`capture_update`.
    after: dict[str, Array] = field(default_factory=dict)


@dataclass
class StepTrace:
    """One step: inputs, targets, per-layer terms, the loss and the update."""

    inputs: Array
    targets: Array
    layers: list[LayerTrace]
    loss_name: str
    loss: float
    data_loss: float
    penalty: float
    fused: bool
    optimizer: str = ""
    learning_rate: float = 0.0
    optimizer_step: int = 0
    optimizer_state: list[dict[str, Array]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``tuinn step --json`` object (lists of floats at full precision)."""

        def ls(a: Array | None) -> Any:
            return None if a is None else np.asarray(a, dtype=float).tolist()

        forward = []
        for t in self.layers:
            entry: dict[str, Any] = {"layer": t.layer, "activation": t.activation, "W": ls(t.W), "b": ls(t.b), "z": ls(t.z), "a": ls(t.a)}
            if t.z_norm is not None:
                entry.update({"norm": t.norm, "z_norm": ls(t.z_norm)})
                entry.update({k: ls(v) for k, v in t.extra.items()})
            if t.mask is not None:
                entry["dropout_mask"] = ls(t.mask)
            forward.append(entry)
        backward = []
        for t in reversed(self.layers):
            entry = {
                "layer": t.layer,
                "dL_da": ls(t.dL_da),
                "da_dz": ls(t.da_dz),
                "delta": ls(t.delta),
                "dL_dW": ls(t.dL_dW),
                "dL_db": ls(t.dL_db),
                "dL_dinput": ls(t.dL_dinput),
            }
            if t.z_norm is not None:
                entry["dL_dznorm"] = ls(t.dL_dznorm)
                entry.update({f"dL_d{k}": ls(v) for k, v in t.extra_grads.items()})
            backward.append(entry)
        update_layers = []
        for t in self.layers:
            entry = {"layer": t.layer, **{k: ls(v) for k, v in t.after.items()}}
            update_layers.append(entry)
        return {
            "inputs": ls(self.inputs),
            "targets": ls(self.targets),
            "forward": forward,
            "loss": {"name": self.loss_name, "value": self.loss, "data": self.data_loss, "penalty": self.penalty},
            "backward": backward,
            "update": {"optimizer": self.optimizer, "learning_rate": self.learning_rate, "layers": update_layers},
        }


def _copy(value: Array | None) -> Array | None:
    return None if value is None else np.array(value, copy=True)


def capture_terms(net: Network, x: Array, y: Array, loss: float, w: Array | None = None) -> StepTrace:
    """Copy the terms the layers hold after ``compute_gradients``, before any update.

    The terms and the attributes that hold them come from the layer's own declaration
    (:data:`~tuinn.engine.layers.TERMS`); a norm-only term is None when the layer does not
    normalise (its attribute then holds z or δ again).
    """
    layers = []
    last_index = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        values = {t.name: None if t.norm_only and layer.norm is None else _copy(getattr(layer, t.attr)) for t in TERMS}
        if i == last_index and net.fused:
            # The fused loss skipped these two factors; compute them for display.
            values["dL_da"] = _copy(net.loss.gradient(layer.a, y, w))
            values["da_dz"] = _copy(layer.activation.derivative(layer.z_norm, layer.a) if layer.activation.elementwise else None)
        extra, extra_grads = {}, {}
        if layer.norm is not None:
            extra = {"gamma": layer.norm.gamma.copy(), "beta": layer.norm.beta.copy()}
            extra_grads = {"gamma": layer.norm.dgamma.copy(), "beta": layer.norm.dbeta.copy()}
        layers.append(
            LayerTrace(
                layer=i + 1,
                activation=layer.activation.name,
                norm="none" if layer.norm is None else layer.norm.kind,
                W=layer.W.copy(),
                b=layer.b.copy(),
                **values,
                extra=extra,
                extra_grads=extra_grads,
            )
        )
    return StepTrace(
        inputs=x.copy(),
        targets=y.copy(),
        layers=layers,
        loss_name=net.loss.name,
        loss=loss,
        data_loss=net.last_data_loss,
        penalty=net.last_penalty,
        fused=net.fused,
    )


def capture_update(trace: StepTrace, net: Network, optimizer: Optimizer) -> None:
    """Record the parameters after the optimizer's step, and the optimizer's state."""
    for t, layer in zip(trace.layers, net.layers, strict=True):
        t.after = {name: p.copy() for name, p, _ in layer.parameters()}
    trace.optimizer = optimizer.name
    trace.learning_rate = optimizer.learning_rate
    trace.optimizer_step = optimizer.t
    trace.optimizer_state = [{k: v.copy() for k, v in s.items()} for s in optimizer.state]
