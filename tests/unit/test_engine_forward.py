"""The engine's one evaluation forward, its backward to the inputs, and the declared chain-rule terms.

``Network.forward`` is the only forward pass (analyses and views call it instead of
re-writing it), so it is checked against the layers' own evaluation pass; evaluation
must leave the terms of the last training step alone; the evaluation backward must agree
with the training backward where the two maps are the same; and ``TERMS`` must name
exactly the attributes a layer holds and the fields a trace records.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from tuinn.engine import Dense, Network, make_activation, make_loss
from tuinn.engine.layers import BATCH_TERMS, TERMS
from tuinn.engine.normalization import make_norm
from tuinn.engine.optimizers import make_optimizer
from tuinn.engine.trace import LayerTrace


def make_net(norms: tuple[str, ...], acts: tuple[str, ...], loss: str = "mse", dropout: float = 0.0, seed: int = 0) -> Network:
    """A 3-input net with one layer per entry of ``acts``; hidden layers get ``norms`` and ``dropout``."""
    rng = np.random.default_rng(seed)
    layers = []
    fan_in = 3
    for i, (norm_kind, act) in enumerate(zip(norms, acts, strict=True)):
        activation = make_activation(act)
        units = 2 if i == len(acts) - 1 else 4
        rows = activation.units_in(units)
        norm = make_norm(norm_kind, rows, np.float64)
        if norm is not None:
            norm.gamma[:] = rng.uniform(0.5, 1.5, rows)
            norm.beta[:] = rng.normal(0, 0.2, rows)
        is_out = i == len(acts) - 1
        layers.append(Dense(rng.normal(0, 0.8, (rows, fan_in)), rng.normal(0, 0.3, rows), activation, norm, 0.0 if is_out else dropout))
        fan_in = units
    return Network(layers, make_loss(loss), rng=np.random.default_rng(5))


NORMED = (("batch", "layer", "none"), ("tanh", "maxout", "softmax"))


def trained(net: Network, steps: int = 3) -> Network:
    """A few steps so that batch norm's running statistics are not their initial 0 and 1."""
    rng = np.random.default_rng(1)
    opt = make_optimizer("sgd", net.pairs(), 0.1)
    for _ in range(steps):
        x = rng.normal(size=(8, 3))
        net.train_step(x, np.eye(2)[rng.integers(0, 2, 8)], opt)
    return net


def test_forward_upto_each_layer_is_the_layers_evaluation_pass_in_order() -> None:
    net = trained(make_net(*NORMED, loss="cce", dropout=0.3))
    x = np.random.default_rng(2).normal(size=(7, 3))
    expected = x
    assert net.forward(x, upto=0) is x
    for k, layer in enumerate(net.layers, 1):
        expected = layer.forward_eval(expected).a
        np.testing.assert_array_equal(net.forward(x, upto=k), expected)
    np.testing.assert_array_equal(net.forward(x), expected)
    np.testing.assert_array_equal(net.predict(x), expected)
    np.testing.assert_allclose(expected.sum(axis=1), 1.0, rtol=1e-12)  # the softmax output, not a hidden layer


@pytest.mark.parametrize("upto", [-1, 4])
def test_forward_to_a_layer_that_does_not_exist_says_which_exist(upto: int) -> None:
    net = make_net(*NORMED, loss="cce")
    with pytest.raises(ValueError, match=rf"layer {upto} does not exist: the network has layers 1\.\.3"):
        net.forward(np.zeros((1, 3)), upto=upto)


def test_training_forward_caches_the_terms_and_applies_dropout() -> None:
    net = make_net(("none", "none"), ("relu", "sigmoid"), dropout=0.5)
    x = np.random.default_rng(3).normal(size=(50, 3))
    hidden = net.forward(x, upto=1, training=True)
    layer = net.layers[0]
    assert layer.x is x
    np.testing.assert_array_equal(layer.z, x @ layer.W.T + layer.b)
    np.testing.assert_array_equal(layer.a, np.maximum(layer.z, 0.0))
    assert layer.mask is not None and set(np.unique(layer.mask)) <= {0.0, 2.0} and 0.0 in layer.mask
    np.testing.assert_array_equal(hidden, layer.a * layer.mask)
    np.testing.assert_array_equal(net.forward(x, upto=1), layer.a)  # evaluation: no mask


