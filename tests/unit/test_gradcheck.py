"""Every gradient of the engine against centred finite differences (float64, h = 1e-6).

For every combination the spec allows — hidden activation × (output activation, loss)
× {plain, dropout with a fixed mask, batch norm, layer norm}, maxout among the
activations — the analytic gradient of every parameter and of the input must satisfy
‖g − g_fd‖/(‖g‖ + ‖g_fd‖) < 1e-7.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import relative_error
from tuinn.engine import Dense, Network, make_activation, make_loss
from tuinn.engine.normalization import make_norm

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear", "maxout"]
OUTPUTS = [(act, loss) for loss in ("mse", "mae") for act in HIDDEN] + [("sigmoid", "bce"), ("softmax", "cce")]
VARIANTS = ["plain", "dropout", "batch", "layer"]
H = 1e-6
TOL = 1e-7


def make_net(hidden: str, output: str, loss: str, variant: str, seed: int = 0, l1: float = 0.0, l2: float = 0.0) -> Network:
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = 3, 4, 3 if output == "softmax" else 2
    layers = []
    fan_in = n_in
    for units, act, is_out in ((n_hidden, hidden, False), (n_out, output, True)):
        activation = make_activation(act)
        rows = activation.units_in(units)
        W = rng.normal(0, 0.8, size=(rows, fan_in))
        b = rng.normal(0, 0.3, size=rows)
        norm = make_norm(variant if variant in ("batch", "layer") and not is_out else "none", rows, np.float64)
        if norm is not None:
            norm.gamma[:] = rng.uniform(0.5, 1.5, rows)
            norm.beta[:] = rng.normal(0, 0.2, rows)
        dropout = 0.4 if variant == "dropout" and not is_out else 0.0
        layers.append(Dense(W, b, activation, norm, dropout))
        fan_in = units
    return Network(layers, make_loss(loss), l1=l1, l2=l2, rng=np.random.default_rng(99))


def batch(loss: str, n_out: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1.0, size=(6, 3))
    if loss == "bce":
        y = rng.integers(0, 2, size=(6, n_out)).astype(float)
    elif loss == "cce":
        y = np.eye(n_out)[rng.integers(0, n_out, size=6)]
    else:
        y = rng.normal(0, 1.0, size=(6, n_out))
    return x, y


def loss_at(net: Network, x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    net.rng = np.random.default_rng(7)  # the same dropout mask at every evaluation
    return net.compute_gradients(x, y, input_grad=True, w=w)


def numeric_gradient(net: Network, x: np.ndarray, y: np.ndarray, array: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + H
        up = loss_at(net, x, y, w)
        array[i] = old - H
        down = loss_at(net, x, y, w)
        array[i] = old
        grad[i] = (up - down) / (2 * H)
    return grad


def check_all_gradients(net: Network, x: np.ndarray, y: np.ndarray) -> None:
    loss_at(net, x, y)
    analytic = {f"{i}.{name}": g.copy() for i, name, _, g in net.parameters()}
    input_grad = net.layers[0].dL_dx.copy()
    for i, name, p, _ in net.parameters():
        numeric = numeric_gradient(net, x, y, p)
        g = analytic[f"{i}.{name}"]
        err = relative_error(g, numeric)
        # A gradient that is zero in exact arithmetic (the bias before a batch norm,
        # which the mean subtraction removes) leaves only rounding noise on both sides.
        vanishing = np.linalg.norm(g) < 1e-12 and np.linalg.norm(numeric) < 1e-8
        assert err < TOL or vanishing, f"layer {i} {name}: relative error {err:.2e}"
    numeric_x = numeric_gradient(net, x, y, x)
    assert relative_error(input_grad, numeric_x) < TOL, "∂L/∂x"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("output", "loss"), OUTPUTS, ids=[f"{a}-{l}" for a, l in OUTPUTS])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_finite_differences(hidden: str, output: str, loss: str, variant: str) -> None:
    net = make_net(hidden, output, loss, variant)
    x, y = batch(loss, net.layers[-1].units)
    check_all_gradients(net, x, y)


@pytest.mark.parametrize("variant", ["plain", "batch"])
def test_penalties_match_finite_differences(variant: str) -> None:
    net = make_net("tanh", "sigmoid", "bce", variant, l1=0.01, l2=0.05)
    x, y = batch("bce", 2)
    check_all_gradients(net, x, y)
    assert net.last_penalty > 0


def test_norm_on_the_output_layer() -> None:
    """Norm on the output layer goes through the fused softmax + cce path too."""
    rng = np.random.default_rng(3)
    layers = [
        Dense(rng.normal(size=(4, 3)), rng.normal(size=4), make_activation("elu")),
        Dense(rng.normal(size=(3, 4)), rng.normal(size=3), make_activation("softmax"), make_norm("layer", 3, np.float64)),
    ]
    net = Network(layers, make_loss("cce"))
    x, y = batch("cce", 3)
    check_all_gradients(net, x, y)


def test_maxout_with_three_pieces() -> None:
    rng = np.random.default_rng(4)
    act = make_activation("maxout", pieces=3)
    layers = [Dense(rng.normal(size=(6, 3)), rng.normal(size=6), act), Dense(rng.normal(size=(2, 2)), rng.normal(size=2), make_activation("linear"))]
    net = Network(layers, make_loss("mse"))
    x, y = batch("mse", 2)
    check_all_gradients(net, x, y)
    assert net.layers[0].a.shape == (6, 2)


@pytest.mark.parametrize(("output", "loss"), [("linear", "mse"), ("linear", "mae"), ("sigmoid", "bce"), ("softmax", "cce")])
def test_sample_weighted_losses_match_finite_differences(output: str, loss: str) -> None:
    """Class balancing by weights multiplies each sample's loss terms by its weight."""
    net = make_net("tanh", output, loss, "plain")
    x, y = batch(loss, net.layers[-1].units)
    w = np.random.default_rng(5).uniform(0.2, 3.0, size=(len(x), 1))
    loss_at(net, x, y, w)
    analytic = [g.copy() for _, _, _, g in net.parameters()]
    for (_, _, p, _), g in zip(net.parameters(), analytic, strict=True):
        assert relative_error(g, numeric_gradient(net, x, y, p, w)) < TOL
    # Unit weights change nothing.
    ones = np.ones((len(x), 1))
    assert net.compute_gradients(x, y, w=ones) == pytest.approx(net.compute_gradients(x, y), rel=1e-15)
