"""Evaluation metrics of the lecture: confusion matrix, the rates read off it, ROC/AUC, regression errors.

Everything is plain NumPy so that the headless core stays free of textual, torch, sklearn and
scipy; the formulas are written out rather than delegated so that a student can read each one
next to the lecture slide it comes from.

Conventions, fixed once here so that tables, plots and reports agree:

* The confusion matrix has the **actual** class on rows and the **predicted** class on columns,
  as in the lecture's table: ``cm[i, j]`` counts samples of class ``i`` predicted as ``j``.
* A binary problem has class 1 as the positive class unless ``positive`` says otherwise; for more
  classes every per-class rate is one-vs-rest (the class against all others pooled).
* Ratios whose denominator is 0 (a precision with no predicted positives, …) are 0.0, not nan, so
  a report of an untrained model still prints numbers. The exceptions are the quantities that are
  genuinely undefined and would mislead as 0: AUC with only one class present and R² of a
  constant target are nan.
* A sample is predicted positive when its score is ``>= threshold``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "accuracy",
    "auc",
    "binary_counts",
    "classification_report",
    "confusion_matrix",
    "equal_error_threshold",
    "f1",
    "macro",
    "mae",
    "mse",
    "per_class",
    "precision",
    "quick_accuracy",
    "r2",
    "regression_report",
    "roc_auc",
    "roc_curve",
    "sensitivity",
    "specificity",
    "threshold_metrics",
]


# --------------------------------------------------------------------------- validation


def _labels(y: np.ndarray, name: str, n_classes: int) -> np.ndarray:
    """``y`` as a 1-D int64 array of labels in ``0..n_classes-1``, or a ValueError that says what is wrong.

    Floats are accepted when they hold whole numbers (a label column read from a CSV arrives as
    float), but 0.5 is refused rather than silently truncated to 0.
    """
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: metrics need at least one sample")
    if arr.dtype == bool:
        arr = arr.astype(np.int64)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold whole-number class labels 0..{n_classes - 1}")
    out = arr.astype(np.int64)
    bad = (out < 0) | (out >= n_classes)
    if np.any(bad):
        raise ValueError(f"{name} has label {out[bad][0]} outside 0..{n_classes - 1}")
    return out


def _scores(scores: np.ndarray, n: int) -> np.ndarray:
    """``scores`` as a finite 1-D float array of length ``n``: ROC thresholds are the scores themselves, so nan/inf would break the curve."""
    arr = np.asarray(scores, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"scores must be a 1-D array, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"y_true has {n} samples but scores has {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("scores contain nan or inf")
    return arr


def _cm(cm: np.ndarray) -> np.ndarray:
    """A square, non-negative, non-empty confusion matrix as int64."""
    arr = np.asarray(cm)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
        raise ValueError(f"a confusion matrix must be square (C, C), got shape {arr.shape}")
    if np.any(arr < 0):
        raise ValueError("a confusion matrix cannot hold negative counts")
    if arr.sum() == 0:
        raise ValueError("the confusion matrix is empty: metrics need at least one sample")
    return arr.astype(np.int64)


def _ratio(num: float, den: float) -> float:
    """``num / den``, 0.0 when ``den`` is 0 (the module-wide nan-free convention)."""
    return float(num) / float(den) if den else 0.0


def _one_vs_rest(cm: np.ndarray, positive: int) -> tuple[int, int, int, int]:
    """(TP, FN, FP, TN) of class ``positive`` against all the other classes pooled."""
    c = cm.shape[0]
    if not 0 <= positive < c:
        raise ValueError(f"positive class {positive} is outside 0..{c - 1}")
    tp = int(cm[positive, positive])
    fn = int(cm[positive, :].sum()) - tp  # actual positive, predicted something else
    fp = int(cm[:, positive].sum()) - tp  # predicted positive, actually something else
    tn = int(cm.sum()) - tp - fn - fp
    return tp, fn, fp, tn


# --------------------------------------------------------------------------- confusion matrix


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(C, C) int64 counts with the actual class on rows and the predicted class on columns.

    Rows are "actual" because that is how the lecture draws the table: reading along a row shows
    where the samples of one true class went, and its sum is that class's support.
    """
    if n_classes < 1:
        raise ValueError(f"n_classes must be at least 1, got {n_classes}")
    t = _labels(y_true, "y_true", n_classes)
    p = _labels(y_pred, "y_pred", n_classes)
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.shape[0]} samples but y_pred has {p.shape[0]}")
    # bincount of the flat index i*C + j counts every (actual, predicted) pair in one pass.
    flat = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def binary_counts(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, int]:
    """TP, FN, FP, TN of a binary problem with class 1 as the positive class.

    The four named counts are what the lecture's formulas are written in, so they are returned by
    name rather than as matrix cells the reader has to locate.
    """
    cm = confusion_matrix(y_true, y_pred, 2)
    tp, fn, fp, tn = _one_vs_rest(cm, 1)
    return {"tp": tp, "fn": fn, "fp": fp, "tn": tn}


