"""Unit tests of tuinn.analysis.latent: PCA, k-means, the adjusted Rand index, layer activations, the latent view.

The latent-space screen claims that a trained network pulls the classes apart in its hidden
layers; that claim is only worth something if the projection and the scores behind it are
right. So every number here is checked against an independent computation written in this
file: PCA against an eigendecomposition of the covariance matrix (``np.linalg.eigh``, not the
module's SVD), the adjusted Rand index against explicit loops over all pairs of samples,
activations against a hand-written forward pass, the torch backend's engine copy against the
torch model itself. The acceptance test trains a 3-class spiral and checks that the last
hidden layer separates the classes far above chance (1/3).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tuinn.analysis import latent as L
from tuinn.config.spec import loads
from tuinn.training.trainer import Trainer

# --------------------------------------------------------------------------- independent references


def eigh_pca(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(directions (k, d), coordinates (n, k), explained (k,)) from the covariance matrix's eigenvectors."""
    c = x - x.mean(axis=0)
    cov = c.T @ c / (len(x) - 1)
    w, v = np.linalg.eigh(cov)  # ascending
    w, v = w[::-1], v[:, ::-1]
    return v[:, :k].T, c @ v[:, :k], w[:k] / w.sum()


def brute_ari(a: np.ndarray, b: np.ndarray) -> float:
    """Hubert–Arabie ARI from pair counts obtained by looping over every pair of samples."""
    n = len(a)
    both = only_a = only_b = neither = 0
    for i, j in itertools.combinations(range(n), 2):
        sa, sb = a[i] == a[j], b[i] == b[j]
        if sa and sb:
            both += 1
        elif sa:
            only_a += 1
        elif sb:
            only_b += 1
        else:
            neither += 1
    total = both + only_a + only_b + neither
    index = both  # Σ C(n_ij, 2): pairs together in both labelings
    rows = both + only_a  # Σ C(a_i, 2): pairs together in a
    cols = both + only_b  # Σ C(b_j, 2): pairs together in b
    expected = rows * cols / total
    top = (rows + cols) / 2
    ari = (index - expected) / (top - expected)
    # The same number from the 2×2 pair table (Steinley's form), as a check of this reference.
    steinley = 2 * (neither * both - only_a * only_b) / ((neither + only_a) * (only_a + both) + (neither + only_b) * (only_b + both))
    assert abs(ari - steinley) < 1e-12
    return ari


def nearest_centroid_by_hand(fx: np.ndarray, fy: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    classes = sorted(set(fy.tolist()))
    cents = {c: fx[fy == c].mean(axis=0) for c in classes}
    right = 0
    for xi, yi in zip(x, y, strict=True):
        best = min(classes, key=lambda c: float(np.sum((xi - cents[c]) ** 2)))
        right += best == yi
    return right / len(y)


ACT = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "softmax": lambda z: np.exp(z - z.max(axis=1, keepdims=True)) / np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
}


def hand_layers(trainer: Trainer, x: np.ndarray) -> list[np.ndarray]:
    """[inputs, a¹, a², …] by z = x·Wᵀ + b, a = f(z) (plain layers, evaluation mode: no dropout)."""
    outs = [np.asarray(x, dtype=np.float64)]
    for layer, spec in zip(trainer.network.layers, trainer.experiment.model.layers, strict=True):
        outs.append(ACT[spec.activation](outs[-1] @ layer.W.T + layer.b))
    return outs


# --------------------------------------------------------------------------- PCA


@pytest.mark.parametrize(("seed", "k"), [(0, 2), (1, 2), (2, 3), (3, 4)])
def test_pca_matches_the_eigendecomposition_of_the_covariance(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    x = rng.standard_normal((80, 5)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5]) @ q.T + rng.standard_normal(5)
    p = L.pca(x, k)
    dirs, coords, explained = eigh_pca(x, k)
    assert p.components.shape == (k, 5) and p.coords.shape == (80, k) and p.explained.shape == (k,)
    np.testing.assert_allclose(p.mean, x.mean(axis=0), atol=1e-12)
    signs = np.where(np.sum(p.components * dirs, axis=1) < 0, -1.0, 1.0)
    np.testing.assert_allclose(p.components, dirs * signs[:, None], atol=1e-9)
    np.testing.assert_allclose(p.coords, coords * signs[None, :], atol=1e-8)
    np.testing.assert_allclose(p.explained, explained, rtol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(p.components, axis=1), 1.0, atol=1e-12)


