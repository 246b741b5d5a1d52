"""A live grid of experiments: the playground's experiment at every point of one or two axes, trained together.

Why: a hyperparameter is understood by comparison — the same net and seed with three
learning rates on data with three noise levels shows at a glance which rate is too
small, which diverges, and how noise moves the best one. ``tuinn sweep`` ranks such a
grid after the fact; this session trains it *live*, so the playground can draw one small
decision boundary per grid point (:mod:`tuinn.tui.screens.grid_screen`).

Every grid point is an ordinary :class:`~tuinn.session.playground.Playground` of the
base experiment with ``KEY=VALUE`` overrides (the grid keys and values are those of
``tuinn sweep --grid``, parsed by :func:`~tuinn.training.sweep.parse_grid` and checked
with the sweep's messages), so each point's data is what the playground would make with
that setting, and its snapshots, histories and boundaries are the playground's own.

Training: the points train in one :class:`~tuinn.session.lockstep.LockStep`, as the
labs' variants do: those that share a :func:`~tuinn.training.together.stack_key` (same
architecture, loss, optimizer, data and batch shape) on one batched network, an epoch at
a time, each point's weights those its own ``Trainer.run_epoch`` would have reached
(tested to 1e-12); points that cannot stack (batch or layer norm, the plateau schedule,
early stopping, a group of one) step alone through their playground.

Headless: no textual.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from tuinn.config.spec import Experiment
from tuinn.errors import ConfigError, TuinnError
from tuinn.session.lockstep import LockStep, Member, is_stopped
from tuinn.session.playground import Playground
from tuinn.session.variants import variant_experiment
from tuinn.training.sweep import Axis, _blame, parse_grid

#: Small multiples stop being small beyond this many pictures on one screen.
MAX_POINTS = 16
#: At most this many axes: a grid on a screen has rows and columns.
MAX_AXES = 2
#: The noise levels of the default grid: TensorFlow Playground's range (0–50 %), both ends and the middle.
DEFAULT_NOISE = ("0", "0.25", "0.5")
#: The L2 strengths of the default grid when the data is not generated (noise does not apply).
DEFAULT_L2 = ("0", "0.001", "0.01")
#: Short names of the usual keys in a grid point's label (a key not here is shown as written).
SHORT = {"train.learning_rate": "α", "data.noise": "noise", "train.l2": "L2", "train.l1": "L1",
         "train.batch_size": "batch", "train.optimizer": "opt", "seed": "seed"}


def default_axes(exp: Experiment, synthetic: bool) -> list[Axis]:
    """The grid opened by default: α/3, α, 3α × noise 0, 0.25, 0.5 (× L2 0, 0.001, 0.01 for data that is not generated)."""
    lr = exp.train.learning_rate
    rates = tuple(f"{v:.3g}" for v in (lr / 3, lr, lr * 3))
    second = Axis("data.noise", DEFAULT_NOISE) if synthetic else Axis("train.l2", DEFAULT_L2)
    return [Axis("train.learning_rate", rates), second]


def parse_axes(text: str) -> list[Axis]:
    """Axes typed in one line: ``KEY=V1,V2,… KEY=V1,V2,…`` (separated by spaces or ``;``), checked as ``--grid`` items are."""
    items = [part for chunk in text.split(";") for part in chunk.split()]
    axes = parse_grid(items)
    if len(axes) > MAX_AXES:
        raise TuinnError(f"a grid view has at most {MAX_AXES} axes (rows and columns); got {len(axes)}")
    points = math.prod(len(a.values) for a in axes)
    if points > MAX_POINTS:
        raise TuinnError(f"the grid has {points} points; a grid view draws at most {MAX_POINTS}")
    return axes


def label_of(values: dict[str, str]) -> str:
    """A grid point's label: its values with short key names, e.g. ``α 0.03 · noise 0.25``."""
    return " · ".join(f"{SHORT.get(k, k)} {_unquoted(v)}" for k, v in values.items())