# --------------------------------------------------------------------------- rates from a confusion matrix


def accuracy(cm: np.ndarray) -> float:
    """Share of samples on the diagonal: (TP + TN) / all for two classes, trace / total in general."""
    m = _cm(cm)
    return float(np.trace(m)) / float(m.sum())


def precision(cm: np.ndarray, positive: int = 1) -> float:
    """TP / (TP + FP): of the samples predicted positive, how many are.

    0.0 (not nan) when nothing is predicted positive, so that the metric is always a number.
    """
    tp, _, fp, _ = _one_vs_rest(_cm(cm), positive)
    return _ratio(tp, tp + fp)


def sensitivity(cm: np.ndarray, positive: int = 1) -> float:
    """Recall, true positive rate: TP / (TP + FN), the share of actual positives that are found.

    0.0 when the positive class does not occur.
    """
    tp, fn, _, _ = _one_vs_rest(_cm(cm), positive)
    return _ratio(tp, tp + fn)


def specificity(cm: np.ndarray, positive: int = 1) -> float:
    """True negative rate: TN / (TN + FP), the share of actual negatives correctly left out.

    0.0 when there are no actual negatives.
    """
    _, _, fp, tn = _one_vs_rest(_cm(cm), positive)
    return _ratio(tn, tn + fp)


def f1(cm: np.ndarray, positive: int = 1) -> float:
    """Harmonic mean of precision and sensitivity, computed as 2·TP / (2·TP + FP + FN).

    That form equals 2PR/(P+R) whenever it is defined and needs no special case when P or R is 0;
    it is 0.0 when TP + FP + FN = 0 (the class is never present nor predicted).
    """
    tp, fn, fp, _ = _one_vs_rest(_cm(cm), positive)
    return _ratio(2 * tp, 2 * tp + fp + fn)


def per_class(cm: np.ndarray) -> list[dict[str, float]]:
    """One-vs-rest precision, sensitivity, specificity, F1 and support (row sum) of every class, in class order."""
    m = _cm(cm)
    rows: list[dict[str, float]] = []
    for k in range(m.shape[0]):
        tp, fn, fp, tn = _one_vs_rest(m, k)
        rows.append(
            {
                "precision": _ratio(tp, tp + fp),
                "sensitivity": _ratio(tp, tp + fn),
                "specificity": _ratio(tn, tn + fp),
                "f1": _ratio(2 * tp, 2 * tp + fp + fn),
                "support": tp + fn,
            }
        )
    return rows


def macro(cm: np.ndarray) -> dict[str, float]:
    """Unweighted means over all classes of the per-class rates.

    Unweighted so that a rare class counts as much as a frequent one: that is what distinguishes
    the macro average from accuracy on an imbalanced data set. Every class of the matrix counts,
    also one with support 0.
    """
    rows = per_class(cm)
    return {key: float(np.mean([r[key] for r in rows])) for key in ("precision", "sensitivity", "specificity", "f1")}


# --------------------------------------------------------------------------- ROC