def test_pca_sign_convention_makes_the_largest_entry_positive() -> None:
    rng = np.random.default_rng(7)
    for _ in range(10):
        x = rng.standard_normal((30, 4)) * rng.uniform(0.5, 3.0, 4)
        p = L.pca(x, 3)
        for comp in p.components:
            assert comp[np.argmax(np.abs(comp))] > 0
        # negating the data flips the SVD's signs but not the result
        np.testing.assert_allclose(L.pca(-x, 3).components, p.components, atol=1e-9)


def test_pca_pads_one_dimensional_data() -> None:
    x = np.array([[1.0], [3.0], [4.0], [8.0]])
    p = L.pca(x, 2)
    assert p.coords.shape == (4, 2)
    np.testing.assert_allclose(p.coords[:, 0], [-3.0, -1.0, 0.0, 4.0], atol=1e-12)  # x − mean(x) = x − 4
    np.testing.assert_array_equal(p.coords[:, 1], 0.0)
    np.testing.assert_allclose(p.components, [[1.0], [0.0]], atol=1e-12)
    np.testing.assert_allclose(p.explained, [1.0, 0.0], atol=1e-12)


def test_pca_of_zero_variance_data_is_all_zeros() -> None:
    x = np.tile([2.0, -1.0, 5.0], (6, 1))
    p = L.pca(x, 2)
    assert np.all(np.isfinite(p.coords)) and np.all(np.isfinite(p.explained))
    np.testing.assert_array_equal(p.coords, 0.0)
    np.testing.assert_array_equal(p.explained, 0.0)
    np.testing.assert_array_equal(p.mean, [2.0, -1.0, 5.0])


def test_pca_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError):
        L.pca(np.zeros(5))
    with pytest.raises(ValueError):
        L.pca(np.zeros((0, 3)))


# --------------------------------------------------------------------------- k-means and ARI


def blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    y = np.repeat([0, 1, 2], [20, 25, 15])
    return centres[y] + 0.3 * rng.standard_normal((60, 2)), y


def test_kmeans_recovers_well_separated_blobs() -> None:
    x, y = blobs()
    labels, centres, inertia = L.kmeans(x, 3, np.random.default_rng(1))
    assert brute_ari(y, labels) == pytest.approx(1.0, abs=1e-12)
    # each cluster is exactly one blob, its centre that blob's mean
    for c in range(3):
        members = np.unique(y[labels == c])
        assert len(members) == 1
        np.testing.assert_allclose(centres[c], x[y == members[0]].mean(axis=0), atol=1e-12)
    by_hand = sum(float(np.sum((xi - centres[li]) ** 2)) for xi, li in zip(x, labels, strict=True))
    assert inertia == pytest.approx(by_hand, rel=1e-12)


def test_kmeans_is_deterministic_for_a_seed() -> None:
    x, _ = blobs(3)
    x = np.vstack([x, np.random.default_rng(9).uniform(-2, 12, (40, 2))])  # some clutter, so starts matter
    a = L.kmeans(x, 4, np.random.default_rng(42))
    b = L.kmeans(x, 4, np.random.default_rng(42))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]
    with pytest.raises(ValueError):
        L.kmeans(x, 0, np.random.default_rng(0))
    with pytest.raises(ValueError):
        L.kmeans(x, len(x) + 1, np.random.default_rng(0))


@pytest.mark.parametrize("seed", range(6))
def test_adjusted_rand_index_equals_brute_force_pair_counting(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 40))
    a = rng.integers(0, int(rng.integers(2, 5)), n)
    b = rng.integers(0, int(rng.integers(2, 6)), n)
    assert L.adjusted_rand_index(a, b) == pytest.approx(brute_ari(a, b), abs=1e-12)
    # a labeling correlated with a, so the value is not only near 0
    c = np.where(rng.random(n) < 0.7, a, rng.integers(0, 3, n))
    assert L.adjusted_rand_index(a, c) == pytest.approx(brute_ari(a, c), abs=1e-12)
    assert L.adjusted_rand_index(c, a) == pytest.approx(L.adjusted_rand_index(a, c), abs=1e-12)


