"""From a ``[model]`` + ``[train]`` spec to an engine :class:`~tuinn.engine.Network`.

The only place where spec and engine meet: what depends on the data — the width of the
input, whether the targets suit the loss, whether the whole thing fits in memory — is
checked here, before any weight is drawn, with the same keys as the config validator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tuinn.config.spec import Experiment
from tuinn.engine.activations import make_activation
from tuinn.engine.initializers import init_weights
from tuinn.engine.layers import Dense
from tuinn.engine.losses import make_loss
from tuinn.engine.network import Network
from tuinn.engine.normalization import make_norm
from tuinn.errors import ConfigError
from tuinn.training.memory import check_fits

if TYPE_CHECKING:
    from tuinn.data.dataset import Dataset


def build_network(
    exp: Experiment, n_inputs: int, init_rng: np.random.Generator, dropout_rng: np.random.Generator, data: Dataset | None = None
) -> Network:
    """Layers with initial weights (explicit ones where the spec gives them).

    With ``data`` (the trainer passes its dataset) its targets are checked against the
    loss and its size enters the memory estimate; without, the estimate counts the
    samples the spec asks for (synthetic or inline data), or none.
    """
    if data is not None:
        data.check_loss(exp.train.loss)
        rows, train_rows = len(data.x), len(data.train)
    else:
        rows = exp.data.samples if exp.data.synthetic else len(exp.data.x or [])
        train_rows = rows
    check_fits(exp, n_inputs, rows, train_rows)
    dtype = np.dtype(exp.train.dtype)
    layers = []
    fan_in = n_inputs
    for i, spec in enumerate(exp.model.layers, 1):
        key = f"model.layers[{i}]"
        rows = spec.rows
        # Always draw, even when W is given, so that giving one layer's W does not
        # change the random initial weights of the others.
        W = init_weights(exp.model.init, rows, fan_in, init_rng, dtype, exp.model.init_scale)
        if spec.weights is not None:
            given = np.asarray(spec.weights, dtype=dtype)
            if given.shape[1] != fan_in:
                what = "features" if i == 1 else f"units of layer {i - 1}"
                raise ConfigError(f"{key}.weights", f"has {given.shape[1]} columns but the layer has {fan_in} inputs (the {what})")
            W = given
        b = np.full(rows, exp.model.bias_init, dtype=dtype) if spec.bias is None else np.asarray(spec.bias, dtype=dtype)
        activation = make_activation(spec.activation, slope=spec.slope, alpha=spec.alpha, pieces=spec.pieces)
        norm = make_norm(spec.norm, rows, dtype)
        layers.append(Dense(W, b, activation, norm, spec.dropout))
        fan_in = spec.units
    return Network(layers, make_loss(exp.train.loss), exp.train.l1, exp.train.l2, rng=dropout_rng)
