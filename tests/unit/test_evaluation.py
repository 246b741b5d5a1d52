"""Unit tests of tuinn.analysis.evaluation (and the ROC / threshold parts of tuinn.metrics it relies on).

The Evaluate screen and ``tuinn eval --json`` both show what :func:`evaluation_report`
computes, so a wrong number there is wrong everywhere. Every expectation below comes from
an independent computation written out in this file: the ROC curve from a brute-force sweep
over the distinct scores (exact fractions), confusion matrices from explicit Python loops, the
AUC from the Mann–Whitney pair count, the network outputs from a hand-written forward pass
(z = x·Wᵀ + b, a = f(z)), the losses and regression errors from their textbook formulas.
Ties in the scores are included on purpose: they are where a sweep is easy to get wrong.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from fractions import Fraction as F

import numpy as np
import pytest

from tuinn import metrics as M
from tuinn.analysis import evaluation as E
from tuinn.config.spec import loads
from tuinn.training.trainer import Trainer

# --------------------------------------------------------------------------- brute-force references


def brute_roc(y: list[int] | np.ndarray, s: list[float] | np.ndarray) -> tuple[list[F], list[F], list[float]]:
    """(fpr, tpr, thresholds) by sweeping every distinct score in decreasing order, as exact fractions.

    The curve starts at (0, 0) (threshold +inf: nothing is positive); at threshold t every
    sample with score >= t is positive, so tied scores cross together.
    """
    y = [int(v) for v in y]
    s = [float(v) for v in s]
    p = sum(1 for v in y if v == 1)
    n = sum(1 for v in y if v == 0)
    fpr, tpr, thr = [F(0)], [F(0)], [math.inf]
    for t in sorted(set(s), reverse=True):
        tp = sum(1 for yi, si in zip(y, s, strict=True) if yi == 1 and si >= t)
        fp = sum(1 for yi, si in zip(y, s, strict=True) if yi == 0 and si >= t)
        tpr.append(F(tp, p))
        fpr.append(F(fp, n))
        thr.append(t)
    return fpr, tpr, thr


def loop_confusion(y: np.ndarray, s: np.ndarray, t: float) -> list[list[int]]:
    """2×2 counts (actual on rows, predicted on columns) with score >= t meaning positive."""
    cm = [[0, 0], [0, 0]]
    for yi, si in zip(y, s, strict=True):
        cm[int(yi)][1 if si >= t else 0] += 1
    return cm


def rates(cm: list[list[int]]) -> dict[str, float]:
    """Accuracy, precision, sensitivity, specificity, F1 of a 2×2 table (0 for a 0 denominator)."""
    tn, fp = cm[0]
    fn, tp = cm[1]

    def div(a: int, b: int) -> float:
        return a / b if b else 0.0

    return {
        "accuracy": div(tp + tn, tp + tn + fp + fn),
        "precision": div(tp, tp + fp),
        "sensitivity": div(tp, tp + fn),
        "specificity": div(tn, tn + fp),
        "f1": div(2 * tp, 2 * tp + fp + fn),
    }


def mann_whitney(y: np.ndarray, s: np.ndarray) -> float:
    """P(score_pos > score_neg) + ½·P(equal), by a double loop."""
    pos = [float(v) for v, t in zip(s, y, strict=True) if t == 1]
    neg = [float(v) for v, t in zip(s, y, strict=True) if t == 0]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


ACT = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "softmax": lambda z: np.exp(z - z.max(axis=1, keepdims=True)) / np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
}


def hand_forward(trainer: Trainer, x: np.ndarray) -> np.ndarray:
    """The network output by hand: a = f(x·Wᵀ + b) layer after layer (no norms, no dropout in these specs)."""
    out = np.asarray(x, dtype=np.float64)
    for layer, spec in zip(trainer.network.layers, trainer.experiment.model.layers, strict=True):
        out = ACT[spec.activation](out @ layer.W.T + layer.b)
    return out


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# --------------------------------------------------------------------------- ROC on fixed data with ties

# 6 positives, 6 negatives; ties inside a class (0.9, 0.1) and across classes (0.7, 0.4).
Y_TIES = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1])
S_TIES = np.array([0.9, 0.9, 0.8, 0.7, 0.7, 0.7, 0.5, 0.4, 0.4, 0.2, 0.1, 0.1])


def assert_roc_equals_brute(y: np.ndarray, s: np.ndarray) -> None:
    fpr, tpr, thr = M.roc_curve(y, s)
    bf, bt, bthr = brute_roc(y, s)
    assert len(fpr) == len(bf)  # one point per distinct score, plus (0, 0)
    # Both sides divide the same two integers, so the floats are identical, not just close.
    assert fpr.tolist() == [float(v) for v in bf]
    assert tpr.tolist() == [float(v) for v in bt]
    assert thr.tolist() == bthr


def test_roc_curve_with_ties_equals_a_brute_force_sweep() -> None:
    assert_roc_equals_brute(Y_TIES, S_TIES)
    fpr, tpr, _ = M.roc_curve(Y_TIES, S_TIES)
    # Spelled out: thresholds 0.9 0.8 0.7 0.5 0.4 0.2 0.1; P = N = 6.
    assert [F(v).limit_denominator(6) for v in tpr] == [F(0), F(1, 6), F(2, 6), F(3, 6), F(4, 6), F(5, 6), F(5, 6), F(6, 6)]
    assert [F(v).limit_denominator(6) for v in fpr] == [F(0), F(1, 6), F(1, 6), F(3, 6), F(3, 6), F(4, 6), F(5, 6), F(6, 6)]
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert close(M.roc_auc(Y_TIES, S_TIES), mann_whitney(Y_TIES, S_TIES))


def test_roc_points_is_json_ready_and_matches_the_sweep() -> None:
    r = E.roc_points(Y_TIES, S_TIES)
    bf, bt, bthr = brute_roc(Y_TIES, S_TIES)
    assert r["thresholds"][0] is None  # +inf is not JSON
    assert r["thresholds"][1:] == bthr[1:]
    assert r["fpr"] == [float(v) for v in bf]
    assert r["tpr"] == [float(v) for v in bt]
    assert all(type(v) is float for v in r["fpr"] + r["tpr"] + r["thresholds"][1:])
    assert close(r["auc"], mann_whitney(Y_TIES, S_TIES))


@pytest.mark.parametrize("seed", range(8))
def test_roc_on_random_tied_scores_equals_the_sweep(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 40))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]  # both classes present
    s = rng.integers(0, 6, n) / 5.0  # only 6 distinct values: many ties
    assert_roc_equals_brute(y, s)
    assert close(M.roc_auc(y, s), mann_whitney(y, s))


# --------------------------------------------------------------------------- thresholds


def candidate_thresholds(s: np.ndarray) -> list[float]:
    """Every score, the midpoints between scores, and values beyond both ends."""
    u = sorted(set(float(v) for v in s))
    mids = [(a + b) / 2 for a, b in itertools.pairwise(u)]
    return u + mids + [u[0] - 1.0, u[-1] + 1.0, 0.5]


def test_threshold_metrics_equal_explicit_loops_for_many_thresholds() -> None:
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, 30)
    s = np.round(rng.random(30), 1)  # ties
    for t in candidate_thresholds(s) + candidate_thresholds(S_TIES):
        for yy, ss in ((y, s), (Y_TIES, S_TIES)):
            cm = loop_confusion(yy, ss, t)
            got = M.threshold_metrics(yy, ss, t)
            assert got["confusion"] == cm, t
            assert got["threshold"] == t
            for key, value in rates(cm).items():
                assert close(got[key], value), (t, key)
            # classification_report uses the same rule (score >= threshold)
            rep = M.classification_report(yy, ss, threshold=t)
            assert rep["confusion"] == cm


def test_equal_error_threshold_minimises_the_gap_among_all_distinct_thresholds() -> None:
    cases = [(Y_TIES, S_TIES)]
    rng = np.random.default_rng(5)
    for _ in range(10):
        n = int(rng.integers(6, 30))
        y = rng.integers(0, 2, n)
        y[:2] = [1, 0]
        cases.append((y, np.round(rng.random(n), 1)))
    for y, s in cases:
        gaps = {}
        for t in sorted(set(float(v) for v in s)):
            r = rates(loop_confusion(y, s, t))
            gaps[t] = abs(r["sensitivity"] - r["specificity"])
        t = M.equal_error_threshold(y, s)
        assert t in gaps  # a real, finite score
        assert gaps[t] <= min(gaps.values()) + 1e-12


# --------------------------------------------------------------------------- trained models

BINARY = """
seed = 4
[data]
source = "xor"
samples = 160
noise = 0.3
test_fraction = 0.3
validation_fraction = {val}
[[model.layers]]
units = 6
activation = "tanh"
[[model.layers]]
units = {out_units}
activation = "{out}"
[train]
loss = "{loss}"
optimizer = "adam"
learning_rate = 0.05
batch_size = 16
"""

MULTI = """
seed = 2
[data]
source = "blobs"
classes = 3
samples = 150
noise = 0.4
test_fraction = 0.3
validation_fraction = 0.2
[[model.layers]]
units = 5
activation = "tanh"
[[model.layers]]
units = 3
activation = "softmax"
[train]
loss = "cce"
optimizer = "adam"
learning_rate = 0.05
batch_size = 16
"""

REGRESSION = """
seed = 3
[data]
source = "reg-plane"
samples = 120
noise = 0.1
test_fraction = 0.25
[[model.layers]]
units = 6
activation = "tanh"
[[model.layers]]
units = 1
activation = "linear"
[train]
loss = "mse"
optimizer = "adam"
learning_rate = 0.02
batch_size = 16
"""


def trained(text: str, epochs: int = 5, **split: np.ndarray) -> Trainer:
    exp = loads(text)
    if split:
        base = Trainer(exp)
        t = Trainer(exp, dataset=base.dataset, split=(split["train"], split["test"], split["validation"]))
    else:
        t = Trainer(exp)
    for _ in range(epochs):
        t.run_epoch()
    return t


def binary(val: float = 0.2, out: str = "sigmoid", epochs: int = 5) -> Trainer:
    units, loss = (2, "cce") if out == "softmax" else (1, "bce" if out == "sigmoid" else "mse")
    return trained(BINARY.format(val=val, out=out, out_units=units, loss=loss), epochs)


def assert_same(a: object, b: object) -> None:
    """Equal, treating nan as equal to nan."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return
    assert a == b


