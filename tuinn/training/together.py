"""Several trainers of one shape trained together on the batched engine, each as if alone.

Why here and not in the engine: what a run *is* — its data, split, class balance,
shuffle stream, dropout stream, optimizer and hyperparameters — lives in its
:class:`~tuinn.training.trainer.Trainer`. :func:`fit_together` takes trainers that were
built the ordinary way (``tuinn train``'s, a sweep's grid points, seeds, folds), stacks
those that share a shape (:func:`stack_key`) into one
:class:`~tuinn.engine.batched.BatchedNetwork`, draws every epoch's batches from each
trainer's own shuffle stream, and afterwards writes each model's parameters, optimizer
state and step count back into its trainer. A trainer is then where ``trainer.fit``
would have left it (the same weights to rounding, the same generator states), so it
can be evaluated, saved or trained on alone.

Not stacked: batch and layer norm (refused by :func:`refuse_unstackable`). Epoch
bookkeeping (per-epoch metrics, early stopping, checkpoints) is not done here: the
caller trains a fixed number of epochs and evaluates afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tuinn.config.spec import Experiment
from tuinn.engine.batched import BatchedNetwork, StackedData, architecture, make_batched_optimizer, per_model
from tuinn.engine.optimizers import Optimizer
from tuinn.errors import TuinnError
from tuinn.training.trainer import Trainer


def refuse_unstackable(exp: Experiment) -> None:
    """A one-line error naming what a batched engine cannot stack: batch or layer norm, the plateau schedule."""
    if exp.train.schedule.name == "plateau":
        raise TuinnError("train.schedule = \"plateau\": the batched engine evaluates no loss between epochs, which plateau "
                         "watches; use step, exponential or cosine, or train such models one at a time")
    for i, layer in enumerate(exp.model.layers, 1):
        if layer.norm != "none":
            raise TuinnError(f"model.layers[{i}].norm = {layer.norm!r}: the batched engine does not stack batch or layer norm "
                             "(their statistics and γ, β are per model); train such models one at a time")


#: Stacking holds every model's copy of the data at once (and, when they differ, one stacked copy): a caller that
#: may fall back trains one model at a time above this many bytes of data (:func:`data_fits`).
STACK_DATA_BYTES = 256 * 2**20


def data_fits(models: int, data_bytes: int) -> bool:
    """Whether ``models`` copies of ``data_bytes`` of inputs, twice over, stay under :data:`STACK_DATA_BYTES`."""
    return 2 * models * data_bytes <= STACK_DATA_BYTES


def can_stack(trainer: Trainer) -> bool:
    """Whether ``trainer`` can train on the batched engine: the NumPy backend, and nothing :func:`refuse_unstackable` refuses.

    For callers that train several models either way (k-fold, ``tuinn insight --seeds``)
    and fall back to one at a time rather than refuse.
    """
    if trainer.model.name != "numpy":
        return False
    try:
        refuse_unstackable(trainer.experiment)
    except TuinnError:
        return False
    return True


def stack_key(trainer: Trainer) -> tuple[Any, ...]:
    """Trainers with equal keys train together: one architecture, loss, optimizer, data and batch shape.

    Whether a layer has dropout at all is part of it: a layer without dropout keeps its
    dtype (a mask is float64), so a float32 model must not be given a mask of ones.
    Whether a trainer has sample weights (``data.balance = "weights"``) is not: one
    without them trains beside those with them on weights of ones (:func:`_data`), which
    leave its steps exactly as they are (every weighted term is ``w * term``, and
    ``1.0 * term == term`` in IEEE arithmetic) — so a balance comparison's ``none`` and
    ``weights`` models, which train on the same rows, share a stack.
    """
    e, net = trainer.experiment, trainer.network
    layers = tuple((*shape, lay.dropout > 0) for shape, lay in zip(architecture(net), net.layers, strict=True))
    return (layers, e.train.loss, e.train.optimizer, trainer.x.shape, trainer.y.shape, len(trainer.train_order),
            trainer.batch_size, e.train.shuffle)


def _data(trainers: Sequence[Trainer]) -> StackedData:
    """One X for all when every trainer holds the same data (seeds of one split, folds), else one X per trainer.

    Sample weights are all or nothing in a stack: when any trainer has them, one without
    gets weights of ones (which change none of its numbers, see :func:`stack_key`).
    """
    first = trainers[0]
    shared = all(np.array_equal(t.x, first.x) and np.array_equal(t.y, first.y) for t in trainers)
    x = first.x if shared else np.stack([t.x for t in trainers])
    y = first.y if shared else np.stack([t.y for t in trainers])
    if all(t.sample_weight is None for t in trainers):
        return StackedData(x, y)
    if shared:  # per-model weights index per model: give X the model axis too (a view, no copy)
        x, y = np.broadcast_to(x, (len(trainers), *x.shape)), np.broadcast_to(y, (len(trainers), *y.shape))
    weights = [np.ones(len(t.x)) if t.sample_weight is None else t.sample_weight for t in trainers]
    return StackedData(x, y, np.stack(weights))


def _write_back(trainers: Sequence[Trainer], batched: BatchedNetwork, optimizer: Optimizer, epochs: int, steps: int) -> None:
    """Each model's parameters, optimizer state, epoch and step count into its trainer."""
    saved = optimizer.state_dict()
    for m, trainer in enumerate(trainers):
        trainer.network.set_parameters(batched.parameters_of(m))
        shapes = [p.shape for p, _ in trainer.network.pairs()]
        state = [{k: np.asarray(v)[m].reshape(shape) for k, v in s.items()}
                 for s, shape in zip(saved["state"], shapes, strict=True)]  # type: ignore[call-overload]
        trainer.model.load_optimizer_state({"t": saved["t"], "state": state})
        trainer.epoch += epochs
        trainer.steps += steps


