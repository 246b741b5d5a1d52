"""Unit tests of tuinn.training.kfold (K-fold cross-validation) and tuinn.analysis.balance (class balance).

Cross-validation is only honest if the K held-out folds partition the learning set (every
sample outside the validation split is tested exactly once, by a model that did not train on
it), so the folds actually handed to the trainers are recorded and checked, and the reported
mean ± std is recomputed by hand. Class balancing changes what the model trains on; the counts
per split and after undersampling / oversampling / weighting are checked against explicit loops
over the labels, and balanced accuracy against its definition (mean per-class recall).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tuinn.analysis import balance as B
from tuinn.config.spec import BALANCES, loads
from tuinn.data.split import kfold_indices
from tuinn.errors import TuinnError
from tuinn.training import kfold as CV
from tuinn.training.interrupts import SignalGuard
from tuinn.training.run import cross_validate
from tuinn.training.run_folder import RunFolder, read_finished_folds
from tuinn.training.trainer import Trainer, seed_streams

CLASSIFY = """
seed = 7
[data]
source = "{source}"
classes = 3
samples = {samples}
noise = 0.3
test_fraction = {test}
validation_fraction = {val}
[[model.layers]]
units = 5
activation = "tanh"
[[model.layers]]
units = {out_units}
activation = "{out}"
[train]
loss = "{loss}"
optimizer = "adam"
learning_rate = 0.05
batch_size = 16
epochs = 3
"""

REGRESSION = """
seed = 1
[data]
source = "reg-plane"
samples = 60
test_fraction = 0.25
[[model.layers]]
units = 4
activation = "tanh"
[[model.layers]]
units = 1
activation = "linear"
[train]
loss = "mse"
optimizer = "adam"
learning_rate = 0.05
epochs = 2
"""


def binary_text(samples: int = 90, test: float = 0.25, val: float = 0.1) -> str:
    return CLASSIFY.format(source="gauss", samples=samples, test=test, val=val, out_units=1, out="sigmoid", loss="bce")


def multi_text(samples: int = 150, test: float = 0.3, val: float = 0.0) -> str:
    return CLASSIFY.format(source="blobs", samples=samples, test=test, val=val, out_units=3, out="softmax", loss="cce")


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


# --------------------------------------------------------------------------- K-fold


def test_iter_folds_hold_out_a_partition_of_the_learning_set(monkeypatch: pytest.MonkeyPatch) -> None:
    splits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    class Recording(Trainer):
        def __init__(self, *args: object, **kwargs: object) -> None:
            if kwargs.get("split") is not None:
                splits.append(kwargs["split"])  # type: ignore[arg-type]
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(CV, "Trainer", Recording)
    exp = loads(binary_text())
    k = 4
    epochs_seen = []
    folds = list(CV.iter_folds(exp, k, on_epoch=epochs_seen.append))
    assert len(folds) == k == len(splits)
    assert len(epochs_seen) == k * exp.train.epochs
    for f in folds:
        assert list(f) == list(CV.METRICS)
        assert all(isinstance(v, float) for v in f.values())

    ds = Trainer(exp).dataset
    learning = np.sort(np.concatenate([ds.train, ds.test]))
    assert len(ds.validation) > 0 and not set(ds.validation) & set(learning)
    held = [s[1] for s in splits]
    # a partition: disjoint, and together exactly the learning set
    for i in range(k):
        for j in range(i + 1, k):
            assert not set(held[i].tolist()) & set(held[j].tolist())
    assert sorted(np.concatenate(held).tolist()) == learning.tolist()
    for train, test, val in splits:
        assert sorted(np.concatenate([train, test]).tolist()) == learning.tolist()
        assert not set(train.tolist()) & set(test.tolist())
        np.testing.assert_array_equal(val, ds.validation)
        assert abs(len(test) - len(learning) / k) <= 2  # nearly equal folds (stratified: ±1 per class)
    # ...and they are the folds of the experiment's own kfold stream
    expected = kfold_indices(learning, k, seed_streams(exp.seed)["kfold"], ds.labels)
    for (train, test, _), (e_train, e_test) in zip(splits, expected, strict=True):
        np.testing.assert_array_equal(test, e_test)
        np.testing.assert_array_equal(train, e_train)


def test_iter_folds_reports_each_folds_held_out_metrics() -> None:
    exp = loads(binary_text())
    base = Trainer(exp)
    ds = base.dataset
    learning = np.sort(np.concatenate([ds.train, ds.test]))
    folds = list(CV.iter_folds(exp, 3, epochs=2, base=base))
    for fold, (train, held) in zip(folds, kfold_indices(learning, 3, seed_streams(exp.seed)["kfold"], ds.labels), strict=True):
        t = Trainer(exp, dataset=ds, split=(train, held, ds.validation))
        t.fit(2)
        r = t.evaluate("test")
        assert all(same(fold[m], float(r[m])) for m in CV.METRICS)
        # the held-out accuracy by hand
        p = t.model.predict(t.x[held])[:, 0]
        assert fold["accuracy"] == pytest.approx(np.mean((p >= 0.5) == (ds.labels[held] == 1)), abs=1e-12)


def test_iter_folds_of_a_regression_reports_regression_metrics() -> None:
    folds = list(CV.iter_folds(loads(REGRESSION), 2))
    assert len(folds) == 2 and all(list(f) == list(CV.METRICS_REGRESSION) for f in folds)


def test_k_out_of_range_raises() -> None:
    exp = loads(binary_text(samples=40, test=0.25, val=0.25))
    n_learning = 30  # 40 samples, 10 of them in the validation split
    assert len(np.concatenate([Trainer(exp).dataset.train, Trainer(exp).dataset.test])) == n_learning
    for k in (0, 1, n_learning + 1):
        with pytest.raises(TuinnError):
            next(CV.iter_folds(exp, k))


def test_summarize_mean_and_std_by_hand() -> None:
    per_fold = [
        {"accuracy": 0.75, "auc": 0.8, "loss": float("nan")},
        {"accuracy": 0.5, "auc": float("nan"), "loss": float("nan")},
        {"accuracy": 1.0, "auc": 0.9, "loss": float("nan")},
        {"accuracy": 0.25, "auc": 0.4, "loss": float("nan")},
    ]
    cv = CV.summarize(per_fold)
    assert cv["folds"] == 4
    # accuracy: mean 2.5/4 = 0.625; squared deviations 0.015625, 0.015625, 0.140625, 0.140625 → var 0.078125
    assert cv["accuracy"]["mean"] == pytest.approx(0.625)
    assert cv["accuracy"]["std"] == pytest.approx(math.sqrt(0.078125))
    assert cv["accuracy"]["folds"] == [0.75, 0.5, 1.0, 0.25]
    # auc: the nan fold is left out of mean and std but kept in the list
    m = (0.8 + 0.9 + 0.4) / 3
    assert cv["auc"]["mean"] == pytest.approx(m)
    assert cv["auc"]["std"] == pytest.approx(math.sqrt(((0.8 - m) ** 2 + (0.9 - m) ** 2 + (0.4 - m) ** 2) / 3))
    assert math.isnan(cv["auc"]["folds"][1])
    assert math.isnan(cv["loss"]["mean"]) and math.isnan(cv["loss"]["std"])
    assert CV.summarize([]) == {"folds": 0}


class FoldRecorder:
    """The k-fold phase's reports, kept to compare with what it wrote."""

    def __init__(self) -> None:
        self.resumed: list[tuple[int, int]] = []
        self.finished: list[tuple[int, int, dict]] = []

    def folds_resumed(self, folds: list[dict], k: int) -> None:
        self.resumed.append((len(folds), k))

    def fold_finished(self, number: int, k: int, metrics: dict) -> None:
        self.finished.append((number, k, metrics))