@pytest.mark.parametrize("make", [lambda: binary(0.2), lambda: trained(MULTI), lambda: trained(REGRESSION)], ids=["binary", "multi", "regression"])
def test_split_report_agrees_with_trainer_evaluate(make: Callable[[], Trainer]) -> None:
    t = make()
    for name in ("train", "test", "validation"):
        expected = t.evaluate(name)
        got = E.split_report(t, name)
        if not expected:
            assert got == {}
            continue
        assert got["n"] == len(E.split_index(t, name))
        for key, value in expected.items():
            assert_same(got[key], value)


def test_binary_whole_split_covers_every_sample_and_matches_a_hand_computation() -> None:
    t = binary(0.2)
    rep = E.evaluation_report(t)
    assert list(rep["splits"]) == ["train", "test", "validation", "whole"]
    assert rep["task"] == "classification" and rep["threshold"] == 0.5
    whole = rep["splits"]["whole"]
    n = len(t.x)
    assert whole["n"] == n == len(t.train_idx) + len(t.test_idx) + len(t.val_idx)
    assert np.array_equal(E.split_index(t, "whole"), np.arange(n))

    p = hand_forward(t, t.x)[:, 0]
    y = t.dataset.labels
    np.testing.assert_allclose(E.scores(t, "whole"), p, rtol=1e-12, atol=1e-14)
    cm = loop_confusion(y, p, 0.5)
    assert whole["confusion"] == cm
    for key, value in rates(cm).items():
        assert close(whole[key], value), key
    assert close(whole["auc"], mann_whitney(y, p), 1e-10)
    bce = -float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert close(whole["loss"], bce, 1e-10)
    # the whole table is the sum of the three split tables
    parts = [rep["splits"][s]["confusion"] for s in ("train", "test", "validation")]
    assert np.array_equal(np.sum(parts, axis=0), whole["confusion"])

    # ROC of a split: the brute-force sweep over that split's own scores
    for name in ("test", "whole"):
        idx = E.split_index(t, name)
        s = hand_forward(t, t.x[idx])[:, 0]
        bf, bt, _ = brute_roc(y[idx], s)
        roc = rep["splits"][name]["roc"]
        np.testing.assert_allclose(roc["fpr"], [float(v) for v in bf], atol=1e-15)
        np.testing.assert_allclose(roc["tpr"], [float(v) for v in bt], atol=1e-15)
        assert close(roc["auc"], mann_whitney(y[idx], s), 1e-10)