def _fit_group(trainers: Sequence[Trainer], epochs: int, on_epoch: Callable[[int], None] | None) -> list[int | None]:
    first = trainers[0].experiment.train
    batched = BatchedNetwork.from_networks([t.network for t in trainers])  # dropout draws from each network's own stream
    optimizer = make_batched_optimizer(first.optimizer, batched, [t.experiment.train.learning_rate for t in trainers],
                                       [t.experiment.train.optimizer_hyper() for t in trainers])
    data = _data(trainers)
    diverged: list[int | None] = [None] * len(trainers)
    steps = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            # Each model's schedule (a function of the epoch: plateau is refused) at the epoch it is at.
            optimizer.learning_rate = per_model([t.schedule.rate(t.experiment.train.learning_rate, t.epoch + epoch - 1)
                                                 for t in trainers])
            drawn = [t.epoch_batches() for t in trainers]  # each trainer's own shuffle stream
            batches = [np.stack(step) for step in zip(*drawn, strict=True)]
            losses = batched.train_epoch(data, batches, optimizer)
            steps += len(batches)
            for m in np.flatnonzero(~np.isfinite(losses).all(axis=0)):
                if diverged[m] is None:
                    diverged[m] = trainers[0].epoch + epoch
            if on_epoch is not None:
                on_epoch(len(trainers))
    _write_back(trainers, batched, optimizer, epochs, steps)
    return diverged


def groups(trainers: Sequence[Trainer]) -> list[list[int]]:
    """Indices of ``trainers`` split by :func:`stack_key`, in order of first appearance."""
    out: dict[tuple[Any, ...], list[int]] = {}
    for i, trainer in enumerate(trainers):
        out.setdefault(stack_key(trainer), []).append(i)
    return list(out.values())


def fit_together(trainers: Sequence[Trainer], epochs: int, on_epoch: Callable[[int], None] | None = None,
                 on_group: Callable[[int, int, int, float], None] | None = None) -> list[int | None]:
    """Train every trainer for ``epochs`` epochs, those of one :func:`stack_key` together; the epoch each diverged in.

    Every trainer must be fresh (epoch 0, untouched optimizer), so that the batched
    optimizer starts from the state each would start from alone. A trainer whose batch
    loss stops being finite goes on (its NaNs stay in its own slice) and is reported by
    the epoch it happened in; the others are unaffected. ``on_epoch(models)`` after each
    epoch of a group, ``on_group(number, of, models, seconds)`` after each group.
    """
    for t in trainers:
        refuse_unstackable(t.experiment)
        if t.epoch != 0 or t.model.optimizer_state()["t"] != 0:
            raise ValueError("fit_together trains fresh trainers (epoch 0, untouched optimizer)")
    diverged: list[int | None] = [None] * len(trainers)
    parts = groups(trainers)
    for number, indices in enumerate(parts, 1):
        t0 = time.perf_counter()
        for i, d in zip(indices, _fit_group([trainers[i] for i in indices], epochs, on_epoch), strict=True):
            diverged[i] = d
        if on_group is not None:
            on_group(number, len(parts), len(indices), time.perf_counter() - t0)
    return diverged


__all__ = ["STACK_DATA_BYTES", "can_stack", "data_fits", "fit_together", "groups", "refuse_unstackable", "stack_key"]
