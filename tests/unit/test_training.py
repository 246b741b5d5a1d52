"""Seeded training: bit-identical weights, independent random streams, batches."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.training.trainer import Trainer

SMALL = """
seed = {seed}
[data]
source = "{source}"
samples = 120
noise = 0.1
[[model.layers]]
units = 5
activation = "tanh"
dropout = {dropout}
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
optimizer = "{optimizer}"
learning_rate = 0.05
batch_size = 8
"""


def small(seed: int = 3, source: str = "xor", dropout: float = 0.2, optimizer: str = "adam") -> Trainer:
    return Trainer(loads(SMALL.format(seed=seed, source=source, dropout=dropout, optimizer=optimizer)))


def weights(trainer: Trainer) -> list[np.ndarray]:
    return [p.copy() for _, _, p, _ in trainer.network.parameters()]


def test_same_file_and_seed_give_bit_identical_weights() -> None:
    a, b = small(), small()
    for _ in range(7):
        a.run_epoch()
        b.run_epoch()
    for wa, wb in zip(weights(a), weights(b), strict=True):
        assert np.array_equal(wa, wb)  # bit for bit, not approximately


def test_different_seeds_differ() -> None:
    a, b = small(seed=3), small(seed=4)
    assert not np.array_equal(weights(a)[0], weights(b)[0])


def test_dropout_rate_does_not_change_data_or_initial_weights() -> None:
    a, b = small(dropout=0.0), small(dropout=0.5)
    assert np.array_equal(a.x, b.x)
    for wa, wb in zip(weights(a), weights(b), strict=True):
        assert np.array_equal(wa, wb)


def test_training_reduces_the_loss_on_a_separable_problem() -> None:
    t = small(source="gauss", dropout=0.0)
    x, y = t.split("train")
    before = t.network.evaluate_loss(x, y)
    for _ in range(20):
        t.run_epoch()
    after = t.network.evaluate_loss(x, y)
    assert after < 0.5 * before
    accuracy = float(((t.network.predict(x) > 0.5) == (y > 0.5)).mean())
    assert accuracy > 0.95


def test_epoch_covers_every_training_sample_once() -> None:
    t = small()
    batches = t.epoch_batches()
    seen = np.sort(np.concatenate(batches))
    assert np.array_equal(seen, t.dataset.train)
    assert [len(b) for b in batches[:-1]] == [8] * (len(batches) - 1)


def test_full_batch_and_batch_norm_drops_a_lonely_last_sample() -> None:
    text = SMALL.format(seed=0, source="circle", dropout=0.0, optimizer="sgd").replace("batch_size = 8", 'batch_size = "full"')
    t = Trainer(loads(text))
    assert [len(b) for b in t.epoch_batches()] == [len(t.dataset.train)]
    text = SMALL.format(seed=0, source="circle", dropout=0.0, optimizer="sgd").replace('activation = "tanh"', 'activation = "tanh"\nnorm = "batch"')
    t = Trainer(loads(text.replace("batch_size = 8", "batch_size = 59")))  # 60 train samples: 59 + 1
    assert [len(b) for b in t.epoch_batches()] == [59]


def test_split_is_stratified_and_standardisation_is_fitted_on_train_only() -> None:
    text = SMALL.format(seed=1, source="circle", dropout=0.0, optimizer="sgd").replace('noise = 0.1', 'noise = 0.0\nstandardize = true\ntest_fraction = 0.3')
    t = Trainer(loads(text))
    ds = t.dataset
    assert len(ds.test) == 36 and len(ds.train) == 84
    assert np.bincount(ds.labels[ds.test]).tolist() == [18, 18]
    np.testing.assert_allclose(t.x[ds.train].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(t.x[ds.train].std(axis=0), 1.0, atol=1e-12)
    assert np.abs(t.x[ds.test].mean(axis=0)).max() > 1e-6  # the test part was not used to fit


@pytest.mark.parametrize("features", [["x1^2", "x2^2"], ["x1", "x2", "x1*x2", "sin(x1)", "sin(x2)"]])
def test_features_are_computed_from_the_points(features: list[str]) -> None:
    text = SMALL.format(seed=1, source="circle", dropout=0.0, optimizer="sgd").replace('noise = 0.1', f"noise = 0.1\nfeatures = {features!r}".replace("'", '"'))
    ds = Trainer(loads(text)).dataset
    p = ds.points
    expect = {"x1": p[:, 0], "x2": p[:, 1], "x1^2": p[:, 0] ** 2, "x2^2": p[:, 1] ** 2, "x1*x2": p[:, 0] * p[:, 1],
              "sin(x1)": np.sin(p[:, 0]), "sin(x2)": np.sin(p[:, 1])}
    for k, name in enumerate(features):
        np.testing.assert_array_equal(ds.x[:, k], expect[name])


def test_targets_follow_the_output_layer() -> None:
    t = small(source="circle", dropout=0.0)
    assert set(np.unique(t.y)) == {0.0, 1.0}
    tanh_out = SMALL.format(seed=0, source="circle", dropout=0.0, optimizer="sgd").replace(
        'activation = "sigmoid"', 'activation = "tanh"').replace('loss = "bce"', 'loss = "mse"')
    assert set(np.unique(Trainer(loads(tanh_out)).y)) == {-1.0, 1.0}


def test_playground_builtin_learns_the_circle() -> None:
    text, source = resolve("playground")
    t = Trainer(loads(text, source))
    for _ in range(60):
        t.run_epoch()
    x, y = t.split("test")
    accuracy = float(((t.network.predict(x) > 0.5) == (y > 0.5)).mean())
    assert accuracy > 0.9
