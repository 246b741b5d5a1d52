"""K-fold cross-validation: K models, each tested on the fold it did not see.

The lecture's answer to "one test split is one roll of the dice": split the learning
set (everything but the validation split) into K stratified folds, train K models from
the same spec, each holding out one fold, and report the mean ± std of their held-out
metrics. :func:`iter_folds` yields the folds one by one so that ``tuinn train`` can
print progress and the app can show it and cancel between epochs; :func:`summarize`
turns them into the ``cv.json`` table. Folds of one shape train together on the
batched engine (:mod:`tuinn.training.together`) unless something needs them one by one.

Headless: NumPy only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tuinn.config.spec import Experiment
from tuinn.errors import DivergedError, TuinnError
from tuinn.training.trainer import EpochResult, Trainer, nonfinite_losses, seed_streams

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
    together: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, float]]:
    """Train fold ``start``..K and yield each fold's held-out metrics (same keys as :func:`metric_names`).

    ``base`` is a trainer of ``exp`` whose dataset is reused (the app passes its own);
    ``epochs`` defaults to the spec's. ``on_epoch`` is passed to every fold's fit (raise
    from it to stop). Folds come from the experiment's ``kfold`` seed stream, so a
    given spec always gets the same folds, and each fold's model depends on nothing but
    the spec and the fold: a run resumed at fold ``start`` yields what an uninterrupted
    run yields there.
    """
    for _, metrics in numbered_folds(exp, k, epochs, base, on_epoch, start, together=together, on_progress=on_progress):
        yield metrics


def numbered_folds(
    exp: Experiment,
    k: int,
    epochs: int | None = None,
    base: Trainer | None = None,
    on_epoch: Callable[[EpochResult], None] | None = None,
    start: int = 1,
    mine: Callable[[int], bool] | None = None,
    together: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, dict[str, float]]]:
    """Like :func:`iter_folds`, yielding (fold number, metrics), and only the folds ``mine`` accepts.

    ``mine`` is how several processes share the folds out (``tuinn train`` under
    torchrun): each trains the folds that are its own, and since a fold depends on
    nothing but the spec and its number, it does not matter which process trains it.

    ``together`` (default): when no ``on_epoch`` wants each fold's epochs, every fold is
    :func:`stackable` and K copies of the data fit (:func:`~tuinn.training.together.data_fits`), the folds are trained together on the batched engine
    (:func:`_folds_together`), which costs a few single runs instead of K. Folds whose
    training sets differ in size by one sample (K not dividing the learning set) cannot
    share a stack (their batches differ): they form a second group, trained after the
    first. ``on_progress(epochs)`` is told of epochs finished, counted per model (raise
    from it to stop; unlike ``on_epoch`` it lets the folds train together).
    """
    from tuinn.data.split import kfold_indices
    from tuinn.training.together import data_fits

    base = base if base is not None else Trainer(exp)
    ds = base.dataset
    learning = np.sort(np.concatenate([ds.train, ds.test]))
    if not 2 <= k <= len(learning):
        raise TuinnError(f"k-fold needs 2 <= K <= {len(learning)} (the samples outside the validation split), got K = {k}")
    folds = kfold_indices(learning, k, seed_streams(exp.seed)["kfold"], ds.labels)
    names = metric_names(base)
    n_epochs = exp.train.epochs if epochs is None else epochs
    chosen = [(i, train, held) for i, (train, held) in enumerate(folds, 1) if i >= start and (mine is None or mine(i))]
    if together and on_epoch is None and len(chosen) > 1 and data_fits(len(chosen), ds.x.nbytes):
        trainers = [Trainer(exp, dataset=ds, split=(train, held, ds.validation)) for _, train, held in chosen]
        if all(stackable(t) for t in trainers):
            yield from _folds_together([i for i, _, _ in chosen], trainers, k, n_epochs, names, on_progress)
            return
    if on_epoch is None and on_progress is not None:
        on_epoch = lambda _: on_progress(1)  # noqa: E731  # one model's epoch
    for i, train, held in chosen:
        trainer = Trainer(exp, dataset=ds, split=(train, held, ds.validation))
        try:
            trainer.fit(n_epochs, on_epoch=on_epoch)
        except DivergedError as exc:
            raise DivergedError(f"fold {i}/{k}: {exc}") from None
        yield i, held_out(trainer, names)


def held_out(trainer: Trainer, names: tuple[str, ...]) -> dict[str, float]:
    """A fold's metrics: the trained model on the fold it did not see (the trainer's ``test`` split)."""
    r = trainer.evaluate("test")
    return {m: float(r.get(m, float("nan"))) for m in names}


def stackable(trainer: Trainer) -> bool:
    """Whether a fold's trainer can train on the batched engine with the others and end where its own ``fit`` would.

    Not: the torch backend, batch or layer norm, the plateau schedule (it watches a loss
    between epochs), early stopping (each fold would stop at its own epoch and restore its
    own best weights: that bookkeeping is the sequential ``fit``'s).
    """
    from tuinn.training.together import can_stack

    return trainer.experiment.train.early_stopping is None and can_stack(trainer)


def _split_losses(trainer: Trainer) -> dict[str, float | None]:
    """The loss of every non-empty split (what the sequential ``fit`` checks after each epoch)."""
    out: dict[str, float | None] = {}
    for name in ("train", "test", "validation"):
        x, y = trainer.split(name)
        if len(x):
            with np.errstate(over="ignore", invalid="ignore"):
                out[name] = float(trainer.model.evaluate_loss(x, y))
    return out


def _folds_together(numbers: list[int], trainers: list[Trainer], k: int, epochs: int, names: tuple[str, ...],
                    on_progress: Callable[[int], None] | None) -> Iterator[tuple[int, dict[str, float]]]:
    """The folds trained together (:func:`~tuinn.training.together.fit_together`), then yielded in order.

    Each fold's model equals its sequential ``fit`` to rounding (1e-12, tested). A fold
    whose batch loss stopped being finite, or whose train, held-out or validation loss
    after the last epoch is not finite, raises :class:`DivergedError` naming it, after the
    folds before it were yielded — what the sequential loop yields and raises.
    """
    from tuinn.training.together import fit_together

    diverged = fit_together(trainers, epochs, on_epoch=on_progress)
    for number, trainer, epoch in zip(numbers, trainers, diverged, strict=True):
        rate = f"(learning rate {trainer.experiment.train.learning_rate:g} is probably too large)"
        if epoch is not None:
            raise DivergedError(f"fold {number}/{k}: training diverged in epoch {epoch}: the loss became non-finite {rate}")
        if bad := nonfinite_losses(_split_losses(trainer)):
            what = ", ".join(f"{split} loss {v}" for split, v in bad.items())
            raise DivergedError(f"fold {number}/{k}: training diverged by epoch {epochs}: after its last update the {what} {rate}")
        yield number, held_out(trainer, names)


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
