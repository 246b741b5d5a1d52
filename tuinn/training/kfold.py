"""K-fold cross-validation: K models, each tested on the fold it did not see.

The lecture's answer to "one test split is one roll of the dice": split the learning
set (everything but the validation split) into K stratified folds, train K models from
the same spec, each holding out one fold, and report the mean ± std of their held-out
metrics. :func:`iter_folds` yields the folds one by one so that ``tuinn train`` can
print progress and the app can show it and cancel between epochs; :func:`summarize`
turns them into the ``cv.json`` table.

Headless: NumPy only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tuinn.config.spec import Experiment
from tuinn.errors import DivergedError, TuinnError
from tuinn.training.trainer import EpochResult, Trainer, seed_streams

METRICS = ("accuracy", "auc", "sensitivity", "specificity", "loss")
METRICS_REGRESSION = ("mse", "mae", "r2", "loss")


def metric_names(trainer: Trainer) -> tuple[str, ...]:
    return METRICS if trainer.dataset.labels is not None else METRICS_REGRESSION


def iter_folds(
    exp: Experiment,
    k: int,
    epochs: int | None = None,
    base: Trainer | None = None,
    on_epoch: Callable[[EpochResult], None] | None = None,
    start: int = 1,
) -> Iterator[dict[str, float]]:
    """Train fold ``start``..K and yield each fold's held-out metrics (same keys as :func:`metric_names`).

    ``base`` is a trainer of ``exp`` whose dataset is reused (the app passes its own);
    ``epochs`` defaults to the spec's. ``on_epoch`` is passed to every fold's fit (raise
    from it to stop). Folds come from the experiment's ``kfold`` seed stream, so a
    given spec always gets the same folds, and each fold's model depends on nothing but
    the spec and the fold: a run resumed at fold ``start`` yields what an uninterrupted
    run yields there.
    """
    for _, metrics in numbered_folds(exp, k, epochs, base, on_epoch, start):
        yield metrics


def numbered_folds(
    exp: Experiment,
    k: int,
    epochs: int | None = None,
    base: Trainer | None = None,
    on_epoch: Callable[[EpochResult], None] | None = None,
    start: int = 1,
    mine: Callable[[int], bool] | None = None,
) -> Iterator[tuple[int, dict[str, float]]]:
    """Like :func:`iter_folds`, yielding (fold number, metrics), and only the folds ``mine`` accepts.

    ``mine`` is how several processes share the folds out (``tuinn train`` under
    torchrun): each trains the folds that are its own, and since a fold depends on
    nothing but the spec and its number, it does not matter which process trains it.
    """
    from tuinn.data.split import kfold_indices

    base = base if base is not None else Trainer(exp)
    ds = base.dataset
    learning = np.sort(np.concatenate([ds.train, ds.test]))
    if not 2 <= k <= len(learning):
        raise TuinnError(f"k-fold needs 2 <= K <= {len(learning)} (the samples outside the validation split), got K = {k}")
    folds = kfold_indices(learning, k, seed_streams(exp.seed)["kfold"], ds.labels)
    names = metric_names(base)
    n_epochs = exp.train.epochs if epochs is None else epochs
    for i, (train, held) in enumerate(folds, 1):
        if i < start or (mine is not None and not mine(i)):
            continue
        trainer = Trainer(exp, dataset=ds, split=(train, held, ds.validation))
        try:
            trainer.fit(n_epochs, on_epoch=on_epoch)
        except DivergedError as exc:
            raise DivergedError(f"fold {i}/{k}: {exc}") from None
        r = trainer.evaluate("test")
        yield i, {m: float(r.get(m, float("nan"))) for m in names}


def summarize(per_fold: list[dict[str, float]]) -> dict[str, Any]:
    """``{"folds": K, metric: {"mean", "std", "folds": [...]}}`` (nan folds ignored in mean and std)."""
    cv: dict[str, Any] = {"folds": len(per_fold)}
    if not per_fold:
        return cv
    for m in per_fold[0]:
        values = np.array([f[m] for f in per_fold], dtype=float)
        finite = values[np.isfinite(values)]
        cv[m] = {
            "mean": float(finite.mean()) if finite.size else float("nan"),
            "std": float(finite.std()) if finite.size else float("nan"),
            "folds": values.tolist(),
        }
    return cv