def test_run_cross_validate_returns_the_summary_of_the_folds(tmp_path) -> None:
    exp = loads(multi_text(samples=90, val=0.1))
    events = FoldRecorder()
    got = cross_validate(exp, 3, RunFolder(tmp_path, SignalGuard(), None), events)
    expected = CV.summarize(list(CV.iter_folds(exp, 3)))
    assert events.resumed == [] and [(n, k) for n, k, _ in events.finished] == [(1, 3), (2, 3), (3, 3)]
    written = read_finished_folds(tmp_path / "folds.jsonl", 3)
    assert all(same(a, b) for fold, (_, _, reported) in zip(written, events.finished, strict=True)
               for a, b in zip(fold.values(), reported.values(), strict=True))
    assert got["folds"] == expected["folds"] == 3
    assert set(got) == set(expected) == {"folds", *CV.METRICS}
    for m in CV.METRICS:
        assert all(same(a, b) for a, b in zip(got[m]["folds"], expected[m]["folds"], strict=True))
        assert same(got[m]["mean"], expected[m]["mean"]) and same(got[m]["std"], expected[m]["std"])


# --------------------------------------------------------------------------- class balance


def loop_counts(labels: np.ndarray, idx: np.ndarray, c: int) -> list[int]:
    counts = [0] * c
    for i in idx:
        counts[int(labels[i])] += 1
    return counts