def test_equal_error_point_of_a_split_has_the_smallest_gap() -> None:
    t = binary(0.2)
    for name in ("train", "test", "whole"):
        rep = E.split_report(t, name)
        idx = E.split_index(t, name)
        y, s = t.dataset.labels[idx], E.scores(t, name)
        gaps = []
        for thr in sorted(set(float(v) for v in s)):
            r = rates(loop_confusion(y, s, thr))
            gaps.append(abs(r["sensitivity"] - r["specificity"]))
        eer = rep["equal_error"]
        assert abs(eer["sensitivity"] - eer["specificity"]) <= min(gaps) + 1e-12
        assert eer["confusion"] == loop_confusion(y, s, eer["threshold"])


def test_threshold_moves_the_confusion_matrix_of_every_split() -> None:
    t = binary(0.2)
    y = t.dataset.labels
    for thr in (0.0, 0.2, 0.35, 0.5, 0.8, 1.0):
        rep = E.evaluation_report(t, threshold=thr)
        assert rep["threshold"] == thr
        for name, r in rep["splits"].items():
            idx = E.split_index(t, name)
            p = hand_forward(t, t.x[idx])[:, 0]
            assert r["confusion"] == loop_confusion(y[idx], p, thr), (thr, name)


def test_empty_validation_split_is_left_out() -> None:
    t = binary(0.0)
    assert len(t.val_idx) == 0
    assert E.present_splits(t) == ["train", "test", "whole"]
    assert E.split_report(t, "validation") == {}
    rep = E.evaluation_report(t)
    assert list(rep["splits"]) == ["train", "test", "whole"]
    assert rep["splits"]["whole"]["n"] == len(t.train_idx) + len(t.test_idx)