def test_logits_are_the_output_layers_input_to_its_activation_and_give_the_evaluation_loss() -> None:
    net = trained(make_net(*NORMED, loss="cce"))
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(9, 3)), np.eye(2)[rng.integers(0, 2, 9)]
    zn = net.logits(x)
    np.testing.assert_array_equal(net.layers[-1].activation.forward(zn), net.predict(x))
    assert net.fused
    assert net.evaluate_loss(x, y) == pytest.approx(-np.mean(np.sum(y * np.log(net.predict(x)), axis=1)), rel=1e-12)
    unfused = trained(make_net(("layer", "none"), ("tanh", "sigmoid"), loss="mse"))
    assert unfused.evaluate_loss(x, y) == pytest.approx(np.mean((unfused.predict(x) - y) ** 2), rel=1e-12)


def _terms(net: Network) -> list[dict[str, object]]:
    """Every term a layer holds, and what its norm cached for the backward (ẑ, 1/σ̂)."""
    held = []
    for layer in net.layers:
        terms = {t.attr: getattr(layer, t.attr) for t in TERMS}
        if layer.norm is not None:
            terms.update({"norm.xhat": layer.norm.xhat, "norm.inv_std": layer.norm.inv_std})
        held.append(terms)
    return held


def test_evaluation_leaves_the_terms_of_the_last_training_step_and_the_running_statistics_alone() -> None:
    net = trained(make_net(*NORMED, loss="cce", dropout=0.3))
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(8, 3)), np.eye(2)[rng.integers(0, 2, 8)]
    net.compute_gradients(x, y, input_grad=True)
    before = _terms(net)
    copies = [{k: None if v is None else np.array(v, copy=True) for k, v in d.items()} for d in before]
    stats = {k: v.copy() for k, v in net.get_parameters().items()}
    other = rng.normal(size=(5, 3))
    net.predict(other)
    net.forward(other, upto=2)
    net.logits(other)
    net.evaluate_loss(other, np.eye(2)[[0, 1, 0, 1, 1]])
    net.input_jacobian(other)
    after = _terms(net)
    for layer_before, layer_after, layer_copy in zip(before, after, copies, strict=True):
        for attr, value in layer_before.items():
            assert layer_after[attr] is value, attr
            if value is not None:
                np.testing.assert_array_equal(value, layer_copy[attr], err_msg=attr)
    for key, value in net.get_parameters().items():
        np.testing.assert_array_equal(value, stats[key], err_msg=key)


@pytest.mark.parametrize("acts", [("tanh", "linear"), ("elu", "sigmoid"), ("maxout", "tanh")])
def test_backward_to_the_inputs_agrees_with_the_training_backward_where_the_maps_are_equal(acts: tuple[str, str]) -> None:
    """Layer norm and no dropout: the evaluation map is the training map, so ∂L/∂x = Σₖ ∂L/∂ŷₖ·∂ŷₖ/∂x."""
    net = make_net(("layer", "none"), acts, loss="mse", seed=3)
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    net.compute_gradients(x, y, input_grad=True)
    dL_dyhat = net.loss.gradient(net.predict(x), y)
    via_jacobian = np.einsum("sk,ski->si", dL_dyhat, net.input_jacobian(x))
    np.testing.assert_allclose(via_jacobian, net.layers[0].dL_dx, rtol=1e-12, atol=1e-15)


