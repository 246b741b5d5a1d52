"""Unit tests of tuinn.metrics against values worked out by hand.

Every expected number below is written out as a fraction from the counts in the comment next to
it, never computed with the module under test; AUCs are also cross-checked against the
Mann–Whitney pair count done by a plain double loop.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction as F

import numpy as np
import pytest

from tuinn import metrics as M


def close(value: float, expected: F | float) -> bool:
    return math.isclose(value, float(expected), rel_tol=1e-12, abs_tol=1e-12)


def mann_whitney(y: np.ndarray, s: np.ndarray) -> float:
    """P(score_pos > score_neg) + 0.5·P(equal), by a double loop over all (positive, negative) pairs."""
    pos = [float(v) for v, t in zip(s, y, strict=True) if t == 1]
    neg = [float(v) for v, t in zip(s, y, strict=True) if t == 0]
    wins = 0.0
    for a in pos:
        for b in neg:
            wins += 1.0 if a > b else 0.5 if a == b else 0.0
    return wins / (len(pos) * len(neg))


def pairs_from_table(table: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Samples (actual, predicted) that realise a hand-written confusion table (actual on rows)."""
    t, p = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            t += [i] * count
            p += [j] * count
    rng = np.random.default_rng(0)
    order = rng.permutation(len(t))
    return np.array(t)[order], np.array(p)[order]


# --------------------------------------------------------------------------- binary

# TP = 3, FN = 2, FP = 1, TN = 4 (class 1 positive).
Y_BIN = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
P_BIN = np.array([1, 1, 1, 0, 0, 1, 0, 0, 0, 0])


def test_binary_confusion_and_counts() -> None:
    cm = M.confusion_matrix(Y_BIN, P_BIN, 2)
    assert cm.dtype == np.int64
    # rows actual (0, 1), columns predicted (0, 1)
    assert cm.tolist() == [[4, 1], [2, 3]]
    assert M.binary_counts(Y_BIN, P_BIN) == {"tp": 3, "fn": 2, "fp": 1, "tn": 4}


def test_binary_rates_by_hand() -> None:
    cm = M.confusion_matrix(Y_BIN, P_BIN, 2)
    assert close(M.accuracy(cm), F(7, 10))  # (3 + 4) / 10
    assert close(M.precision(cm), F(3, 4))  # 3 / (3 + 1)
    assert close(M.sensitivity(cm), F(3, 5))  # 3 / (3 + 2)
    assert close(M.specificity(cm), F(4, 5))  # 4 / (4 + 1)
    assert close(M.f1(cm), F(2, 3))  # 2·(3/4)(3/5) / (3/4 + 3/5) = (9/10) / (27/20)
    # class 0 as positive swaps the roles: TP = 4, FN = 1, FP = 2, TN = 3
    assert close(M.precision(cm, positive=0), F(4, 6))
    assert close(M.sensitivity(cm, positive=0), F(4, 5))
    assert close(M.specificity(cm, positive=0), F(3, 5))
    assert close(M.f1(cm, positive=0), F(8, 11))  # 2·4 / (2·4 + 2 + 1)


def test_zero_denominators_give_zero_not_nan() -> None:
    cm = np.array([[5, 0], [3, 0]])  # nothing predicted positive
    assert M.precision(cm) == 0.0
    assert M.f1(cm) == 0.0
    assert M.sensitivity(np.array([[5, 0], [0, 0]])) == 0.0  # no actual positives
    assert M.specificity(np.array([[0, 0], [2, 3]])) == 0.0  # no actual negatives


# --------------------------------------------------------------------------- three classes

TABLE3 = [
    [5, 1, 0],
    [2, 3, 1],
    [0, 1, 4],
]  # 17 samples, 12 on the diagonal


def test_three_class_confusion() -> None:
    t, p = pairs_from_table(TABLE3)
    assert M.confusion_matrix(t, p, 3).tolist() == TABLE3
    assert close(M.accuracy(np.array(TABLE3)), F(12, 17))


