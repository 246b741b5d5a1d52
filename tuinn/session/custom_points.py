"""Your own points: add a point to the data where you click, remove the nearest, keep training.

Why a module of its own: ConvNetJS lets a learner click points into the plane and watch the
boundary bend; here that is a session operation (every view, and a headless test, calls the
same methods), and its rules are stated once:

- The first point added or removed turns the data into **custom** data: the experiment's
  ``[data]`` becomes ``source = "inline"`` holding every point of the current data set
  (``x``: the points of the plane, or of the line for 1-D data; ``y``: the class index or
  the target), with the Playground's features the data had, and its split row by row
  (``test_rows`` / ``validation_rows``). Saved (ctrl+s) it is an experiment file like any
  other: ctrl+o and ``tuinn EXPERIMENT.toml`` open it, ``tuinn train`` trains on exactly
  those points with exactly that split.
- **Split**: an added point is a *training* point (you draw what the model should learn; the
  points it is judged on stay the ones they were). A removed point leaves whichever split it
  was in. The other points keep their split, so nothing changes colour under the cursor.
- **Target**: a class (classification; :meth:`CustomPointEdits.cycle_place` steps through
  the classes); on a curve (1-D regression) the height you click is the target; on a plane
  regression the value steps through −m, −m/2, 0, m/2, m (m: the largest |target| of the data).
- **Training goes on**: the data is swapped under the running model: same weights, optimizer
  state, epoch and learning-rate schedule; the loss history goes on (its current epoch is
  evaluated again on the new data). Standardisation, when on, is fitted again on the new
  training points.
- Refused, with a message: data with more than two inputs (a slice of Pima has no plane to
  click on), removing the last point of a class (the output layer has a unit per class) or
  the last training point.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import numpy as np

from tuinn.data.spec import DataSpec
from tuinn.errors import TuinnError

if TYPE_CHECKING:
    from tuinn.config.spec import Experiment
    from tuinn.training.trainer import Trainer

Applies = Literal["live", "restart", "refused"]
#: Plane regression: the values a placed point can take, as fractions of the data's largest |target|.
VALUE_STEPS = (-1.0, -0.5, 0.0, 0.5, 1.0)


def editable(trainer: Trainer) -> str:
    """Why points cannot be added to this data ("" when they can)."""
    ds = trainer.dataset
    dims = ds.points.shape[1]
    if dims > 2:
        return f"your own points go on a plane or a line; {ds.name!r} has {dims} inputs"
    if ds.values is not None and ds.values.shape[1] != 1:
        return f"your own points have one target; {ds.name!r} has {ds.values.shape[1]}"
    return ""


def _targets(trainer: Trainer) -> np.ndarray:
    """(n,) class index or target value of every sample."""
    ds = trainer.dataset
    return ds.labels.astype(float) if ds.labels is not None else ds.values[:, 0]  # type: ignore[index]


def place_choices(trainer: Trainer) -> list[float]:
    """What a placed point can be: each class, or (plane regression) the values of :data:`VALUE_STEPS`."""
    ds = trainer.dataset
    if ds.labels is not None:
        return [float(c) for c in range(ds.n_classes)]
    m = float(np.max(np.abs(_targets(trainer)))) if len(ds.points) else 1.0
    m = m or 1.0
    return [float(f"{step * m:.4g}") for step in VALUE_STEPS]


def custom_data(exp: Experiment, trainer: Trainer) -> DataSpec:
    """The trainer's data set as inline data: every point, its target and its split, the same features."""
    ds = trainer.dataset
    old = exp.data
    features = list(ds.feature_names) if (ds.synthetic or ds.playground_features) else None
    return DataSpec(
        source="inline", x=ds.points.tolist(), y=[[float(v)] for v in _targets(trainer)], task=ds.task, features=features,
        standardize=old.standardize, balance=old.balance,
        test_rows=[int(i) + 1 for i in trainer.test_idx], validation_rows=[int(i) + 1 for i in trainer.val_idx] or None,
    )


def with_point(data: DataSpec, point: list[float], target: float) -> DataSpec:
    """``data`` with one more row, a training point (its row is in neither held-out list)."""
    return dataclasses.replace(data, x=[*(data.x or []), list(point)], y=[*(data.y or []), [target]])


def without_row(data: DataSpec, row: int) -> DataSpec:
    """``data`` without row ``row`` (from 0); the held-out rows after it move up by one."""

    def renumber(rows: list[int] | None) -> list[int] | None:
        if rows is None:
            return None
        return [r - (r > row + 1) for r in rows if r != row + 1]

    x, y = list(data.x or []), list(data.y or [])
    del x[row], y[row]
    return dataclasses.replace(data, x=x, y=y, test_rows=renumber(data.test_rows) or [], validation_rows=renumber(data.validation_rows))