def test_tanh_output_scores_are_mapped_to_zero_one() -> None:
    t = binary(0.0, out="tanh")
    out = hand_forward(t, t.x)[:, 0]
    s = E.scores(t, "whole")
    np.testing.assert_allclose(s, (out + 1.0) / 2.0, rtol=1e-12, atol=1e-14)
    assert close(E.split_report(t, "whole")["auc"], mann_whitney(t.dataset.labels, s), 1e-10)


def test_two_unit_softmax_is_reported_as_binary_with_column_one_as_score() -> None:
    t = binary(0.0, out="softmax")
    probs = hand_forward(t, t.x)
    np.testing.assert_allclose(E.scores(t, "whole"), probs[:, 1], rtol=1e-12, atol=1e-14)
    r = E.split_report(t, "whole")
    assert "class_names" not in r and "equal_error" in r
    assert r["confusion"] == loop_confusion(t.dataset.labels, probs[:, 1], 0.5)


def test_single_class_split_has_no_roc_and_no_equal_error() -> None:
    base = binary(0.0, epochs=0)
    y = base.dataset.labels
    train = np.flatnonzero(np.arange(len(y)) % 2 == 0)
    test = np.setdiff1d(np.flatnonzero(y == 0), train)  # negatives only
    t = trained(BINARY.format(val=0.0, out="sigmoid", out_units=1, loss="bce"), 2, train=train, test=test,
                validation=np.array([], dtype=np.int64))
    r = E.split_report(t, "test")
    assert r["n"] == len(test)
    assert "roc" not in r and "equal_error" not in r
    assert math.isnan(r["auc"])