def test_terms_name_every_term_a_trace_records_and_every_attribute_a_layer_holds() -> None:
    trace_terms = [f.name for f in fields(LayerTrace) if f.name not in ("layer", "activation", "norm", "W", "b", "extra", "extra_grads", "after")]
    assert [t.name for t in TERMS] == trace_terms
    assert len({t.attr for t in TERMS}) == len(TERMS)
    fresh = make_net(("batch", "none"), ("tanh", "sigmoid")).layers[0]
    for t in TERMS:
        assert hasattr(fresh, t.attr), t.attr
        assert t.symbol and t.meaning and t.shape.startswith("(")
    assert {t.name for t in TERMS if t.norm_only} == {"z_norm", "dL_dznorm"}
    assert BATCH_TERMS == tuple(t.name for t in TERMS if t.name not in ("dL_dW", "dL_db"))


def test_a_trace_copies_each_declared_term_from_the_attribute_that_holds_it() -> None:
    net = make_net(("batch", "none"), ("tanh", "linear"), loss="mse", dropout=0.25)
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    trace = net.traced_step(x, y, make_optimizer("sgd", net.pairs(), 0.0))  # rate 0: the layers keep the step's terms
    for t_layer, layer in zip(trace.layers, net.layers, strict=True):
        for term in TERMS:
            recorded, held = getattr(t_layer, term.name), getattr(layer, term.attr)
            if (term.norm_only and layer.norm is None) or held is None:
                assert recorded is None, (t_layer.layer, term.name)
                continue
            assert recorded is not held, (t_layer.layer, term.name)  # a copy: the next step cannot overwrite it
            np.testing.assert_array_equal(recorded, held, err_msg=f"layer {t_layer.layer} {term.name}")
    assert trace.layers[0].mask is not None and trace.layers[0].z_norm is not None and trace.layers[1].z_norm is None


def test_the_step_through_shows_one_samples_row_of_every_per_sample_term() -> None:
    from tuinn.session.stepping import sample_view

    net = make_net(("layer", "none"), ("tanh", "linear"), loss="mse", dropout=0.25)
    rng = np.random.default_rng(10)
    trace = net.traced_step(rng.normal(size=(6, 3)), rng.normal(size=(6, 2)), make_optimizer("sgd", net.pairs(), 0.1))
    view = sample_view(trace, 4)
    for whole, one in zip(trace.layers, view.layers, strict=True):
        for term in TERMS:
            full, row = getattr(whole, term.name), getattr(one, term.name)
            if full is None:
                assert row is None
            elif term.per_sample:
                np.testing.assert_array_equal(row, full[4:5], err_msg=term.name)
            else:
                assert row is full, term.name  # gradients stay batch totals


NEURON_NET = """
name = "neurons"
seed = 2
[data]
source = "xor"
samples = 40
[[model.layers]]
units = 3
activation = "tanh"
dropout = 0.5
[[model.layers]]
units = 2
activation = "relu"
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
optimizer = "sgd"
learning_rate = 0.3
batch_size = 10
"""


@pytest.mark.parametrize(("layer", "index"), [(1, 2), (2, 0), (2, 1), (3, 0)])
def test_the_playgrounds_neuron_output_is_the_evaluation_forward_of_its_weights(layer: int, index: int) -> None:
    from tuinn.config.spec import loads
    from tuinn.session.playground import Playground

    pg = Playground(loads(NEURON_NET))
    for _ in range(3):
        pg.trainer.run_epoch()
    p = pg.trainer.model.get_parameters()
    grid = np.random.default_rng(0).uniform(-6, 6, size=(30, 2))
    by_hand = [grid, np.tanh(grid @ p["1.W"].T + p["1.b"])]  # evaluation: no dropout
    by_hand.append(np.maximum(by_hand[1] @ p["2.W"].T + p["2.b"], 0.0))
    by_hand.append(1.0 / (1.0 + np.exp(-(by_hand[2] @ p["3.W"].T + p["3.b"]))))
    np.testing.assert_allclose(pg._neuron_output(grid, layer, index), by_hand[layer][:, index], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(pg._neuron_output(grid, 0, 1), grid[:, 1])
