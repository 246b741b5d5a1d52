"""The linear collapse against arithmetic done here: the lecture's substitution, the matrix
product, the folded bias, and the acceptance numbers of the linear-collapse lab.

Acceptance ([G] Concept labs): the equivalent layer reproduces a 4-layer linear net's
outputs to ≤ 1e-12 (float64); with tanh the best single layer has a clearly larger error.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tuinn.analysis.collapse import best_affine, collapse, compare, is_linear_stack, output_logits
from tuinn.course.labs import load_lab
from tuinn.engine.activations import make_activation
from tuinn.engine.layers import Dense
from tuinn.engine.losses import make_loss
from tuinn.engine.network import Network
from tuinn.engine.normalization import make_norm
from tuinn.session.variants import SideBySide

TOL = 1e-12


def stack(sizes: list[int], hidden: str, output: str, rng: np.random.Generator, norm: str = "none") -> Network:
    """A float64 engine net of layer ``sizes`` (inputs first) with random weights and biases."""
    layers = []
    for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        last = k == len(sizes) - 2
        W = rng.normal(size=(n_out, n_in))
        b = rng.normal(size=n_out)
        layers.append(Dense(W, b, make_activation(output if last else hidden), make_norm("none" if last else norm, n_out, np.dtype(np.float64))))
    return Network(layers, make_loss("mse"))


def plane(rng: np.random.Generator, n: int, dims: int) -> np.ndarray:
    """Inputs spread over the playground's plane (−6…6 in every coordinate)."""
    return rng.uniform(-6.0, 6.0, size=(n, dims))


SHAPES = [[2, 4, 4, 3, 1], [3, 5, 2, 6, 2], [2, 8, 8, 8, 1], [4, 1, 7, 3, 3]]


@pytest.mark.parametrize("sizes", SHAPES)
@pytest.mark.parametrize("output", ["linear", "sigmoid"])
def test_collapse_reproduces_a_four_layer_linear_net(sizes: list[int], output: str) -> None:
    rng = np.random.default_rng(sum(sizes))
    net = stack(sizes, "linear", output, rng)
    x = plane(rng, 500, sizes[0])
    layer = collapse(net)
    assert layer.W.shape == (sizes[-1], sizes[0]) and layer.b.shape == (sizes[-1],)
    assert layer.W.dtype == np.float64
    z = output_logits(net, x)
    assert np.max(np.abs(layer(x) - z)) <= TOL
    # The output activation stays where it was: f_L(W·x + b) is the net's prediction.
    assert np.max(np.abs(net.layers[-1].activation.forward(layer(x)) - net.predict(x))) <= TOL
    report = compare(net, x)
    assert report.exact and report.max_difference <= TOL
    assert report.target_range == pytest.approx(float(np.ptp(z)))


@pytest.mark.parametrize("sizes", SHAPES)
def test_collapsed_layer_is_the_matrix_product_and_the_folded_bias(sizes: list[int]) -> None:
    rng = np.random.default_rng(len(sizes) + sizes[1])
    net = stack(sizes, "linear", "linear", rng)
    W1, W2, W3, W4 = (layer.W for layer in net.layers)
    b1, b2, b3, b4 = (layer.b for layer in net.layers)
    W = W4 @ W3 @ W2 @ W1
    b = W4 @ (W3 @ (W2 @ b1 + b2) + b3) + b4
    layer = collapse(net)
    np.testing.assert_allclose(layer.W, W, rtol=0, atol=TOL)
    np.testing.assert_allclose(layer.b, b, rtol=0, atol=TOL)