def roc_curve(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False and true positive rates as the threshold sweeps down through every distinct score.

    Returns ``(fpr, tpr, thresholds)``. The first point is (0, 0) at threshold +inf (nothing
    predicted positive); each following threshold is a distinct score, in decreasing order, and
    predicts positive every sample whose score is ``>= threshold``; the last one is the lowest
    score, where everything is positive: (1, 1). Tied scores cross the threshold together, so they
    make one point and the curve a diagonal segment: the straight line is the expected curve of
    breaking the tie at random, and its area is what gives a tie half credit in the AUC. This is
    sklearn's ``roc_curve(drop_intermediate=False)``.

    ``y_true`` holds 0/1 with 1 positive. With no positives the tpr is nan (and with no negatives
    the fpr), because the rate is then undefined rather than 0.
    """
    y = _labels(y_true, "y_true", 2)
    s = _scores(scores, y.shape[0])
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    y_sorted = y[order]
    # Last index of each run of equal scores: the counts there include the whole tie.
    last = np.r_[np.flatnonzero(np.diff(s_sorted) != 0), s_sorted.size - 1]
    tps = np.r_[0, np.cumsum(y_sorted)[last]].astype(np.float64)
    fps = np.r_[0, np.cumsum(1 - y_sorted)[last]].astype(np.float64)
    thresholds = np.r_[np.inf, s_sorted[last]]
    n_pos = tps[-1]
    n_neg = fps[-1]
    tpr = tps / n_pos if n_pos > 0 else np.full_like(tps, np.nan)
    fpr = fps / n_neg if n_neg > 0 else np.full_like(fps, np.nan)
    return fpr, tpr, thresholds


def auc(fpr: np.ndarray, tpr: np.ndarray) -> float:
    """Area under a curve by the trapezoid rule: Σ (x[i+1] − x[i]) · (y[i] + y[i+1]) / 2.

    Written out rather than ``np.trapezoid`` so that it runs the same on NumPy 1.x and 2.x.
    ``fpr`` must be non-decreasing, as :func:`roc_curve` returns it; a curve in any other order
    would give a meaningless (possibly negative) area.
    """
    x = np.asarray(fpr, dtype=np.float64)
    y = np.asarray(tpr, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"fpr and tpr must be 1-D arrays of the same length, got shapes {x.shape} and {y.shape}")
    if x.size < 2:
        raise ValueError("an area needs at least two points")
    dx = np.diff(x)
    if np.any(dx < 0):
        raise ValueError("fpr must be non-decreasing")
    return float(np.sum(dx * (y[1:] + y[:-1]) / 2.0))


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the probability that a random positive outscores a random negative, ties counting 1/2.

    nan when only one class is present, because there is then no pair to rank and 0 or 1 would
    both be a lie.
    """
    y = _labels(y_true, "y_true", 2)
    if y.min() == y.max():
        _scores(scores, y.shape[0])  # still validate the scores
        return math.nan
    fpr, tpr, _ = roc_curve(y, scores)
    return auc(fpr, tpr)


def threshold_metrics(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, Any]:
    """The binary confusion matrix and its rates when ``score >= threshold`` means positive.

    This is one point of the ROC curve with its whole table, which is what a slider over the
    threshold shows: raising it trades sensitivity for specificity. ``confusion`` is a nested
    list (actual on rows) so the dict is JSON-ready.
    """
    y = _labels(y_true, "y_true", 2)
    s = _scores(scores, y.shape[0])
    cm = confusion_matrix(y, (s >= threshold).astype(np.int64), 2)
    return {
        "threshold": float(threshold),
        "confusion": cm.tolist(),
        "accuracy": accuracy(cm),
        "precision": precision(cm),
        "sensitivity": sensitivity(cm),
        "specificity": specificity(cm),
        "f1": f1(cm),
    }


def equal_error_threshold(y_true: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold where sensitivity and specificity are closest (the "sensitivity = specificity" point).

    Only the distinct scores are candidates, since the rates change nowhere else; +inf is left out
    so that the answer is a usable, finite threshold. Among equally close candidates the one with
    the larger sensitivity + specificity wins, then the larger threshold (the first met while
    sweeping down). Both classes must be present, otherwise one of the two rates is undefined.
    """
    y = _labels(y_true, "y_true", 2)
    if y.min() == y.max():
        raise ValueError("equal_error_threshold needs both classes in y_true")
    fpr, tpr, thr = roc_curve(y, scores)
    sens, spec, thr = tpr[1:], 1.0 - fpr[1:], thr[1:]
    gap = np.abs(sens - spec)
    # Rates are multiples of 1/P and 1/N; compare with a tolerance so float noise picks no winner.
    close = np.flatnonzero(gap <= gap.min() + 1e-12)
    best = close[np.argmax((sens + spec)[close])]  # argmax returns the first, i.e. the larger threshold
    return float(thr[best])


# --------------------------------------------------------------------------- regression


def _pair(y: np.ndarray, yhat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Targets and predictions as float arrays of one shape; (n,) against (n, 1) is accepted as the same column."""
    a = np.asarray(y, dtype=np.float64)
    b = np.asarray(yhat, dtype=np.float64)
    if a.ndim == 2 and a.shape[1] == 1 and b.ndim == 1:
        a = a[:, 0]
    if b.ndim == 2 and b.shape[1] == 1 and a.ndim == 1:
        b = b[:, 0]
    if a.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D, got shape {a.shape}")
    if a.shape != b.shape:
        raise ValueError(f"y has shape {a.shape} but yhat has shape {b.shape}")
    if a.size == 0:
        raise ValueError("y is empty: metrics need at least one sample")
    return a, b


def mse(y: np.ndarray, yhat: np.ndarray) -> float:
    """Mean squared error over all entries: mean((y − ŷ)²)."""
    a, b = _pair(y, yhat)
    return float(np.mean((a - b) ** 2))


def mae(y: np.ndarray, yhat: np.ndarray) -> float:
    """Mean absolute error over all entries: mean(|y − ŷ|), in the units of the target and less swayed by outliers than the MSE."""
    a, b = _pair(y, yhat)
    return float(np.mean(np.abs(a - b)))


def r2(y: np.ndarray, yhat: np.ndarray) -> float:
    """Coefficient of determination R² = 1 − SS_res / SS_tot.

    It compares the model with the baseline of always predicting the mean: 1 is perfect, 0 is no
    better than the mean, negative is worse. For 2-D input R² is computed per output column and
    averaged with equal weights (sklearn's ``multioutput="uniform_average"``). nan when SS_tot is
    0 (a constant target has no variance to explain); for 2-D input, when it is 0 in any column.
    """
    a, b = _pair(y, yhat)
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    ss_res = np.sum((a - b) ** 2, axis=0)
    ss_tot = np.sum((a - a.mean(axis=0)) ** 2, axis=0)
    if np.any(ss_tot == 0):
        return math.nan
    return float(np.mean(1.0 - ss_res / ss_tot))


# --------------------------------------------------------------------------- reports


def classification_report(y_true: np.ndarray, probs: np.ndarray, threshold: float = 0.5) -> dict[str, Any]:
    """Every classification metric of the lecture for one set of predictions, as a JSON-ready dict.

    ``y_true`` holds class indices. ``probs`` is ``(n,)`` or ``(n, 1)``: the probability of class 1
    of a binary problem, thresholded at ``threshold``; or ``(n, C)``: class probabilities, the
    prediction being the argmax. A ``(n, 2)`` array is a binary problem written as two columns and
    is reported as binary, with column 1 as the score of the positive class.

    Binary: ``accuracy``, ``precision``, ``sensitivity``, ``specificity``, ``f1``, ``auc``,
    ``confusion``. Multi-class: the same keys with the rates macro-averaged, ``auc`` the macro
    one-vs-rest AUC (mean over the classes present in ``y_true``, since a class with no samples has
    no AUC), and ``per_class``, a list of per-class dicts that add each class's own ``auc``.
    Values are plain Python floats, ints and lists; an undefined AUC is ``nan``.
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 1 or (p.ndim == 2 and p.shape[1] == 1):
        score = p.reshape(-1)
        n_classes = 2
    elif p.ndim == 2 and p.shape[1] == 2:
        score = p[:, 1]
        n_classes = 2
    elif p.ndim == 2 and p.shape[1] >= 3:
        score = None
        n_classes = p.shape[1]
    else:
        raise ValueError(f"probs must have shape (n,), (n, 1) or (n, C), got {p.shape}")
    y = _labels(y_true, "y_true", n_classes)
    if p.shape[0] != y.shape[0]:
        raise ValueError(f"y_true has {y.shape[0]} samples but probs has {p.shape[0]}")
    if not np.all(np.isfinite(p)):
        raise ValueError("probs contain nan or inf")

    if score is not None:
        cm = confusion_matrix(y, (score >= threshold).astype(np.int64), 2)
        return {
            "accuracy": accuracy(cm),
            "precision": precision(cm),
            "sensitivity": sensitivity(cm),
            "specificity": specificity(cm),
            "f1": f1(cm),
            "auc": roc_auc(y, score),
            "confusion": cm.tolist(),
        }

    cm = confusion_matrix(y, np.argmax(p, axis=1), n_classes)
    rows = per_class(cm)
    aucs = [roc_auc((y == k).astype(np.int64), p[:, k]) for k in range(n_classes)]
    defined = [a for a in aucs if not math.isnan(a)]
    for row, a in zip(rows, aucs, strict=True):
        row["auc"] = a
    report: dict[str, Any] = {"accuracy": accuracy(cm)}
    report.update(macro(cm))
    report["auc"] = float(np.mean(defined)) if defined else math.nan
    report["confusion"] = cm.tolist()
    report["per_class"] = rows
    return report


def quick_accuracy(y_true: np.ndarray, probs: np.ndarray, threshold: float = 0.5) -> float:
    """:func:`classification_report`'s ``accuracy`` alone, without its checks: the per-epoch figure of a training loop.

    Why apart: the full report (a ROC curve for the AUC, every rate, each input
    re-validated) costs ~10× the accuracy, and a training loop that reports every epoch
    needs only the loss and this. Same rule: a score ``>= threshold`` is class 1 (column 1
    of a two-column array), else the argmax. A non-finite score is simply not class 1
    (the loop's finite-loss check is what reports divergence); nan for no samples.
    """
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y_true).reshape(-1)
    if len(y) == 0:
        return math.nan
    if p.ndim == 1 or p.shape[1] == 1:
        pred = p.reshape(-1) >= threshold
    elif p.shape[1] == 2:
        pred = p[:, 1] >= threshold
    else:
        pred = np.argmax(p, axis=1)
    return float(np.count_nonzero(pred == y)) / len(y)


def regression_report(y: np.ndarray, yhat: np.ndarray) -> dict[str, float]:
    """MSE, MAE and R² of one set of predictions, as a JSON-ready dict."""
    return {"mse": mse(y, yhat), "mae": mae(y, yhat), "r2": r2(y, yhat)}