def test_adjusted_rand_index_identity_and_relabeling() -> None:
    rng = np.random.default_rng(4)
    a = rng.integers(0, 4, 50)
    assert L.adjusted_rand_index(a, a) == pytest.approx(1.0, abs=1e-12)
    renamed = np.array([7, -1, 30, 2])[a]  # a bijective renaming of the labels
    assert L.adjusted_rand_index(a, renamed) == pytest.approx(1.0, abs=1e-12)
    b = rng.integers(0, 3, 50)
    assert L.adjusted_rand_index(renamed, b) == pytest.approx(L.adjusted_rand_index(a, b), abs=1e-12)
    assert L.adjusted_rand_index(np.array(["x", "y", "x"]), np.array([0, 1, 0])) == pytest.approx(1.0)
    assert L.adjusted_rand_index(np.zeros(5), np.zeros(5)) == 1.0  # one cluster each: identical


def test_nearest_centroid_accuracy_by_hand() -> None:
    fx = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 0.0], [10.0, 2.0]])
    fy = np.array([0, 0, 1, 1])  # centroids (1, 0) and (10, 1)
    x = np.array([[1.0, 1.0], [5.0, 0.0], [6.0, 0.0], [9.0, 9.0], [0.0, 0.0]])
    y = np.array([0, 0, 0, 1, 1])  # predicted: 0, 0 (4.0 vs 5.1), 1 (5.0 vs 4.1), 1, 0 → 3 right
    assert L.nearest_centroid_accuracy(fx, fy, x, y) == pytest.approx(3 / 5)
    rng = np.random.default_rng(2)
    for _ in range(5):
        px, py = rng.standard_normal((40, 3)), rng.integers(0, 3, 40)
        assert L.nearest_centroid_accuracy(px, py, px, py) == nearest_centroid_by_hand(px, py, px, py)


# --------------------------------------------------------------------------- activations

PLAIN = """
seed = 5
[data]
source = "circle"
samples = 80
noise = 0.1
[[model.layers]]
units = 5
activation = "tanh"
dropout = 0.3
[[model.layers]]
units = 4
activation = "relu"
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
optimizer = "adam"
learning_rate = 0.05
batch_size = 8
"""


def test_layer_outputs_equal_a_hand_forward_pass() -> None:
    t = Trainer(loads(PLAIN))
    for _ in range(3):
        t.run_epoch()
    hand = hand_layers(t, t.x)
    for layer in range(4):
        got = L.layer_outputs(t.network, t.x, layer)
        np.testing.assert_allclose(got, hand[layer], rtol=1e-12, atol=1e-14)
    assert L.layer_outputs(t.network, t.x, 0) is t.x or np.array_equal(L.layer_outputs(t.network, t.x, 0), t.x)
    for bad in (-1, 4):
        with pytest.raises(ValueError):
            L.layer_outputs(t.network, t.x, bad)
    assert L.layer_name(t, 0) == "inputs (2)"
    assert L.layer_name(t, 2) == "layer 2, hidden (4 relu)"
    assert L.layer_name(t, 3) == "layer 3, output (1 sigmoid)"


def test_engine_network_of_a_numpy_trainer_is_its_own_network() -> None:
    t = Trainer(loads(PLAIN))
    assert L.engine_network(t) is t.network


def test_engine_network_of_a_torch_trainer_gives_the_torch_outputs() -> None:
    pytest.importorskip("torch")
    text = PLAIN.replace('activation = "tanh"', 'activation = "tanh"\nnorm = "batch"').replace(
        'batch_size = 8', 'batch_size = 8\nbackend = "torch"')
    t = Trainer(loads(text))
    assert t.model.name == "torch"
    for _ in range(3):
        t.run_epoch()
    net = L.engine_network(t)
    params = t.model.get_parameters()
    assert set(params) == set(net.get_parameters())
    for key, value in net.get_parameters().items():
        np.testing.assert_array_equal(value, params[key])  # the trained weights, not the initial ones
    assert np.abs(params["1.running_var"] - 1.0).max() > 1e-3  # batch-norm statistics were trained
    np.testing.assert_allclose(net.predict(t.x), t.model.predict(t.x), rtol=0, atol=1e-12)
    # ...and the hidden layer seen by latent_view is the torch model's too
    # (a 1-unit layer: PCA's first coordinate is the centred output, the second is 0)
    out = t.model.predict(t.x)[:, 0]
    view = L.latent_view(t, 3)
    np.testing.assert_allclose(view.coords[:, 0], out - out.mean(), atol=1e-12)
    np.testing.assert_array_equal(view.coords[:, 1], 0.0)


# --------------------------------------------------------------------------- the latent view

