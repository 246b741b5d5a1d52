"""Early stopping: the one rule that ``tuinn train`` and the playground both stop by.

Before this module the rule existed twice (``Trainer.fit`` and the playground), and the
two copies had to agree on details a reader does not see at a glance: the untrained
epoch 0 is never a candidate, the first of equal values wins (an improvement must beat
the best by more than ``min_delta``), and an accuracy is better when higher. Here the rule
is written once; its running best is also what a checkpoint stores as ``early``
(``{best, best_epoch, best_state}``) so that ``--resume`` goes on counting from it.
"""

from __future__ import annotations

from typing import Any

from tuinn.config.spec import EarlyStopping


def higher_is_better(monitor: str) -> bool:
    """True for an accuracy monitor (``test_accuracy``), False for a loss (``validation_loss``)."""
    return monitor.endswith("accuracy")


class EarlyStopper:
    """The running best of one monitored value, and whether ``patience`` epochs passed without beating it.

    Feed it every trained epoch in order with :meth:`update`; epoch 0 (the untrained
    weights) is never fed. ``best_state`` is whatever the caller hands in with an
    improving epoch (the trainer's state, so that the best weights can be restored).
    """

    def __init__(self, monitor: str, patience: int, min_delta: float = 0.0, record: dict[str, Any] | None = None) -> None:
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        #: −1 for an accuracy: after multiplying by the sign, lower is better for every monitor.
        self.sign = -1.0 if higher_is_better(monitor) else 1.0
        record = record or {}
        self.best: float | None = record.get("best")
        self.best_epoch: int | None = record.get("best_epoch")
        self.best_state: dict[str, Any] | None = record.get("best_state")

    @classmethod
    def from_spec(cls, spec: EarlyStopping, record: dict[str, Any] | None = None) -> EarlyStopper:
        """The stopper of ``[train] early_stopping``, continuing from a checkpoint's ``early`` record when given."""
        return cls(spec.monitor, spec.patience, spec.min_delta, record)

    def improves(self, value: float) -> bool:
        """Whether ``value`` would become the new best (the first value always does)."""
        return self.best is None or self.sign * value < self.sign * self.best - self.min_delta

    def update(self, epoch: int, value: float | None, state: dict[str, Any] | None = None) -> bool:
        """Record trained epoch ``epoch`` whose monitored value is ``value``; True when training should stop.

        An improving epoch becomes the best (with ``state``) and never stops. Otherwise
        training stops once ``patience`` epochs have passed since the best one. A missing
        value (the monitored split is empty) is not an improvement.
        """
        if value is not None and self.improves(value):
            self.best, self.best_epoch, self.best_state = value, epoch, state
            return False
        return self.best_epoch is not None and epoch - self.best_epoch >= self.patience

    def record(self) -> dict[str, Any]:
        """The checkpoint's ``early`` record: ``{best, best_epoch, best_state}``."""
        return {"best": self.best, "best_epoch": self.best_epoch, "best_state": self.best_state}


def monitored_value(monitor: str, splits: dict[str, dict[str, Any]]) -> float | None:
    """The value of ``monitor`` (``split_metric``, e.g. ``test_loss``) in one epoch's per-split metrics; None when absent."""
    split, metric = monitor.split("_", 1)
    return splits.get(split, {}).get(metric)


__all__ = ["EarlyStopper", "higher_is_better", "monitored_value"]