def test_lecture_substitution_two_linear_neurons_then_one() -> None:
    """The lecture's 2-2-1 example, regrouped by hand (step 4 of the slide):

    z = b_z + w_z1·b_1 + w_z2·b_2 + (w_z1·w_11 + w_z2·w_21)·x_1 + (w_z1·w_12 + w_z2·w_22)·x_2
    """
    w11, w12, b1 = 0.5, -1.0, 0.1  # y_1 = b_1 + w_11·x_1 + w_12·x_2
    w21, w22, b2 = 2.0, 0.25, -0.3  # y_2 = b_2 + w_21·x_1 + w_22·x_2
    wz1, wz2, bz = 1.5, -0.5, 0.2  # z = b_z + w_z1·y_1 + w_z2·y_2
    B = bz + wz1 * b1 + wz2 * b2
    W1 = wz1 * w11 + wz2 * w21
    W2 = wz1 * w12 + wz2 * w22
    assert (B, W1, W2) == pytest.approx((0.5, -0.25, -1.625))
    lin = make_activation("linear")
    net = Network([Dense(np.array([[w11, w12], [w21, w22]]), np.array([b1, b2]), lin),
                   Dense(np.array([[wz1, wz2]]), np.array([bz]), make_activation("linear"))], make_loss("mse"))
    layer = collapse(net)
    np.testing.assert_allclose(layer.W, [[W1, W2]], rtol=0, atol=TOL)
    np.testing.assert_allclose(layer.b, [B], rtol=0, atol=TOL)
    for x1, x2 in [(0.0, 0.0), (1.0, 2.0), (-3.5, 0.75)]:
        y1, y2 = b1 + w11 * x1 + w12 * x2, b2 + w21 * x1 + w22 * x2
        z = bz + wz1 * y1 + wz2 * y2
        assert z == pytest.approx(B + W1 * x1 + W2 * x2, abs=TOL)
        assert net.predict(np.array([[x1, x2]]))[0, 0] == pytest.approx(z, abs=TOL)


def test_trained_linear_lab_net_collapses_to_rounding_error() -> None:
    """The lab's own linear 2-4-4-3-1 net, trained (Adam, float64): still one layer, epoch after epoch."""
    lab = load_lab("linear-collapse")
    assert lab.experiment is not None and lab.experiment.train.dtype == "float64"
    sides = SideBySide(lab.experiment, [(label, list(sets)) for label, sets in lab.groups[0].variants])
    linear = sides.variants[0].playground.trainer
    assert [layer.activation.name for layer in linear.network.layers] == ["linear", "linear", "linear", "sigmoid"]
    for _ in range(3):
        sides.run_epochs(2)
        net, x = linear.network, linear.x
        assert is_linear_stack(net)
        report = compare(net, x)
        assert report.exact and report.max_difference <= TOL
        assert np.max(np.abs(net.layers[-1].activation.forward(report.layer(x)) - net.predict(x))) <= TOL


def test_tanh_lab_net_has_no_single_layer_near_it() -> None:
    """The lab's tanh variant after 20 epochs: the best single layer misses by > 10 % of z's range."""
    lab = load_lab("linear-collapse")
    assert lab.experiment is not None
    sides = SideBySide(lab.experiment, [(label, list(sets)) for label, sets in lab.groups[0].variants])
    sides.run_epochs(20)
    linear, tanh = (v.playground.trainer for v in sides.variants)
    assert not is_linear_stack(tanh.network)
    with pytest.raises(ValueError, match="hidden layers"):
        collapse(tanh.network)
    bad = compare(tanh.network, tanh.x)
    good = compare(linear.network, linear.x)
    assert not bad.exact and bad.max_difference > 0.1 * bad.target_range
    assert good.max_difference <= TOL and bad.max_difference > 1e9 * max(good.max_difference, 1e-300)


@pytest.mark.parametrize("sizes", SHAPES[:3])
def test_tanh_hidden_layers_random_weights_best_layer_is_far_off(sizes: list[int]) -> None:
    rng = np.random.default_rng(7 + sizes[1])
    net = stack(sizes, "tanh", "linear", rng)
    x = plane(rng, 800, sizes[0])
    report = compare(net, x)
    assert not report.exact
    assert report.max_difference > 0.1 * report.target_range
    with pytest.raises(ValueError):
        collapse(net)
    # What "best" means: no other single layer does better in least squares (the fit's normal equations hold).
    z = output_logits(net, x)
    residual = z - report.layer(x)
    design = np.hstack([x, np.ones((len(x), 1))])
    np.testing.assert_allclose(design.T @ residual, 0.0, atol=1e-8 * np.abs(z).max() * len(x))


def test_normalisation_or_relu_between_layers_is_not_collapsed() -> None:
    rng = np.random.default_rng(3)
    normed = stack([2, 4, 3, 1], "linear", "linear", rng, norm="layer")
    relu = stack([2, 4, 3, 1], "relu", "linear", rng)
    for net in (normed, relu):
        assert not is_linear_stack(net)
        with pytest.raises(ValueError):
            collapse(net)
        assert not compare(net, plane(rng, 200, 2)).exact


def test_best_affine_recovers_an_affine_target_exactly() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(300, 3))
    W = rng.normal(size=(2, 3))
    b = rng.normal(size=2)
    fit = best_affine(x, x @ W.T + b)
    np.testing.assert_allclose(fit.W, W, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.b, b, rtol=0, atol=1e-10)
    assert np.max(np.abs(fit(x) - (x @ W.T + b))) <= 1e-10
