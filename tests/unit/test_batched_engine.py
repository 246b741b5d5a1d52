"""The batched engine: per model, the single-model engine's weights and losses after 100 epochs.

Each case trains three models of one architecture one after the other on the single
engine and then together on the batched engine, from the same initial weights, each
model with its own data order, learning rate, L1/L2 and dropout generator, and compares
every parameter and every batch loss (relative 1e-12). Tiny nets, float64, 2 steps an
epoch: the whole file takes ~4 s on one loaded core (24 cases of 3 models × 200 steps, twice).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tuinn.engine.activations import make_activation
from tuinn.engine.batched import BatchedNetwork, StackedData, make_batched_optimizer, per_model
from tuinn.engine.initializers import init_weights
from tuinn.engine.layers import Dense
from tuinn.engine.losses import make_loss
from tuinn.engine.network import Network
from tuinn.engine.normalization import make_norm
from tuinn.engine.optimizers import OPTIMIZERS, make_optimizer

EPOCHS = 100
N, BATCH = 20, 10
TOL = 1e-12

#: name → (inputs, [(units, activation, dropout)], loss, outputs are classes)
CASES = {
    "tanh-mse-l2-dropout": (2, [(4, "tanh", 0.3), (2, "tanh", 0.0), (1, "tanh", 0.0)], "mse"),
    "relu-sigmoid-bce-l1": (3, [(5, "relu", 0.2), (1, "sigmoid", 0.0)], "bce"),
    "maxout-softmax-cce-weights": (2, [(3, "maxout", 0.0), (3, "softmax", 0.0)], "cce"),
    "leaky-elu-mae": (2, [(3, "leaky_relu", 0.0), (3, "elu", 0.5), (2, "linear", 0.0)], "mae"),
}
LEARNING_RATES = (0.05, 0.02, 0.08)
L1 = {"relu-sigmoid-bce-l1": (1e-3, 0.0, 3e-3)}
L2 = {"tanh-mse-l2-dropout": (0.0, 1e-2, 3e-3)}
HYPER = ({}, {"momentum": 0.5, "beta1": 0.8, "alpha": 0.9}, {"eps": 1e-6, "beta2": 0.99})


def _network(case: str, m: int) -> Network:
    n_in, layers_spec, loss = CASES[case]
    rng = np.random.default_rng(100 + m)
    layers, fan_in = [], n_in
    for units, act, dropout in layers_spec:
        activation = make_activation(act)
        rows = activation.units_in(units)
        W = init_weights("xavier", rows, fan_in, rng, np.dtype("float64"))
        b = rng.normal(0.0, 0.1, rows)
        # Model 1 trains without dropout where the others have it: it must not draw masks.
        layers.append(Dense(W, b, activation, None, dropout if m != 1 else 0.0))
        fan_in = units
    l1, l2 = L1.get(case, (0.0,) * 3)[m], L2.get(case, (0.0,) * 3)[m]
    return Network(layers, make_loss(loss), l1=l1, l2=l2, rng=np.random.default_rng(7 + m))


def _data(case: str, models: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Per-model data (models, N, ·): inputs, targets suited to the loss, and sample weights for CCE."""
    n_in, layers_spec, loss = CASES[case]
    rng = np.random.default_rng(1)
    x = rng.normal(size=(models, N, n_in))
    outputs = layers_spec[-1][0]
    if loss in ("bce", "cce"):
        labels = rng.integers(0, max(outputs, 2), size=(models, N))
        y = (labels[..., None] == np.arange(outputs)).astype(float) if loss == "cce" else labels[..., None].astype(float)
    else:
        y = rng.uniform(-0.8, 0.8, size=(models, N, outputs))
    w = rng.uniform(0.5, 2.0, size=(models, N)) if loss == "cce" else None
    return x, y, w