def test_three_class_per_class_and_macro_by_hand() -> None:
    cm = np.array(TABLE3)
    # class 0: TP 5, FN 1, FP 2, TN 9;  class 1: TP 3, FN 3, FP 2, TN 9;  class 2: TP 4, FN 1, FP 1, TN 11
    expected = [
        {"precision": F(5, 7), "sensitivity": F(5, 6), "specificity": F(9, 11), "f1": F(10, 13), "support": 6},
        {"precision": F(3, 5), "sensitivity": F(1, 2), "specificity": F(9, 11), "f1": F(6, 11), "support": 6},
        {"precision": F(4, 5), "sensitivity": F(4, 5), "specificity": F(11, 12), "f1": F(4, 5), "support": 5},
    ]
    rows = M.per_class(cm)
    assert len(rows) == 3
    for row, exp in zip(rows, expected, strict=True):
        assert set(row) == set(exp)
        for key, value in exp.items():
            assert close(row[key], value), (key, row[key], value)
    mac = M.macro(cm)
    for key in ("precision", "sensitivity", "specificity", "f1"):
        assert close(mac[key], sum(e[key] for e in expected) / 3), key
    assert close(mac["precision"], F(74, 105))  # (5/7 + 3/5 + 4/5) / 3 = (75 + 63 + 84) / 315 = 222/315
    assert close(mac["f1"], F(1, 3) * (F(10, 13) + F(6, 11) + F(4, 5)))


# --------------------------------------------------------------------------- ROC with ties

S_TIES = np.array([0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.3])
Y_TIES = np.array([1, 1, 0, 1, 0, 1, 0])  # P = 4, N = 3


def test_roc_points_with_ties_by_hand() -> None:
    fpr, tpr, thr = M.roc_curve(Y_TIES, S_TIES)
    # threshold: +inf  0.9   0.8 (1 pos + 1 neg tied)  0.7   0.6 (1 pos + 1 neg tied)  0.3
    # TP:          0    1     2                        3     4                         4
    # FP:          0    0     1                        1     2                         3
    assert thr[0] == math.inf
    assert np.allclose(thr[1:], [0.9, 0.8, 0.7, 0.6, 0.3])
    assert np.allclose(fpr, [0, 0, 1 / 3, 1 / 3, 2 / 3, 1])
    assert np.allclose(tpr, [0, 1 / 4, 2 / 4, 3 / 4, 1, 1])


def test_roc_auc_with_ties_trapezoid_and_mann_whitney() -> None:
    # trapezoids: 0 + (1/3)(1/4 + 1/2)/2 + 0 + (1/3)(3/4 + 1)/2 + (1/3)(1 + 1)/2 = 3/24 + 7/24 + 8/24
    hand = F(3, 24) + F(7, 24) + F(8, 24)
    assert hand == F(3, 4)
    fpr, tpr, _ = M.roc_curve(Y_TIES, S_TIES)
    assert close(M.auc(fpr, tpr), hand)
    assert close(M.roc_auc(Y_TIES, S_TIES), hand)
    # pairs: 0.9 beats 3; 0.8 ties 0.8 and beats 2; 0.7 beats 2; 0.6 ties 0.6 and beats 0.3 -> 9 of 12
    assert close(mann_whitney(Y_TIES, S_TIES), F(9, 12))


def test_roc_order_of_samples_does_not_matter() -> None:
    order = np.array([6, 2, 4, 0, 5, 3, 1])
    assert close(M.roc_auc(Y_TIES[order], S_TIES[order]), F(3, 4))


def test_perfect_and_inverted_classifiers() -> None:
    y = np.array([0, 0, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    assert M.roc_auc(y, s) == 1.0
    assert M.roc_auc(y, -s) == 0.0
    fpr, tpr, _ = M.roc_curve(y, s)
    assert (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert np.allclose(fpr, [0, 0, 0, 1 / 3, 2 / 3, 1]) and np.allclose(tpr, [0, 1 / 2, 1, 1, 1, 1])


def test_all_scores_tied_is_the_diagonal() -> None:
    fpr, tpr, thr = M.roc_curve(np.array([0, 1, 0, 1]), np.full(4, 0.5))
    assert fpr.tolist() == [0.0, 1.0] and tpr.tolist() == [0.0, 1.0] and thr.tolist() == [math.inf, 0.5]
    assert M.roc_auc(np.array([0, 1, 0, 1]), np.full(4, 0.5)) == 0.5


def test_one_class_only_auc_is_nan() -> None:
    assert math.isnan(M.roc_auc(np.array([1, 1, 1]), np.array([0.2, 0.5, 0.9])))
    assert math.isnan(M.roc_auc(np.array([0, 0]), np.array([0.2, 0.5])))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_matches_mann_whitney_on_random_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=200)
    s = np.round(rng.random(200) * 0.6 + 0.3 * y, 1)  # one decimal: about a dozen distinct scores, many ties
    assert len(np.unique(s)) < 20
    assert math.isclose(M.roc_auc(y, s), mann_whitney(y, s), rel_tol=1e-12)


def test_auc_trapezoid_by_hand() -> None:
    # (0.5 − 0)(0 + 1)/2 + (1 − 0.5)(1 + 1)/2 = 0.25 + 0.5
    assert close(M.auc(np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0, 1.0])), F(3, 4))
    with pytest.raises(ValueError, match="non-decreasing"):
        M.auc(np.array([0.0, 1.0, 0.5]), np.array([0.0, 1.0, 1.0]))


