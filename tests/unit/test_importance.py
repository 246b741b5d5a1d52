"""Unit tests of tuinn.analysis.importance: the input Jacobian, the two importances, rankings and their agreement.

The Jacobian is backpropagated by hand through activations and normalisations, which is exactly
where a sign or a missing factor hides, so it is checked against central finite differences of
``network.predict`` for every activation, every norm and the three kinds of output, and against
torch autograd on a torch network built by hand from the engine's weights. The rank statistics
are checked against values worked out by hand and against Spearman's ρ computed as the Pearson
correlation of rank positions (a different formula from the module's d² one). The acceptance
test reruns the lecture's observation on the Pima data: by gradient importance glucose comes
first for every seed, while the first-layer |W| ranking changes from seed to seed.
"""

from __future__ import annotations

import itertools
import os
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import relative_error
from tuinn.analysis import importance as I
from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.errors import TuinnError
from tuinn.training.trainer import Trainer

DATA = os.environ.get("TUINN_DATA_DIR")
HAVE_PIMA = bool(DATA) and (Path(DATA) / "pima-indians-diabetes.csv").is_file()

# --------------------------------------------------------------------------- networks to differentiate

SPEC = """
seed = 6
[data]
source = "{source}"
{classes}
samples = 64
noise = 0.2
features = ["x1", "x2", "x1^2", "sin(x2)"]
standardize = true
[[model.layers]]
units = 6
activation = "{act}"
norm = "{norm}"
dropout = 0.2
[[model.layers]]
units = 5
activation = "{act}"
norm = "{norm}"
[[model.layers]]
units = {out_units}
activation = "{out}"
norm = "{out_norm}"
[train]
loss = "{loss}"
optimizer = "adam"
learning_rate = 0.05
batch_size = 16
"""

OUTPUTS = {
    "softmax-cce": {"source": "blobs", "classes": "classes = 3", "out_units": 3, "out": "softmax", "loss": "cce"},
    "sigmoid-bce": {"source": "circle", "classes": "", "out_units": 1, "out": "sigmoid", "loss": "bce"},
    "linear-mse": {"source": "reg-plane", "classes": "", "out_units": 1, "out": "linear", "loss": "mse"},
}


def trained(act: str, norm: str, output: str, out_norm: str = "none", epochs: int = 3) -> Trainer:
    t = Trainer(loads(SPEC.format(act=act, norm=norm, out_norm=out_norm, **OUTPUTS[output])))
    for _ in range(epochs):
        t.run_epoch()
    return t