def _orders(models: int) -> np.ndarray:
    """Each model's own data order: (epochs, steps, models, batch)."""
    rng = np.random.default_rng(3)
    perms = np.stack([[rng.permutation(N) for _ in range(models)] for _ in range(EPOCHS)])  # (epochs, models, N)
    return perms.reshape(EPOCHS, models, N // BATCH, BATCH).transpose(0, 2, 1, 3)


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_model_equals_the_single_engine_after_100_epochs(case: str, optimizer: str) -> None:
    models = 3
    nets = [_network(case, m) for m in range(models)]
    batched = BatchedNetwork.from_networks(nets, rngs=[copy.deepcopy(n.rng) for n in nets])
    opt = make_batched_optimizer(optimizer, batched, LEARNING_RATES, HYPER)
    x, y, w = _data(case, models)
    orders = _orders(models)
    data = StackedData(x, y, w)
    batched_losses = np.concatenate([batched.train_epoch(data, list(orders[e]), opt) for e in range(EPOCHS)])

    for m, net in enumerate(nets):
        single = make_optimizer(optimizer, net.pairs(), LEARNING_RATES[m], **HYPER[m])
        wm = None if w is None else w[m][:, None]
        losses = []
        for e in range(EPOCHS):
            for idx in orders[e, :, m]:
                losses.append(net.train_step(x[m][idx], y[m][idx], single, None if wm is None else wm[idx]))
        assert _rel(batched_losses[:, m], np.array(losses)) < TOL
        for key, value in net.get_parameters().items():
            assert _rel(batched.parameters_of(m)[key], value) < TOL, (key, m)
        # The models really differ (else a mix-up of models would pass unseen).
        if m:
            assert _rel(batched.parameters_of(m)["1.W"], nets[0].layers[0].W) > 1e-3


def test_shared_data_and_evaluation_losses_match_the_single_engine() -> None:
    """One X for every model (indexed per model) and the evaluation loss of each model."""
    case = "relu-sigmoid-bce-l1"
    nets = [_network(case, m) for m in range(3)]
    batched = BatchedNetwork.from_networks(nets, rngs=[copy.deepcopy(n.rng) for n in nets])
    opt = make_batched_optimizer("adam", batched, LEARNING_RATES)
    x, y, _ = _data(case, 1)
    x, y = x[0], y[0]
    orders = _orders(3)[:10]
    for e in range(10):
        batched.train_epoch(StackedData(x, y), list(orders[e]), opt)
    for m, net in enumerate(nets):
        single = make_optimizer("adam", net.pairs(), LEARNING_RATES[m])
        for e in range(10):
            for idx in orders[e, :, m]:
                net.train_step(x[idx], y[idx], single)
    evaluated = batched.evaluate_losses(x, y)
    for m, net in enumerate(nets):
        assert abs(evaluated[m] - net.evaluate_loss(x, y)) <= TOL * abs(net.evaluate_loss(x, y))
        np.testing.assert_allclose(batched.predict(x)[m], net.predict(x), rtol=TOL, atol=0)
        assert abs(batched.penalties()[m] - net.penalty()) <= TOL * max(net.penalty(), 1e-300)


def test_per_model_hyperparameters_and_refusals() -> None:
    assert per_model([0.1, 0.1]) == 0.1
    assert per_model([0.1, 0.2]).shape == (2, 1, 1)
    nets = [_network("leaky-elu-mae", m) for m in range(2)]
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_batched_optimizer("lbfgs", BatchedNetwork.from_networks(nets), [0.1, 0.1])
    with pytest.raises(ValueError, match="as many learning rates"):
        make_batched_optimizer("sgd", BatchedNetwork.from_networks(nets), [0.1])
    other = _network("tanh-mse-l2-dropout", 0)
    with pytest.raises(ValueError, match="one architecture"):
        BatchedNetwork.from_networks([nets[0], other])
    normed = _network("leaky-elu-mae", 0)
    normed.layers[0].norm = make_norm("batch", normed.layers[0].W.shape[0], np.dtype("float64"))
    with pytest.raises(ValueError, match="batch norm, which the batched engine does not support"):
        BatchedNetwork.from_networks([normed, nets[1]])