# --------------------------------------------------------------------------- thresholds


def test_threshold_metrics_by_hand() -> None:
    out = M.threshold_metrics(Y_TIES, S_TIES, 0.7)
    # positive when score >= 0.7: labels 1, 1, 0, 1 -> TP 3, FP 1; left out: 0, 1, 0 -> FN 1, TN 2
    assert out["confusion"] == [[2, 1], [1, 3]]
    assert close(out["accuracy"], F(5, 7))
    assert close(out["precision"], F(3, 4))
    assert close(out["sensitivity"], F(3, 4))
    assert close(out["specificity"], F(2, 3))
    assert close(out["f1"], F(3, 4))  # 6 / (6 + 1 + 1)
    json.dumps(out)


def test_threshold_moves_sensitivity_and_specificity_monotonically() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, size=60)
    s = np.round(rng.random(60), 2)
    sens, spec = [], []
    for t in np.linspace(-0.1, 1.1, 49):
        out = M.threshold_metrics(y, s, float(t))
        sens.append(out["sensitivity"])
        spec.append(out["specificity"])
    assert np.all(np.diff(sens) <= 0) and np.all(np.diff(spec) >= 0)
    assert (sens[0], spec[0]) == (1.0, 0.0) and (sens[-1], spec[-1]) == (0.0, 1.0)
    assert sens[0] > sens[-1]


def test_equal_error_threshold_by_hand() -> None:
    y = np.array([0, 0, 1, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    # t = 0.6: sens 1/3, spec 1;  0.5: 2/3, 1;  0.4: 2/3, 2/3 (equal);  0.3: 1, 2/3;  0.2: 1, 1/3
    assert M.equal_error_threshold(y, s) == 0.4
    with pytest.raises(ValueError, match="both classes"):
        M.equal_error_threshold(np.array([1, 1]), np.array([0.3, 0.4]))


# --------------------------------------------------------------------------- regression


def test_regression_by_hand() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    yhat = np.array([1.5, 2.0, 2.0, 5.0])
    # errors 0.5, 0, −1, 1;  SS_res = 2.25;  mean 2.5, SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5
    assert close(M.mse(y, yhat), F(9, 16))
    assert close(M.mae(y, yhat), F(5, 8))
    assert close(M.r2(y, yhat), F(11, 20))  # 1 − 2.25/5
    assert M.regression_report(y, yhat) == pytest.approx({"mse": 9 / 16, "mae": 5 / 8, "r2": 11 / 20})
    assert close(M.r2(y[:, None], yhat), F(11, 20))  # (n, 1) against (n,) is one column


def test_r2_two_columns_is_the_uniform_average() -> None:
    y = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 2.0], [4.0, 2.0]])
    yhat = np.array([[1.5, 0.0], [2.0, 1.0], [2.0, 2.0], [5.0, 2.0]])
    # column 1: 11/20 as above; column 2: SS_res 1, mean 1, SS_tot 4 -> 3/4
    assert close(M.r2(y, yhat), (F(11, 20) + F(3, 4)) / 2)


def test_r2_of_the_mean_is_zero_and_constant_target_is_nan() -> None:
    y = np.array([3.0, -1.0, 4.0, 1.0, 5.0])
    assert M.r2(y, np.full(5, y.mean())) == pytest.approx(0.0, abs=1e-15)
    assert M.r2(y, y) == 1.0
    assert math.isnan(M.r2(np.full(3, 2.0), np.array([1.0, 2.0, 3.0])))


# --------------------------------------------------------------------------- reports


