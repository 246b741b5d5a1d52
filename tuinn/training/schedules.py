"""Learning-rate schedules: the α of each epoch, computed as ``torch.optim.lr_scheduler`` does, without torch.

Why a pure module and not torch's schedulers: the NumPy backend has no torch, and both
backends must train with the same numbers. The trainer asks :meth:`LearningRateSchedule.rate`
for the α of the next epoch and sets it on whichever optimizer it has (the engine's
``learning_rate``, torch's ``param_groups``), so the schedule is applied once, in one place,
per epoch — on every rank of a distributed run alike, since every rank holds the same state.

Epochs are counted as torch counts ``last_epoch``: ``rate(base, 0)`` is the α of the first
epoch (always ``base``), ``rate(base, e)`` the α after ``e`` finished epochs.

* ``step``, ``exponential`` and ``cosine`` are functions of the epoch: torch's closed forms
  (``base·γ^⌊e/step_size⌋``, ``base·γ^e``, ``η_min + (base − η_min)(1 + cos(πe/T_max))/2``;
  past ``T_max`` the cosine rises again, as torch's does). They need no state, so a
  resumed run continues them exactly, and a live change of the base rate in the playground
  rescales the curve at once. torch's ``scheduler.step()`` multiplies recursively and
  agrees with these to rounding (~1e-16 relative), not always to the last bit.
* ``plateau`` is ReduceLROnPlateau: it watches the loss of each finished epoch — the
  validation loss when the data has a validation split, else the training loss (never
  the test loss, which would leak the test set into training) — and multiplies α by
  ``factor`` after more than ``patience`` epochs without an improvement beyond
  ``threshold``, then rests ``cooldown`` epochs. Its bookkeeping (best, bad epochs,
  cooldown, the reduced α) is :meth:`state`, which checkpoints carry.
"""

from __future__ import annotations

import math
from typing import Any

from tuinn.config.spec import Schedule

#: ReduceLROnPlateau's ``eps``: a reduction smaller than this is not made.
PLATEAU_EPS = 1e-8


def closed_form(spec: Schedule, base: float, epoch: int) -> float:
    """The α after ``epoch`` finished epochs for the schedules that are functions of the epoch (plateau: ``base``)."""
    if spec.name == "step":
        return base * spec.gamma ** (epoch // spec.step_size)
    if spec.name == "exponential":
        return base * spec.gamma**epoch
    if spec.name == "cosine":
        return spec.eta_min + (base - spec.eta_min) * (1 + math.cos(math.pi * epoch / spec.T_max)) / 2
    return base


def monitored_loss(losses: dict[str, Any]) -> float | None:
    """What ``plateau`` watches: the validation loss when there is a validation split, else the training loss."""
    for split in ("validation", "train"):
        value = losses.get(split)
        if value is not None:
            return float(value)
    return None


class LearningRateSchedule:
    """One run's schedule: the spec it follows and, for ``plateau``, what it has seen so far."""

    def __init__(self, spec: Schedule) -> None:
        self.spec = spec
        self.reset()

    def reset(self) -> None:
        """Forget what the plateau rule has seen (a new schedule, or a base rate the user changed)."""
        self.best: float = math.inf
        self.bad_epochs = 0
        self.cooldown = 0
        self.reduced: float | None = None  # plateau's α once it has been reduced; None: the base rate
        self.base: float | None = None  # the base rate ``reduced`` was derived from

    @property
    def name(self) -> str:
        return self.spec.name

    def rate(self, base: float, epoch: int) -> float:
        """The α of the epoch after ``epoch`` finished ones, for the base rate ``base``."""
        if self.spec.name != "plateau":
            return closed_form(self.spec, base, epoch)
        if self.base != base:  # the user set a new α: the plateau rule starts from it
            self.reduced, self.base = None, base
        return base if self.reduced is None else self.reduced

    def _is_better(self, value: float) -> bool:
        if self.best == math.inf:
            return value < math.inf
        if self.spec.threshold_mode == "rel":
            return value < self.best * (1.0 - self.spec.threshold)
        return value < self.best - self.spec.threshold

    def observe(self, loss: float | None, base: float) -> None:
        """After an epoch: ``plateau`` takes the monitored ``loss`` (torch's ``scheduler.step(loss)``); others ignore it."""
        if self.spec.name != "plateau" or loss is None:
            return
        if self._is_better(loss):
            self.best, self.bad_epochs = loss, 0
        else:
            self.bad_epochs += 1
        if self.cooldown > 0:
            self.cooldown -= 1
            self.bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.bad_epochs > self.spec.patience:
            old = self.rate(base, 0)
            new = max(old * self.spec.factor, self.spec.min_lr)
            if old - new > PLATEAU_EPS:
                self.reduced = new
            self.cooldown = self.spec.cooldown
            self.bad_epochs = 0

    # ----------------------------------------------------------------- state
    def state(self) -> dict[str, Any] | None:
        """The plateau bookkeeping as JSON-able numbers (None for the stateless schedules)."""
        if self.spec.name != "plateau":
            return None
        return {"best": None if self.best == math.inf else self.best, "bad_epochs": self.bad_epochs,
                "cooldown": self.cooldown, "reduced": self.reduced, "base": self.base}

    def load_state(self, state: dict[str, Any] | None) -> None:
        """Put back a :meth:`state` (None, or a state of another schedule's run: start fresh)."""
        self.reset()
        if self.spec.name != "plateau" or not state:
            return
        best = state.get("best")
        self.best = math.inf if best is None else float(best)
        self.bad_epochs = int(state.get("bad_epochs", 0))
        self.cooldown = int(state.get("cooldown", 0))
        reduced, base = state.get("reduced"), state.get("base")
        self.reduced = None if reduced is None else float(reduced)
        self.base = None if base is None else float(base)


def state_problem(state: Any) -> str | None:
    """What is wrong with a schedule state read from a checkpoint (None: nothing)."""
    if state is None:
        return None
    if not isinstance(state, dict):
        return f"must be a table, got {type(state).__name__}"
    for key in ("best", "reduced", "base"):
        value = state.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
            return f"{key} must be a finite number or null, got {value!r}"
    for key in ("bad_epochs", "cooldown"):
        value = state.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"{key} must be a whole number ≥ 0, got {value!r}"
    return None
