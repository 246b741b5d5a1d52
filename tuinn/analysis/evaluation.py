"""Judging a trained model: metrics per split, the ROC curve, a threshold that moves.

One function, :func:`evaluation_report`, computes what both the Evaluate screen and
``tuinn eval --json`` show, so the two cannot disagree. The lecture's point that a model
has "different accuracies on different datasets" is why every split is reported side by
side, plus ``whole`` (every sample, as a naive report on all the data would do).

Headless: NumPy only, no textual.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from tuinn import metrics

if TYPE_CHECKING:
    from tuinn.training.trainer import Trainer

#: The splits in the order they are shown; ``whole`` is every sample.
SPLITS = ("train", "test", "validation", "whole")


def split_index(trainer: Trainer, name: str) -> np.ndarray:
    """Sample indices of a split (``whole``: all of them, sorted)."""
    if name == "whole":
        return np.arange(len(trainer.x))
    return {"train": trainer.train_idx, "test": trainer.test_idx, "validation": trainer.val_idx}[name]


def present_splits(trainer: Trainer) -> list[str]:
    """The splits that hold samples (``validation`` is often empty)."""
    return [name for name in SPLITS if len(split_index(trainer, name))]


def scores(trainer: Trainer, name: str) -> np.ndarray:
    """Class scores of a split: P(class 1) as (n,) for a binary problem, (n, C) otherwise; regression: outputs."""
    idx = split_index(trainer, name)
    out = trainer.outputs(trainer.x[idx])
    if trainer.dataset.labels is None:
        return out
    probs = trainer.probabilities(out)
    if probs.shape[1] == 1:
        return probs[:, 0]
    if probs.shape[1] == 2:
        return probs[:, 1]
    return probs


def roc_points(labels: np.ndarray, score: np.ndarray) -> dict[str, Any]:
    """The ROC curve as JSON-ready lists; the first threshold (+inf, nothing positive) is null."""
    fpr, tpr, thr = metrics.roc_curve(labels, score)
    return {
        "fpr": fpr.tolist(),
        "tpr": tpr.tolist(),
        "thresholds": [None if math.isinf(t) else float(t) for t in thr],
        "auc": metrics.roc_auc(labels, score),
    }


def split_report(trainer: Trainer, name: str, threshold: float = 0.5) -> dict[str, Any]:
    """Loss and metrics of one split; binary problems add ``roc`` and the ``equal_error`` point."""
    idx = split_index(trainer, name)
    if not len(idx):
        return {}
    x, y = trainer.x[idx], trainer.y[idx]
    with np.errstate(over="ignore", invalid="ignore"):
        report: dict[str, Any] = {"n": len(idx), "loss": trainer.model.evaluate_loss(x, y)}
    labels = trainer.dataset.labels
    if labels is None:
        out = trainer.outputs(x)
        report.update(metrics.regression_report(y, out))
        return report
    s = scores(trainer, name)
    report.update(metrics.classification_report(labels[idx], s, threshold=threshold))
    if s.ndim == 1:
        y_split = labels[idx]
        if y_split.min() != y_split.max():
            report["roc"] = roc_points(y_split, s)
            eer = metrics.equal_error_threshold(y_split, s)
            report["equal_error"] = metrics.threshold_metrics(y_split, s, eer)
    else:
        names = trainer.dataset.class_names or [str(k) for k in range(s.shape[1])]
        report["class_names"] = list(names)
        report["roc"] = {
            names[k]: roc_points((labels[idx] == k).astype(np.int64), s[:, k])
            for k in range(s.shape[1])
            if 0 < np.sum(labels[idx] == k) < len(idx)
        }
    return report


def evaluation_report(trainer: Trainer, threshold: float = 0.5, splits: tuple[str, ...] = SPLITS) -> dict[str, Any]:
    """Every split's report (empty splits left out), with the task and the threshold used."""
    out: dict[str, Any] = {"task": trainer.dataset.task, "threshold": threshold, "splits": {}}
    for name in splits:
        r = split_report(trainer, name, threshold)
        if r:
            out["splits"][name] = r
    return out


def predicted_vs_true(trainer: Trainer, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(true, predicted) values of the first output of a regression split, for a scatter plot."""
    idx = split_index(trainer, name)
    out = trainer.outputs(trainer.x[idx])
    return trainer.y[idx][:, 0].astype(float), out[:, 0].astype(float)