def finite_difference_jacobian(net: object, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """(n, outputs, inputs) by central differences of the evaluation-mode prediction."""
    cols = []
    for i in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[i] = h
        cols.append((net.predict(x + e) - net.predict(x - e)) / (2 * h))  # type: ignore[attr-defined]
    return np.stack(cols, axis=2)


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "elu", "leaky_relu", "maxout"])
def test_input_jacobian_matches_finite_differences(act: str, norm: str, output: str) -> None:
    t = trained(act, norm, output)
    net = t.network
    if norm == "batch":  # the running statistics are what evaluation mode uses: they must be non-trivial
        assert np.abs(net.layers[0].norm.running_mean).max() > 1e-3
        assert np.abs(net.layers[0].norm.running_var - 1.0).max() > 1e-3
    x = t.x[:24]
    jac = I.input_jacobian(net, x)
    assert jac.shape == (24, OUTPUTS[output]["out_units"], 4)
    assert jac.dtype == np.float64
    fd = finite_difference_jacobian(net, x)
    assert relative_error(jac, fd) < 1e-7
    np.testing.assert_allclose(jac, fd, rtol=1e-5, atol=1e-7)
    # gradient importance is the mean |∂ŷ_k/∂x_i| over samples and outputs
    np.testing.assert_allclose(I.gradient_importance(net, x), np.abs(fd).mean(axis=(0, 1)), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(("output", "out_norm"), [("softmax-cce", "batch"), ("sigmoid-bce", "batch"), ("softmax-cce", "layer")])
def test_input_jacobian_through_a_normalised_output_layer(output: str, out_norm: str) -> None:
    t = trained("tanh", "none", output, out_norm=out_norm)
    x = t.x[:24]
    assert relative_error(I.input_jacobian(t.network, x), finite_difference_jacobian(t.network, x)) < 1e-7


def test_softmax_jacobian_rows_sum_to_zero() -> None:
    # Σ_k ŷ_k = 1 for every input, so Σ_k ∂ŷ_k/∂x_i = 0: a property, independent of any reference.
    t = trained("relu", "layer", "softmax-cce")
    jac = I.input_jacobian(t.network, t.x)
    np.testing.assert_allclose(jac.sum(axis=1), 0.0, atol=1e-12)


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_input_jacobian_matches_torch_autograd(act: str) -> None:
    torch = pytest.importorskip("torch")
    t = trained(act, "none", "softmax-cce")
    layers = t.network.layers
    Ws = [torch.tensor(layer.W, dtype=torch.float64) for layer in layers]
    bs = [torch.tensor(layer.b, dtype=torch.float64) for layer in layers]
    f = torch.relu if act == "relu" else torch.tanh

    def forward(x: torch.Tensor) -> torch.Tensor:
        a = x
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            a = f(a @ W.T + b)
        return torch.softmax(a @ Ws[-1].T + bs[-1], dim=-1)

    x = t.x[:20]
    expected = np.stack([torch.autograd.functional.jacobian(forward, torch.tensor(xi, dtype=torch.float64)).numpy() for xi in x])
    np.testing.assert_allclose(forward(torch.tensor(x)).detach().numpy(), t.network.predict(x), rtol=0, atol=1e-14)
    np.testing.assert_allclose(I.input_jacobian(t.network, x), expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- importances and rankings


def test_weight_importance_is_the_mean_absolute_first_layer_weight() -> None:
    t = trained("tanh", "none", "sigmoid-bce")
    W = t.network.layers[0].W
    by_hand = [sum(abs(float(W[j, i])) for j in range(W.shape[0])) / W.shape[0] for i in range(W.shape[1])]
    np.testing.assert_allclose(I.weight_importance(t.network), by_hand, rtol=1e-14)
    # maxout: every row of W (units·pieces of them) counts
    m = trained("maxout", "none", "sigmoid-bce", epochs=1)
    W = m.network.layers[0].W
    assert W.shape[0] == 12
    np.testing.assert_allclose(I.weight_importance(m.network), np.abs(W).sum(axis=0) / 12, rtol=1e-14)


def test_ranking_orders_by_importance_and_keeps_input_order_on_ties() -> None:
    assert I.ranking(np.array([0.1, 0.5, 0.5, 0.2])) == [1, 2, 3, 0]
    assert I.ranking(np.array([3.0, 3.0, 3.0])) == [0, 1, 2]
    assert I.ranking(np.array([0.0, 2.0, 1.0, 2.0, 0.0])) == [1, 3, 2, 0, 4]
    assert all(type(i) is int for i in I.ranking(np.array([1.0, 2.0])))


def spearman_by_pearson(r1: list[int], r2: list[int]) -> float:
    """Spearman's ρ as the Pearson correlation of the two rank positions (no ties)."""
    pos1 = [r1.index(item) for item in range(len(r1))]
    pos2 = [r2.index(item) for item in range(len(r2))]
    return float(np.corrcoef(pos1, pos2)[0, 1])


def test_agreement_on_hand_made_rankings() -> None:
    # Three models, four inputs. Firsts: 0, 0, 1 → input 0, share 2/3.
    rankings = [[0, 1, 2, 3], [0, 2, 1, 3], [1, 0, 2, 3]]
    a = I.agreement(rankings, k=2)
    assert a["top1"] == 0 and a["top1_share"] == pytest.approx(float(F(2, 3)))
    # top-2 sets {0,1}, {0,2}, {0,1}: pair overlaps 1/2, 2/2, 1/2
    assert a["k"] == 2 and a["topk_overlap"] == pytest.approx(float(F(2, 3)))
    # Σd² per pair: 2, 2, 6 → ρ = 1 − 6Σd²/(4·15) = 0.8, 0.8, 0.4
    assert a["spearman"] == pytest.approx(float((F(4, 5) + F(4, 5) + F(2, 5)) / 3))
    assert I.agreement(rankings, k=3)["topk_overlap"] == 1.0  # every top-3 is {0, 1, 2}


def test_agreement_extremes() -> None:
    same = I.agreement([[2, 0, 1, 3]] * 4)
    assert same == {"top1": 2, "top1_share": 1.0, "k": 3, "topk_overlap": 1.0, "spearman": 1.0}
    rev = I.agreement([[0, 1, 2, 3, 4], [4, 3, 2, 1, 0]], k=2)
    assert rev["spearman"] == pytest.approx(-1.0)
    assert rev["topk_overlap"] == 0.0
    assert rev["top1_share"] == 0.5
    one = I.agreement([[1, 0]], k=5)
    assert one["k"] == 2 and one["topk_overlap"] == 1.0 and one["spearman"] == 1.0 and one["top1"] == 1
    with pytest.raises(ValueError):
        I.agreement([])


def test_agreement_spearman_equals_pearson_of_ranks_on_random_permutations() -> None:
    rng = np.random.default_rng(8)
    for _ in range(10):
        n_items, n_models = int(rng.integers(3, 9)), int(rng.integers(2, 6))
        rankings = [[int(v) for v in rng.permutation(n_items)] for _ in range(n_models)]
        pairs = list(itertools.combinations(rankings, 2))
        expected = sum(spearman_by_pearson(a, b) for a, b in pairs) / len(pairs)
        k = min(3, n_items)
        overlap = sum(len(set(a[:k]) & set(b[:k])) / k for a, b in pairs) / len(pairs)
        got = I.agreement(rankings)
        assert got["spearman"] == pytest.approx(expected, abs=1e-12)
        assert got["topk_overlap"] == pytest.approx(overlap, abs=1e-12)
        firsts = [r[0] for r in rankings]
        assert got["top1_share"] == pytest.approx(max(firsts.count(v) for v in firsts) / n_models)
        assert firsts.count(got["top1"]) == max(firsts.count(v) for v in firsts)


def test_insight_needs_at_least_one_seed() -> None:
    with pytest.raises(TuinnError):
        I.insight(loads(SPEC.format(act="tanh", norm="none", out_norm="none", **OUTPUTS["sigmoid-bce"])), 0)


# --------------------------------------------------------------------------- acceptance: Pima


@pytest.mark.skipif(not HAVE_PIMA, reason="Pima data not available (set TUINN_DATA_DIR)")
def test_pima_glucose_ranks_first_by_gradient_and_weights_are_less_stable() -> None:
    exp = loads(*resolve("pima-mlp"))
    result = I.insight(exp, 5)
    features = result["features"]
    glucose = features.index("glucose")
    seeds = result["seeds"]
    assert [s["seed"] for s in seeds] == [0, 1, 2, 3, 4]
    for s in seeds:
        assert s["rank_gradient"][0] == glucose, s
        assert s["rank_gradient"] == I.ranking(np.array(s["gradient"]))
        assert s["rank_weights"] == I.ranking(np.array(s["weights"]))

    grad, weights = result["agreement"]["gradient"], result["agreement"]["weights"]
    # Seen (numpy 2 / CPU, 60 epochs): gradient top1 = glucose, share 1.0, top-3 overlap 0.73,
    # ρ 0.85; first-layer |W|: top1 = pregnancies, share 0.4, top-3 overlap 0.63, ρ 0.28.
    assert grad["top1"] == glucose and grad["top1_share"] == 1.0
    assert weights["top1_share"] < grad["top1_share"]
    assert weights["spearman"] < grad["spearman"]
    # the agreement numbers are the mean pairwise statistics of the per-seed rankings
    for method, agr in (("gradient", grad), ("weights", weights)):
        ranks = [s[f"rank_{method}"] for s in seeds]
        pairs = list(itertools.combinations(ranks, 2))
        assert agr["spearman"] == pytest.approx(sum(spearman_by_pearson(a, b) for a, b in pairs) / len(pairs), abs=1e-12)

    # Seed 0's importances, recomputed from an independently trained model of the same spec.
    t = Trainer(exp)
    while t.epoch < exp.train.epochs:
        t.run_epoch()
    x = t.x[t.train_idx]
    np.testing.assert_allclose(seeds[0]["weights"], np.abs(t.network.layers[0].W).mean(axis=0), rtol=1e-12)
    fd = finite_difference_jacobian(t.network, x)
    np.testing.assert_allclose(seeds[0]["gradient"], np.abs(fd).mean(axis=(0, 1)), rtol=1e-6)