def _unquoted(value: str) -> str:
    """A TOML string value without its quotes (``"adam"`` → ``adam``); anything else as written."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'" else value


@dataclass
class GridPoint:
    """One grid point: its values, its playground, and whether it stopped (diverged)."""

    row: int
    col: int
    values: dict[str, str]
    playground: Playground

    @property
    def label(self) -> str:
        return label_of(self.values)

    @property
    def stopped(self) -> bool:
        """True once the point diverged or early stopping paused it (its playground says why)."""
        return is_stopped(self.playground)

    def held_out_loss(self) -> float:
        """The loss the best point is judged by: test, else validation, else train (inf when none is finite)."""
        pg = self.playground
        for history in (pg.test_loss, pg.validation_loss, pg.train_loss):
            if len(history):
                value = float(history[-1])
                return value if math.isfinite(value) else math.inf
        return math.inf


def point_experiment(base: Experiment, values: dict[str, str]) -> Experiment:
    """The base experiment at one grid point, on the NumPy engine; a bad value is one line naming it (as ``tuinn sweep`` says it)."""
    try:
        exp = variant_experiment(base, [f"{k}={v}" for k, v in values.items()], label_of(values))
    except ConfigError as exc:
        raise _blame(exc, values) from None
    exp.train.backend = "numpy"  # the batched engine is NumPy's; the base may train with torch
    return exp


class GridSession:
    """The playground's experiment at every grid point, trained together in lock-step.

    One lock is held for one epoch of all points, so that a reset (or a step from another
    thread) can never leave the points at different epochs.
    """

    def __init__(self, base: Experiment, axes: list[Axis]) -> None:
        if not 1 <= len(axes) <= MAX_AXES:
            raise TuinnError(f"a grid view has 1 or {MAX_AXES} axes; got {len(axes)}")
        if math.prod(len(a.values) for a in axes) > MAX_POINTS:
            raise TuinnError(f"the grid has {math.prod(len(a.values) for a in axes)} points; a grid view draws at most {MAX_POINTS}")
        self.base = copy.deepcopy(base)
        self.axes = list(axes)
        rows = axes[1].values if len(axes) > 1 else ("",)
        self.points: list[GridPoint] = []
        for r, second in enumerate(rows):  # rows: the second axis; columns: the first
            for c, first in enumerate(axes[0].values):
                values = {axes[0].key: first} | ({axes[1].key: second} if len(axes) > 1 else {})
                pg = Playground(point_experiment(self.base, values))
                pg.publish_interval = math.inf  # the screen reads snapshots when it draws
                pg.map_resolution = 0  # no neuron pictures: the grid draws boundaries only
                self.points.append(GridPoint(r, c, values, pg))
        self.steps = LockStep(self.points)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the grid."""
        return (len(self.axes[1].values) if len(self.axes) > 1 else 1, len(self.axes[0].values))

    @property
    def epoch(self) -> int:
        """The epoch of the points that still train (a stopped one stays where it stopped)."""
        return max((p.playground.trainer.epoch for p in self.points), default=0)

    @property
    def stopped(self) -> list[GridPoint]:
        return [p for p in self.points if p.stopped]

    @property
    def batched(self) -> int:
        """How many points train on the batched engine."""
        return self.steps.batched

    @property
    def alone(self) -> list[Member]:
        """The points that step alone through their playground."""
        return self.steps.alone

    def best(self) -> GridPoint | None:
        """The point with the lowest held-out loss now (None before an epoch: untrained, the points differ by their data only)."""
        ranked = [(p.held_out_loss(), i) for i, p in enumerate(self.points) if not p.stopped and p.playground.trainer.epoch]
        finite = [(loss, i) for loss, i in ranked if math.isfinite(loss)]
        return self.points[min(finite)[1]] if finite else None

    def advance(self, n: int = 1) -> bool:
        """``n`` epochs of every point that has not stopped, one epoch of all per tick; False when none can go on."""
        return self.steps.advance(n)

    def reset(self) -> None:
        """Every point back to its initial weights (epoch 0), between two ticks."""
        self.steps.reset()


__all__ = ["DEFAULT_L2", "DEFAULT_NOISE", "MAX_AXES", "MAX_POINTS", "GridPoint", "GridSession", "default_axes",
           "label_of", "parse_axes", "point_experiment"]