# A 2-32-32-2-3 net: the narrow linear layer before the softmax is the last hidden layer.
# Found by trying: a 2-16-16-3 tanh net reaches 99 % train accuracy here too, but nearest
# centroids on its last hidden layer (2-D PCA, or even all 16 dimensions) reach only ~0.45
# (~0.55): linearly separable is not the same as clustered. With the bottleneck, 12 seeds
# gave train accuracy >= 0.99 and separation >= 0.97.
SPIRALS = """
seed = {seed}
[data]
source = "spirals"
classes = 3
samples = 300
noise = 0.0
test_fraction = 0.0
[[model.layers]]
units = 32
activation = "tanh"
[[model.layers]]
units = 32
activation = "tanh"
[[model.layers]]
units = 2
activation = "linear"
[[model.layers]]
units = 3
activation = "softmax"
[train]
loss = "cce"
optimizer = "adam"
learning_rate = 0.03
batch_size = "full"
"""


@pytest.fixture(scope="module", params=[0, 1])
def spiral_trainer(request: pytest.FixtureRequest) -> Trainer:
    t = Trainer(loads(SPIRALS.format(seed=request.param)))
    for _ in range(300):
        t.run_epoch()
    return t


def test_trained_spiral_separates_the_classes_in_its_last_hidden_layer(spiral_trainer: Trainer) -> None:
    t = spiral_trainer
    y = t.dataset.labels
    assert t.evaluate("train")["accuracy"] > 0.9
    last_hidden = len(t.experiment.model.layers) - 1
    view = L.latent_view(t, last_hidden)
    assert view.method == "pca" and view.note == ""
    assert view.coords.shape == (len(y), 2)
    np.testing.assert_array_equal(view.labels, y)
    assert view.class_names == ["0", "1", "2"]
    assert view.separation > 0.8  # chance: 1/3

    # The same number from scratch: hand forward pass, eigh-PCA, hand nearest centroid.
    acts = hand_layers(t, t.x)[last_hidden]
    np.testing.assert_allclose(L.layer_outputs(t.network, t.x, last_hidden), acts, rtol=1e-10, atol=1e-12)
    _, coords, explained = eigh_pca(acts, 2)
    signs = np.where(np.sum(coords * view.coords, axis=0) < 0, -1.0, 1.0)
    np.testing.assert_allclose(view.coords, coords * signs, atol=1e-8)
    np.testing.assert_allclose(view.explained, explained, rtol=1e-8)
    assert nearest_centroid_by_hand(coords, y, coords, y) == view.separation

    # the inputs themselves are tangled: far less separated than the hidden layer
    assert L.latent_view(t, 0).separation < view.separation - 0.3


def test_latent_view_clusters_and_agreement(spiral_trainer: Trainer) -> None:
    t = spiral_trainer
    view = L.latent_view(t, 3, clusters=3, seed=1)
    assert view.clusters is not None and view.clusters.shape == (len(t.x),)
    assert set(np.unique(view.clusters)) <= {0, 1, 2}
    assert isinstance(view.cluster_agreement, float)
    assert -1.0 <= view.cluster_agreement <= 1.0
    assert view.cluster_agreement == pytest.approx(brute_ari(t.dataset.labels, view.clusters), abs=1e-12)
    again = L.latent_view(t, 3, clusters=3, seed=1)
    np.testing.assert_array_equal(again.clusters, view.clusters)


def test_umap_falls_back_to_pca_with_an_install_hint(spiral_trainer: Trainer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(L, "umap_available", lambda: False)
    view = L.latent_view(spiral_trainer, 2, method="umap")
    assert view.method == "pca"
    assert "pip install" in view.note
    np.testing.assert_array_equal(view.coords, L.latent_view(spiral_trainer, 2).coords)
    with pytest.raises(ValueError):
        L.latent_view(spiral_trainer, 2, method="tsne")


def test_latent_view_of_a_regression_has_values_and_no_separation() -> None:
    text = PLAIN.replace('"circle"', '"reg-plane"').replace('"sigmoid"', '"linear"').replace('"bce"', '"mse"')
    t = Trainer(loads(text))
    t.run_epoch()
    view = L.latent_view(t, 1, clusters=2)
    assert view.labels is None and view.separation is None and view.cluster_agreement is None
    np.testing.assert_array_equal(view.values, t.y[:, 0])
    assert view.clusters is not None and view.clusters.shape == (len(t.x),)