def test_binary_classification_report() -> None:
    for probs in (S_TIES, S_TIES[:, None], np.c_[1 - S_TIES, S_TIES]):
        rep = M.classification_report(Y_TIES, probs, threshold=0.7)
        assert set(rep) == {"accuracy", "precision", "sensitivity", "specificity", "f1", "auc", "confusion"}
        assert rep["confusion"] == [[2, 1], [1, 3]]
        assert close(rep["accuracy"], F(5, 7)) and close(rep["specificity"], F(2, 3))
        assert close(rep["auc"], F(3, 4))
        assert all(type(rep[k]) is float for k in rep if k != "confusion")
        json.loads(json.dumps(rep))
    # default threshold 0.5: only 0.3 is negative -> TP 4, FN 0, FP 2, TN 1
    assert M.classification_report(Y_TIES, S_TIES)["confusion"] == [[1, 2], [0, 4]]


def test_multiclass_classification_report_by_hand() -> None:
    y = np.array([0, 1, 2, 0, 1, 2])
    probs = np.array(
        [
            [0.7, 0.2, 0.1],  # -> 0
            [0.2, 0.5, 0.3],  # -> 1
            [0.1, 0.3, 0.6],  # -> 2
            [0.3, 0.4, 0.3],  # -> 1
            [0.5, 0.4, 0.1],  # -> 0
            [0.2, 0.2, 0.6],  # -> 2
        ]
    )
    rep = M.classification_report(y, probs)
    assert rep["confusion"] == [[1, 1, 0], [1, 1, 0], [0, 0, 2]]
    assert close(rep["accuracy"], F(2, 3))
    # per class (TP, FN, FP, TN): 0: (1, 1, 1, 3); 1: (1, 1, 1, 3); 2: (2, 0, 0, 4)
    assert close(rep["precision"], (F(1, 2) + F(1, 2) + 1) / 3)
    assert close(rep["sensitivity"], (F(1, 2) + F(1, 2) + 1) / 3)
    assert close(rep["specificity"], (F(3, 4) + F(3, 4) + 1) / 3)
    assert close(rep["f1"], (F(1, 2) + F(1, 2) + 1) / 3)
    # one-vs-rest AUC: class 0: pos {0.7, 0.3} vs neg {0.2, 0.1, 0.5, 0.2}: 4 + 3 = 7 of 8
    #                  class 1: pos {0.5, 0.4} vs neg {0.2, 0.3, 0.4, 0.2}: 4 + 3.5 = 7.5 of 8
    #                  class 2: pos {0.6, 0.6} vs neg {0.1, 0.3, 0.3, 0.1}: 8 of 8
    per_auc = [F(7, 8), F(15, 16), F(1)]
    assert close(rep["auc"], sum(per_auc) / 3)
    assert len(rep["per_class"]) == 3
    for row, a in zip(rep["per_class"], per_auc, strict=True):
        assert close(row["auc"], a)
    assert rep["per_class"][2]["support"] == 2
    json.loads(json.dumps(rep))


# --------------------------------------------------------------------------- errors


def test_empty_input_raises() -> None:
    empty = np.array([], dtype=int)
    with pytest.raises(ValueError, match="empty"):
        M.confusion_matrix(empty, empty, 2)
    with pytest.raises(ValueError, match="empty"):
        M.roc_auc(empty, np.array([]))
    with pytest.raises(ValueError, match="empty"):
        M.mse(np.array([]), np.array([]))
    with pytest.raises(ValueError, match="empty"):
        M.classification_report(empty, np.array([]))
    with pytest.raises(ValueError, match="empty"):
        M.accuracy(np.zeros((2, 2), dtype=int))


def test_labels_out_of_range_raise() -> None:
    with pytest.raises(ValueError, match=r"label 3 outside 0\.\.2"):
        M.confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)
    with pytest.raises(ValueError, match=r"label 2 outside 0\.\.1"):
        M.roc_curve(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="outside"):
        M.confusion_matrix(np.array([0, 1]), np.array([-1, 1]), 2)
    with pytest.raises(ValueError, match="whole-number"):
        M.confusion_matrix(np.array([0.5, 1.0]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="outside"):
        M.classification_report(np.array([0, 3]), np.full((2, 3), 1 / 3))


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="samples"):
        M.confusion_matrix(np.array([0, 1, 1]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="samples"):
        M.roc_curve(np.array([0, 1, 1]), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="shape"):
        M.mae(np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]))


def test_metrics_imports_only_numpy() -> None:
    import subprocess
    import sys

    code = "import sys, tuinn.metrics\nprint(sorted(m for m in ('textual', 'torch', 'sklearn', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