def nearest(points: np.ndarray, x: float, y: float, span: tuple[float, float]) -> int:
    """The index of the point nearest (x, y), each axis measured in units of its ``span`` (what the eye sees as near)."""
    sx, sy = (s if s > 0 else 1.0 for s in span)
    d = ((points[:, 0] - x) / sx) ** 2 + ((points[:, 1] - y) / sy) ** 2
    return int(np.argmin(d))


class CustomPointEdits:
    """Adding and removing points (a mixin of the playground session; see the module docstring for the rules)."""

    experiment: Experiment
    trainer: Trainer
    extent: tuple[float, float, float, float]
    neuron: tuple[int, int] | None
    #: Which of :func:`place_choices` a placed point gets.
    _place_choice: int = 0

    if TYPE_CHECKING:
        def apply(self, edit: Callable[[], None]) -> None: ...
        def refuse(self, why: str) -> Applies: ...
        def _replace_last_losses(self) -> None: ...
        def _touch(self) -> None: ...

    @property
    def place_target(self) -> float:
        """The class (or value) the next point placed on the plane gets."""
        choices = place_choices(self.trainer)
        return choices[self._place_choice % len(choices)]

    def place_name(self) -> str:
        """What the next placed point is, in words: "class 1", "value −0.5", or on a curve "the height clicked"."""
        ds = self.trainer.dataset
        if ds.labels is not None:
            return f"class {int(self.place_target)}"
        if ds.points.shape[1] == 1:
            return "the height you click"
        return f"value {self.place_target:g}"

    def cycle_place(self) -> str:
        """The next class (or value) to place; returns its name."""
        self._place_choice = (self._place_choice + 1) % len(place_choices(self.trainer))
        self._touch()
        return self.place_name()

    def _why_not(self) -> str:
        """Why points cannot be placed now ("" when they can): the data, or a curve drawn in a neuron's units."""
        why = editable(self.trainer)
        if not why and self.trainer.dataset.points.shape[1] == 1 and self.neuron is not None:
            why = "a neuron's output is drawn, not the targets: press escape to show the model's output, then place points"
        return why

    def add_point(self, x: float, y: float) -> Applies:
        """Live: a training point at (x, y) of the drawn plane (on a curve: input x, target y), of the class chosen."""
        why = self._why_not()
        if why:
            return self.refuse(why)

        def change(data: DataSpec, trainer: Trainer) -> DataSpec:
            ds = trainer.dataset
            if ds.points.shape[1] == 1:
                target = self.place_target if ds.labels is not None else float(y)
                return with_point(data, [float(x)], target)
            return with_point(data, [float(x), float(y)], self.place_target)

        self._swap(change)
        return "live"

    def remove_point(self, x: float, y: float) -> Applies:
        """Live: the point nearest (x, y) of the drawn plane leaves the data (on a curve: y is the target)."""
        why = self._why_not()
        if why:
            return self.refuse(why)

        def change(data: DataSpec, trainer: Trainer) -> DataSpec:
            ds = trainer.dataset
            targets = _targets(trainer)
            if ds.points.shape[1] == 1:
                pts = np.column_stack([ds.points[:, 0], targets])
                span = (self.extent[1] - self.extent[0], float(np.ptp(targets)) if len(targets) else 1.0)
            else:
                pts = ds.points
                span = (self.extent[1] - self.extent[0], self.extent[3] - self.extent[2])
            row = nearest(pts, float(x), float(y), span)
            if ds.labels is not None and np.count_nonzero(ds.labels == ds.labels[row]) == 1:
                raise TuinnError(f"the last point of class {ds.labels[row]} stays: the output layer has a unit for each class")
            if row in set(trainer.train_idx.tolist()) and len(trainer.train_idx) == 1:
                raise TuinnError("the last training point stays: there would be nothing to train on")
            return without_row(data, row)

        self._swap(change)
        return "live"

    def _swap(self, change: Callable[[DataSpec, Trainer], DataSpec]) -> None:
        """Change the data under the running model: a trainer built on the new data, given the old one's state.

        The session's trainer object stays the same one, its attributes replaced by the new
        trainer's: views that follow a run key on it (the Weights panel's history over the
        epochs starts again for another trainer, as after a restart), and this run goes on.
        """
        from tuinn.config.spec import from_dict, to_dict
        from tuinn.training.trainer import Trainer

        def edit() -> None:
            old = self.trainer
            data = self.experiment.data if self.experiment.data.source == "inline" and self.experiment.data.split_by_rows \
                else custom_data(self.experiment, old)
            trial = copy.deepcopy(self.experiment)
            trial.data = change(data, old)
            checked = from_dict(to_dict(trial), self.experiment.source)  # validated as a file is
            trainer = Trainer(checked)
            trainer.restore(old.state())
            vars(old).clear()
            vars(old).update(vars(trainer))
            self.experiment = checked
            self._replace_last_losses()

        self.apply(edit)


__all__ = ["VALUE_STEPS", "CustomPointEdits", "custom_data", "editable", "nearest", "place_choices", "with_point", "without_row"]