def imbalanced(text: str) -> Trainer:
    """A trainer whose training split keeps all of class 0, 10 of class 1 and 20 of class 2."""
    base = Trainer(loads(text))
    y = base.dataset.labels
    tr = base.train_idx
    train = np.sort(np.concatenate([tr[y[tr] == 0], tr[y[tr] == 1][:10], tr[y[tr] == 2][:20]]))
    return Trainer(loads(text), dataset=base.dataset, split=(train, base.test_idx, base.val_idx))


def test_class_counts_per_split_by_hand() -> None:
    t = Trainer(loads(multi_text(val=0.2)))
    y = t.dataset.labels
    r = B.class_counts(t)
    assert r["classes"] == ["0", "1", "2"]
    assert r["method"] == "none" and r["class_weights"] is None
    for name, idx in (("train", t.train_idx), ("test", t.test_idx), ("validation", t.val_idx)):
        assert r["splits"][name] == loop_counts(y, idx, 3)
    assert sum(sum(v) for v in r["splits"].values()) == len(y)
    assert r["trained_on"] == r["splits"]["train"]


@pytest.mark.parametrize("method", ["undersample", "oversample", "weights"])
def test_class_counts_after_balancing(method: str) -> None:
    text = multi_text().replace("test_fraction", f'balance = "{method}"\ntest_fraction')
    t = imbalanced(text)
    y = t.dataset.labels
    raw = loop_counts(y, t.train_idx, 3)
    assert raw[1] == 10 and raw[2] == 20 and raw[0] > 20
    r = B.class_counts(t)
    assert r["method"] == method and r["splits"]["train"] == raw
    assert r["trained_on"] == loop_counts(y, t.train_order, 3)
    if method == "undersample":
        assert r["trained_on"] == [10, 10, 10]
        assert set(t.train_order.tolist()) <= set(t.train_idx.tolist())
    elif method == "oversample":
        assert r["trained_on"] == [raw[0]] * 3
        assert set(t.train_order.tolist()) == set(t.train_idx.tolist())
    else:
        assert r["trained_on"] == raw
        n = sum(raw)
        assert r["class_weights"] == pytest.approx([n / (3 * c) for c in raw])


def test_balanced_accuracy_by_hand() -> None:
    assert B.balanced_accuracy([[5, 1], [2, 2]]) == pytest.approx((5 / 6 + 2 / 4) / 2)
    assert B.balanced_accuracy([[3, 0, 1], [0, 0, 0], [2, 2, 4]]) == pytest.approx((3 / 4 + 4 / 8) / 2)  # empty row left out
    assert B.balanced_accuracy([[9, 1], [1, 0]]) == pytest.approx(0.45)  # accuracy 0.82, but class 1 never found


def test_compare_balance_trains_the_four_methods_on_the_same_split() -> None:
    text = multi_text()
    base = imbalanced(text)
    raw = loop_counts(base.dataset.labels, base.train_idx, 3)
    rows = list(B.compare_balance(loads(text), 2, base=base))
    assert [r["method"] for r in rows] == list(BALANCES) == ["none", "undersample", "oversample", "weights"]
    trained_on = {r["method"]: r["trained_on"] for r in rows}
    assert trained_on["undersample"] == [min(raw)] * 3
    assert trained_on["oversample"] == [max(raw)] * 3
    assert trained_on["weights"] == raw and trained_on["none"] == raw
    for row in rows:
        assert row["split"] == "test"
        assert set(row) == {"method", "split", "trained_on", *B.METRICS}
        # the same numbers from a model trained here with that method on the same split
        exp = loads(text)
        exp.data.balance = row["method"]
        t = Trainer(exp, dataset=base.dataset, split=(base.train_idx, base.test_idx, base.val_idx))
        t.fit(2)
        r = t.evaluate("test")
        assert row["accuracy"] == r["accuracy"] and row["auc"] == r["auc"]
        cm = r["confusion"]
        recalls = [cm[i][i] / sum(cm[i]) for i in range(3) if sum(cm[i])]
        assert row["balanced_accuracy"] == pytest.approx(sum(recalls) / len(recalls))


def test_compare_balance_without_a_test_split_judges_on_train() -> None:
    rows = list(B.compare_balance(loads(binary_text(samples=40, test=0.0, val=0.0)), 1, methods=("none", "weights")))
    assert [r["split"] for r in rows] == ["train", "train"]


def test_regression_data_has_no_class_balance() -> None:
    exp = loads(REGRESSION)
    with pytest.raises(TuinnError):
        list(B.compare_balance(exp, 1))
    with pytest.raises(TuinnError):
        B.class_counts(Trainer(exp))
