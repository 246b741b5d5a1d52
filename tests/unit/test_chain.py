"""The scalar chain: the sum over paths equals backprop's gradient and finite differences."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.teaching.chain import finite_difference, scalar_chain
from tuinn.training.trainer import Trainer

DEEP = """
seed = 5
[data]
source = "{source}"
samples = 40
classes = 3
[[model.layers]]
units = 3
activation = "{act}"
dropout = {dropout}
[[model.layers]]
units = 4
activation = "tanh"
[[model.layers]]
units = {out_units}
activation = "{out}"
[train]
loss = "{loss}"
batch_size = 4
l2 = {l2}
"""


def traced(text: str) -> tuple[Trainer, object, np.ndarray, dict]:
    t = Trainer(loads(text))
    batch = t.epoch_batches()[0]
    before = t.state()
    trace = t.traced_step(batch)
    return t, trace, batch, before


def check(t: Trainer, trace, batch: np.ndarray, before: dict, kind: str, layer: int, j: int, k: int | None) -> None:
    exp = t.experiment
    chain = scalar_chain(trace, kind, layer, j, k, sample=min(1, len(trace.inputs) - 1), l1=exp.train.l1, l2=exp.train.l2)
    assert abs(chain.chain_value - chain.backprop) <= 1e-12 * max(1.0, abs(chain.backprop))
    # finite differences on the parameters as they were before the update
    net = copy.deepcopy(t.network)
    net.set_parameters(before["params"])
    fd = finite_difference(net, t.x[batch], t.y[batch], kind, layer, j, k, rng_state=before["rng"]["dropout"]["numpy"])
    assert abs(fd - chain.backprop) <= 1e-7 * max(1.0, abs(fd))
    return chain


def test_first_layer_weight_of_the_worked_example() -> None:
    t = Trainer(loads(*resolve("backprop")))
    batch = t.epoch_batches()[0]
    before = t.state()
    trace = t.traced_step(batch)
    chain = check(t, trace, batch, before, "W", 1, 0, 0)
    assert chain.n_paths == 2 and len(chain.paths) == 2  # through both output neurons
    # Mazur: ∂E/∂w1 = 0.000438568
    assert chain.backprop == pytest.approx(0.000438568, abs=5e-10)
    names = [f.name for f in chain.paths[0].factors]
    assert names[0].startswith("∂L/∂ŷ") and any(n.startswith("W²") for n in names) and names[-1].startswith("a⁰")


@pytest.mark.parametrize(("source", "out", "out_units", "loss"), [("xor", "sigmoid", 1, "bce"), ("blobs", "softmax", 3, "cce"),
                                                                     ("reg-plane", "linear", 1, "mse")])
@pytest.mark.parametrize("act", ["tanh", "relu", "elu"])
def test_deep_chains_match_backprop_and_finite_differences(source: str, out: str, out_units: int, loss: str, act: str) -> None:
    t, trace, batch, before = traced(DEEP.format(source=source, act=act, dropout=0.3, out=out, out_units=out_units, loss=loss, l2=0.01))
    for kind, layer, j, k in (("W", 1, 2, 1), ("b", 1, 0, None), ("W", 2, 3, 0), ("W", 3, 0, 2), ("b", 3, 0, None)):
        chain = check(t, trace, batch, before, kind, layer, j, k)
        if layer == 1:
            assert chain.n_paths == 4 * out_units  # every route through layers 2 and 3
    assert len(trace.inputs) == 4


def test_norm_layers_use_the_recursive_form() -> None:
    text = DEEP.format(source="xor", act="tanh", dropout=0.0, out="sigmoid", out_units=1, loss="bce", l2=0.0).replace(
        'units = 4\nactivation = "tanh"', 'units = 4\nactivation = "tanh"\nnorm = "layer"')
    t, trace, batch, before = traced(text)
    chain = check(t, trace, batch, before, "W", 1, 0, 0)
    assert not chain.enumerated and chain.recursive