def test_multiclass_report_has_per_class_roc_and_class_names() -> None:
    t = trained(MULTI)
    rep = E.evaluation_report(t)
    assert rep["task"] == "classification"
    y = t.dataset.labels
    for name, r in rep["splits"].items():
        idx = E.split_index(t, name)
        probs = hand_forward(t, t.x[idx])
        np.testing.assert_allclose(E.scores(t, name), probs, rtol=1e-12, atol=1e-14)
        assert r["class_names"] == ["0", "1", "2"] == t.dataset.class_names
        assert list(r["roc"]) == ["0", "1", "2"]
        for k, cname in enumerate(r["class_names"]):
            yk = (y[idx] == k).astype(int)
            bf, bt, bthr = brute_roc(yk, probs[:, k])
            np.testing.assert_allclose(r["roc"][cname]["fpr"], [float(v) for v in bf], atol=1e-15)
            np.testing.assert_allclose(r["roc"][cname]["tpr"], [float(v) for v in bt], atol=1e-15)
            assert len(r["roc"][cname]["thresholds"]) == len(bthr)
            assert close(r["roc"][cname]["auc"], mann_whitney(yk, probs[:, k]), 1e-10)
        # accuracy and the confusion matrix by loops over the argmax
        cm = [[0] * 3 for _ in range(3)]
        for yi, pi in zip(y[idx], probs, strict=True):
            cm[int(yi)][int(np.argmax(pi))] += 1
        assert r["confusion"] == cm
        assert close(r["accuracy"], sum(cm[i][i] for i in range(3)) / len(idx))
        onehot = np.eye(3)[y[idx]]
        assert close(r["loss"], -float(np.mean(np.sum(onehot * np.log(probs), axis=1))), 1e-10)
    assert "equal_error" not in rep["splits"]["whole"]
    assert rep["splits"]["whole"]["n"] == len(t.x)


def test_multiclass_roc_leaves_out_a_class_absent_from_the_split() -> None:
    base = Trainer(loads(MULTI))
    y = base.dataset.labels
    train = np.flatnonzero(np.arange(len(y)) % 2 == 0)
    test = np.setdiff1d(np.flatnonzero(y != 2), train)  # classes 0 and 1 only
    t = trained(MULTI, 2, train=train, test=test, validation=np.array([], dtype=np.int64))
    r = E.split_report(t, "test")
    assert r["class_names"] == ["0", "1", "2"]
    assert list(r["roc"]) == ["0", "1"]


def test_regression_report_uses_the_hand_formulas() -> None:
    t = trained(REGRESSION, 10)
    rep = E.evaluation_report(t)
    assert rep["task"] == "regression"
    assert list(rep["splits"]) == ["train", "test", "whole"]
    for name, r in rep["splits"].items():
        idx = E.split_index(t, name)
        yhat = hand_forward(t, t.x[idx])[:, 0]
        y = t.y[idx][:, 0]
        mse = sum((a - b) ** 2 for a, b in zip(y, yhat, strict=True)) / len(y)
        mae = sum(abs(a - b) for a, b in zip(y, yhat, strict=True)) / len(y)
        ybar = sum(y) / len(y)
        r2 = 1.0 - sum((a - b) ** 2 for a, b in zip(y, yhat, strict=True)) / sum((a - ybar) ** 2 for a in y)
        assert r["n"] == len(idx)
        assert close(r["mse"], mse, 1e-10) and close(r["mae"], mae, 1e-10) and close(r["r2"], r2, 1e-10)
        assert close(r["loss"], mse, 1e-10)
        assert "roc" not in r and "confusion" not in r
        true, pred = E.predicted_vs_true(t, name)
        np.testing.assert_array_equal(true, y)
        np.testing.assert_allclose(pred, yhat, rtol=1e-12, atol=1e-14)
    assert rep["splits"]["whole"]["n"] == len(t.x)
