"""Class balance: how many samples of each class the model trains on, and what changing it does.

The lecture's warning: with 65 % negatives, a model that always says "negative" is
65 % accurate and useless. The four answers of ``data.balance`` (none, undersample,
oversample, weights; see :class:`~tuinn.training.trainer.Trainer`) change what the model is
trained on; :func:`compare_balance` trains the same spec once with each, on the same
data and split, so their effect on sensitivity and specificity can be read side by side.

Headless: NumPy only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tuinn.config.spec import BALANCES, Experiment
from tuinn.errors import TuinnError
from tuinn.training.trainer import EpochResult, Trainer

#: Metrics shown per balance method (on the test split).
METRICS = ("accuracy", "balanced_accuracy", "sensitivity", "specificity", "auc")


def class_counts(trainer: Trainer) -> dict[str, Any]:
    """Samples per class in every split, and in the training order after balancing."""
    labels = trainer.dataset.labels
    if labels is None:
        raise TuinnError("class balance needs a classification dataset")
    c = trainer.dataset.n_classes
    counts = {name: np.bincount(labels[idx], minlength=c).tolist()
              for name, idx in (("train", trainer.train_idx), ("test", trainer.test_idx), ("validation", trainer.val_idx))}
    report = trainer.balance_report or {"method": "none", "after": counts["train"]}
    return {"classes": list(trainer.dataset.class_names), "method": report["method"], "splits": counts,
            "trained_on": report["after"], "class_weights": report.get("class_weights")}


def balanced_accuracy(confusion: list[list[int]]) -> float:
    """Mean over the classes of the share of that class predicted right (mean per-class sensitivity)."""
    cm = np.asarray(confusion, dtype=float)
    rows = cm.sum(axis=1)
    present = rows > 0
    return float(np.mean(np.diag(cm)[present] / rows[present]))


def compare_balance(
    exp: Experiment,
    epochs: int,
    base: Trainer | None = None,
    methods: tuple[str, ...] = BALANCES,
    on_epoch: Callable[[EpochResult], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Train the spec once per balance method (same data and split) and yield each one's test metrics."""
    base = base if base is not None else Trainer(exp)
    if base.dataset.labels is None:
        raise TuinnError("class balance needs a classification dataset")
    split = (base.train_idx, base.test_idx, base.val_idx)
    judged = "test" if len(base.test_idx) else "train"
    for method in methods:
        e = copy.deepcopy(exp)
        e.data.balance = method
        trainer = Trainer(e, dataset=base.dataset, split=split)
        trainer.fit(epochs, on_epoch=on_epoch)
        r = trainer.evaluate(judged)
        row = {m: r[m] for m in METRICS if m in r}
        row["balanced_accuracy"] = balanced_accuracy(r["confusion"])
        yield {"method": method, "split": judged, "trained_on": class_counts(trainer)["trained_on"], **row}
