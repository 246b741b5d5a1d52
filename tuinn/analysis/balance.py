"""Class balance: how many samples of each class the model trains on, and what changing it does.

The lecture's warning: with 65 % negatives, a model that always says "negative" is
65 % accurate and useless. The four answers of ``data.balance`` (none, undersample,
oversample, weights; see :class:`~tuinn.training.trainer.Trainer`) change what the model is
trained on; :func:`compare_balance` trains the same spec once with each, on the same
data and split, so their effect on sensitivity and specificity can be read side by side.
The methods that train on the same rows (``none`` and ``weights``) train together on the
batched engine.

Headless: NumPy only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tuinn.config.spec import BALANCES, Experiment
from tuinn.errors import DivergedError, TuinnError
from tuinn.training.kfold import stackable
from tuinn.training.together import data_fits, fit_together, groups
from tuinn.training.trainer import EpochResult, Trainer, nonfinite_losses

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
    together: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Train the spec once per balance method (same data and split) and yield each one's test metrics, in ``methods`` order.

    ``together`` (default): when no ``on_epoch`` wants each model's epochs and every
    method's trainer can be stacked (:func:`~tuinn.training.kfold.stackable`: the NumPy
    backend, no batch or layer norm, no plateau schedule, no early stopping) and the
    copies of the data fit (:func:`~tuinn.training.together.data_fits`), the methods that
    train on the same rows — ``none`` and ``weights`` (its weights of ones change nothing:
    :func:`~tuinn.training.together.stack_key`), and ``undersample`` with ``oversample``
    when they happen to keep as many rows — train together on the batched engine
    (:func:`_together`), the others each with its own ``fit``; otherwise, or with
    ``together=False``, one after the other. Both
    ways give the same rows (1e-12, tested). ``on_progress(epochs)`` is told of epochs
    finished, counted per model (raise from it to stop); unlike ``on_epoch`` it lets the
    methods train together. A method whose training diverges raises
    :class:`~tuinn.errors.DivergedError` naming it, after the rows of the methods before it.
    """
    base = base if base is not None else Trainer(exp)
    if base.dataset.labels is None:
        raise TuinnError("class balance needs a classification dataset")
    split = (base.train_idx, base.test_idx, base.val_idx)
    judged = "test" if len(base.test_idx) else "train"

    def trainer_for(method: str) -> Trainer:
        e = copy.deepcopy(exp)
        e.data.balance = method
        return Trainer(e, dataset=base.dataset, split=split)

    stack = together and on_epoch is None and len(methods) > 1 and data_fits(len(methods), base.dataset.x.nbytes)
    if on_epoch is None and on_progress is not None:
        on_epoch = lambda _: on_progress(1)  # noqa: E731  # one model's epoch
    if stack:
        trainers = [trainer_for(method) for method in methods]
        if all(stackable(t) for t in trainers):
            yield from _together(trainers, epochs, judged, on_progress, on_epoch)
            return
    for method in methods:
        yield _fitted(trainer_for(method), epochs, judged, on_epoch)


def _fitted(trainer: Trainer, epochs: int, judged: str, on_epoch: Callable[[EpochResult], None] | None) -> dict[str, Any]:
    """One method trained alone (its own ``fit``), and its row; divergence is named after the method."""
    try:
        trainer.fit(epochs, on_epoch=on_epoch)
    except DivergedError as exc:
        raise DivergedError(f"balance = {trainer.experiment.data.balance}: {exc}") from None
    return _row(trainer, judged)


def _together(trainers: list[Trainer], epochs: int, judged: str, on_progress: Callable[[int], None] | None,
              on_epoch: Callable[[EpochResult], None] | None) -> Iterator[dict[str, Any]]:
    """The methods' trainers in stacking groups (:func:`~tuinn.training.together.groups`), each group trained
    (:func:`~tuinn.training.together.fit_together`) when the first of its methods is due, rows yielded in order.

    So the comparison's first row still comes after one group's training, not all of it.
    A method in a group of its own (undersample, oversample: their row counts differ from
    everyone's) trains with its own ``fit`` (:func:`_fitted`): a stack of one costs about
    the same (measured: within ±5 % on the playground and Pima) and ``fit`` is the
    reference. A stacked method whose batch loss stopped being finite, or whose train,
    test or validation loss after the last epoch is not finite, raises
    :class:`DivergedError` naming it — what ``fit`` raises, except that ``fit`` checks the
    split losses after every epoch, this only after the last (as K-fold's stacked folds).
    """
    diverged: dict[int, int | None] = {}
    parts = groups(trainers)
    for i, trainer in enumerate(trainers):
        group = next(g for g in parts if i in g)
        if len(group) == 1:
            yield _fitted(trainer, epochs, judged, on_epoch)
            continue
        if i not in diverged:
            diverged.update(zip(group, fit_together([trainers[j] for j in group], epochs, on_epoch=on_progress), strict=True))
        method = trainer.experiment.data.balance
        rate = f"(learning rate {trainer.experiment.train.learning_rate:g} is probably too large)"
        if (epoch := diverged[i]) is not None:
            raise DivergedError(f"balance = {method}: training diverged in epoch {epoch}: the loss became non-finite {rate}")
        losses = {name: r.get("loss") for name, r in trainer.evaluate_all(full=False).items()}
        if bad := nonfinite_losses(losses):
            what = ", ".join(f"{split} loss {v}" for split, v in bad.items())
            raise DivergedError(f"balance = {method}: training diverged by epoch {epochs}: after its last update the {what} {rate}")
        yield _row(trainer, judged)


def _row(trainer: Trainer, judged: str) -> dict[str, Any]:
    """A trained method's row: its test metrics (train without a test split) and what it trained on."""
    r = trainer.evaluate(judged)
    row = {m: r[m] for m in METRICS if m in r}
    row["balanced_accuracy"] = balanced_accuracy(r["confusion"])
    return {"method": trainer.experiment.data.balance, "split": judged, "trained_on": class_counts(trainer)["trained_on"], **row}
