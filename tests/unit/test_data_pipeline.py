"""Splits, k-fold, class balance and --set overrides."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config.spec import apply_overrides, from_dict, loads
from tuinn.data.split import kfold_indices, split_indices
from tuinn.errors import ConfigError, DataError
from tuinn.training.trainer import Trainer


def test_split_is_stratified_with_validation() -> None:
    labels = np.array([0] * 80 + [1] * 20)
    train, test, val = split_indices(100, 0.25, 0.1, np.random.default_rng(0), labels)
    assert len(set(train) | set(test) | set(val)) == 100
    assert not (set(train) & set(test)) and not (set(train) & set(val)) and not (set(test) & set(val))
    assert np.bincount(labels[test]).tolist() == [20, 5]
    assert np.bincount(labels[val]).tolist() == [8, 2]


def test_kfold_holds_every_sample_out_once_and_keeps_proportions() -> None:
    labels = np.array([0] * 50 + [1] * 23)
    idx = np.arange(73)
    folds = kfold_indices(idx, 10, np.random.default_rng(1), labels)
    held = np.concatenate([h for _, h in folds])
    assert sorted(held.tolist()) == list(range(73))
    for train, h in folds:
        assert not set(train) & set(h) and len(train) + len(h) == 73
        assert np.bincount(labels[h], minlength=2)[1] in (2, 3)
        assert np.bincount(labels[h], minlength=2)[0] == 5
    with pytest.raises(DataError, match="fewer samples than folds"):
        kfold_indices(np.arange(5), 10, np.random.default_rng(0))


UNBALANCED = """
seed = 2
[data]
source = "blobs"
classes = 3
samples = 90
test_fraction = 0.0
balance = "{balance}"
[[model.layers]]
units = 3
activation = "softmax"
[train]
loss = "cce"
"""


def unbalanced(balance: str) -> Trainer:
    t = Trainer(loads(UNBALANCED.format(balance=balance)))
    return t


def test_balance_methods_report_counts_before_and_after() -> None:
    # Make the training part unbalanced by hand: drop most of class 2.
    t = unbalanced("none")
    assert t.balance_report is None
    labels = t.dataset.labels
    keep = np.concatenate([np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)[:20], np.flatnonzero(labels == 2)[:5]])
    for method, after in (("undersample", [5, 5, 5]), ("oversample", [30, 30, 30])):
        t = Trainer(loads(UNBALANCED.format(balance=method)), split=(np.sort(keep), np.array([], int), np.array([], int)))
        assert t.balance_report["before"] == [30, 20, 5]
        assert t.balance_report["after"] == after
        assert np.bincount(labels[t.train_order]).tolist() == after
    t = Trainer(loads(UNBALANCED.format(balance="weights")), split=(np.sort(keep), np.array([], int), np.array([], int)))
    w = t.balance_report["class_weights"]
    assert w == pytest.approx([55 / 90, 55 / 60, 55 / 15])
    assert t.sample_weight[np.sort(keep)].mean() == pytest.approx(1.0)


def test_balance_needs_classification() -> None:
    with pytest.raises(ConfigError, match="data.balance"):
        Trainer(loads('[data]\nsource = "sine"\nbalance = "undersample"\n[[model.layers]]\nunits = 1\nactivation = "linear"\n'))


def test_overrides_address_tables_layers_and_parse_values() -> None:
    raw = {"model": {"layers": [{"units": 4}, {"units": 1, "activation": "sigmoid"}]}, "train": {"loss": "bce"}}
    apply_overrides(raw, ["train.learning_rate=0.1", "model.layers[1].units=7", "data.source=xor", 'train.early_stopping={patience=2}'])
    assert raw["train"]["learning_rate"] == 0.1
    assert raw["model"]["layers"][0]["units"] == 7
    assert raw["data"]["source"] == "xor"
    exp = from_dict(raw)
    assert exp.train.early_stopping is not None and exp.train.early_stopping.patience == 2
    for bad, match in (("nokey", "KEY=VALUE"), ("model.layers[3].units=2", "2 layers"), ("train.loss[1].x=2", "only model.layers")):
        with pytest.raises(ConfigError, match=match):
            apply_overrides(raw, [bad])
