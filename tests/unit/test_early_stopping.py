"""The early-stopping rule (:class:`EarlyStopper`) against a brute-force reading of it, on random
sequences with ties and missing values, for losses and accuracies; and the record a checkpoint
stores. That ``tuinn train`` and the playground stop at the same epoch is
tests/unit/test_playground_overfitting.py."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config.spec import EarlyStopping
from tuinn.training.early_stopping import EarlyStopper, higher_is_better, monitored_value


def brute_best(values: list[float | None], upto: int, min_delta: float, higher: bool) -> int | None:
    """The best epoch among epochs 1…upto, recomputed from scratch: each epoch whose value beats
    the best so far by more than min_delta takes its place (so the first of equal values stays)."""
    best: int | None = None
    for epoch in range(1, upto + 1):
        v = values[epoch]
        if v is None:
            continue
        if best is None:
            best = epoch
            continue
        b = values[best]
        assert b is not None
        if (v > b + min_delta) if higher else (v < b - min_delta):
            best = epoch
    return best


def brute_stop(values: list[float | None], patience: int, min_delta: float, higher: bool) -> int | None:
    """The first epoch at which training stops: not the new best, and patience epochs after the best."""
    for epoch in range(1, len(values)):
        best = brute_best(values, epoch, min_delta, higher)
        if best is not None and best != epoch and epoch - best >= patience:
            return epoch
    return None


def random_values(rng: np.random.Generator, n: int) -> list[float | None]:
    """Epoch 0 first (never fed), then values on a coarse grid (ties are common), a few missing."""
    out: list[float | None] = [float(rng.integers(0, 6)) / 4]
    for _ in range(n):
        out.append(None if rng.random() < 0.05 else float(rng.integers(0, 6)) / 4)
    return out


@pytest.mark.parametrize("monitor", ["test_loss", "validation_accuracy"])
def test_the_stopper_agrees_with_the_brute_force_rule_on_random_sequences(monitor: str) -> None:
    rng = np.random.default_rng(13)
    higher = higher_is_better(monitor)
    stops = 0
    for _ in range(400):
        values = random_values(rng, int(rng.integers(1, 40)))
        patience = int(rng.integers(1, 8))
        min_delta = float(rng.choice([0.0, 0.1, 0.25, 0.3]))
        stopper = EarlyStopper(monitor, patience, min_delta)
        stopped = None
        for epoch in range(1, len(values)):
            stop = stopper.update(epoch, values[epoch], {"epoch": epoch})
            assert stopper.best_epoch == brute_best(values, epoch, min_delta, higher)
            if stopper.best_epoch is not None:
                assert stopper.best == values[stopper.best_epoch] and stopper.best_state == {"epoch": stopper.best_epoch}
            if stop:
                stopped = epoch
                break
        assert stopped == brute_stop(values, patience, min_delta, higher), (values, patience, min_delta)
        stops += stopped is not None
    assert 50 < stops < 400  # both outcomes are exercised


def test_without_min_delta_the_best_is_the_first_extreme_after_epoch_0() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        values = rng.integers(0, 4, size=int(rng.integers(2, 30))).astype(float)
        for monitor, pick in (("train_loss", np.argmin), ("test_accuracy", np.argmax)):
            stopper = EarlyStopper(monitor, patience=10_000)
            for epoch in range(1, len(values)):
                stopper.update(epoch, float(values[epoch]))
            assert stopper.best_epoch == 1 + int(pick(values[1:]))  # epoch 0 is never a candidate, the first of ties wins


def test_the_record_round_trips_and_a_resumed_stopper_goes_on_counting() -> None:
    spec = EarlyStopping(monitor="test_loss", patience=3, min_delta=0.0)
    first = EarlyStopper.from_spec(spec)
    for epoch, v in enumerate([0.9, 0.5, 0.6], 1):
        assert not first.update(epoch, v, {"epoch": epoch})
    record = first.record()
    assert record == {"best": 0.5, "best_epoch": 2, "best_state": {"epoch": 2}}
    resumed = EarlyStopper.from_spec(spec, record)
    assert not resumed.update(4, 0.7)
    assert resumed.update(5, 0.5)  # equal to the best is no improvement: 3 epochs after epoch 2
    assert resumed.record()["best_epoch"] == 2


def test_monitored_value_reads_the_split_and_metric() -> None:
    splits = {"train": {"loss": 0.3, "accuracy": 0.9}, "test": {"loss": 0.4}}
    assert monitored_value("train_accuracy", splits) == 0.9
    assert monitored_value("test_loss", splits) == 0.4
    assert monitored_value("validation_loss", splits) is None
