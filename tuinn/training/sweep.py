"""``tuinn sweep``: train a grid of variants of one experiment, several seeds each, and rank them.

A grid is a list of axes, ``KEY=V1,V2,…``, with keys as ``--set`` takes them
(``train.learning_rate``, ``data.noise``, ``model.layers[1].units``, ``model.layers``).
Every grid point × seed is the experiment ``tuinn train SPEC --set KEY=V… --set seed=S``
would train: each run is built by the same :class:`~tuinn.training.trainer.Trainer`
(data, split, standardisation, initial weights, class balance, shuffle and dropout
streams), so nothing about data or splits is written twice. Only the epochs differ:
the runs that share an architecture, loss, optimizer, dtype, data size and batch size
are trained together on the batched engine by
:func:`~tuinn.training.together.fit_together`, each with its own data, data order,
learning rate, hyperparameters, L1/L2 and dropout stream; the trained weights go back
into each run's trainer, which evaluates them exactly as ``tuinn train`` does.

What a sweep does not do (refused before anything is trained, or documented): batch or
layer norm (the batched engine does not stack them), early stopping (a sweep trains a
fixed number of epochs), the k-fold phase (``train.kfold`` is not run; the held-out
loss is that of the final model, as ``tuinn train`` reports it), the torch backend
(the sweep always trains on the NumPy engine). A run whose loss stops being finite is
reported as diverged in that epoch and ranked last; the others go on.
"""

from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tuinn.config.spec import Experiment, apply_overrides, from_dict
from tuinn.errors import ConfigError, TuinnError
from tuinn.training.together import fit_together, refuse_unstackable, stack_key
from tuinn.training.trainer import Trainer

#: More runs than this (grid points × seeds) is refused: a typo like 1,10,100,…,1e9 is not a sweep.
MAX_RUNS = 10_000


# ------------------------------------------------------------------- grid
@dataclass(frozen=True)
class Axis:
    """One ``--grid KEY=V1,V2,…``: the key and its values as written (TOML value texts)."""

    key: str
    values: tuple[str, ...]


def split_values(text: str) -> list[str]:
    """``V1,V2,…`` split at the commas outside brackets, braces and quotes.

    Why not ``str.split``: a value may itself be a TOML array or table with commas,
    e.g. ``--grid 'model.layers=[{units=4},{units=1}],[{units=8},{units=1}]'``.
    """
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_grid(items: list[str]) -> list[Axis]:
    """The axes of ``--grid`` items; a malformed item, a repeated key or an empty value is refused, naming it."""
    axes: list[Axis] = []
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise TuinnError(f"--grid {item!r}: expected KEY=V1,V2,… (e.g. --grid train.learning_rate=0.01,0.03,0.1)")
        values = split_values(text)
        if any(not v for v in values):
            raise TuinnError(f"--grid {item!r}: an empty value (two commas in a row, or a comma at an end)")
        if len(set(values)) != len(values):
            raise TuinnError(f"--grid {item!r}: a value is repeated")
        if any(a.key == key for a in axes):
            raise TuinnError(f"--grid {key}: given twice; put all its values in one --grid {key}=V1,V2,…")
        axes.append(Axis(key, tuple(values)))
    if not axes:
        raise TuinnError("tuinn sweep needs at least one --grid KEY=V1,V2,…")
    return axes


# ------------------------------------------------------------------- runs
@dataclass
class Run:
    """One grid point with one seed: its experiment, its trainer, and what training gave."""

    point: int
    values: dict[str, str]
    seed: int
    exp: Experiment
    trainer: Trainer
    diverged_epoch: int | None = None
    splits: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def held_out(self) -> str:
        """The split a run is ranked by: test, or validation where there is no test split."""
        return "test" if len(self.trainer.test_idx) else "validation"


def _blame(exc: ConfigError, assignments: dict[str, str]) -> TuinnError:
    """A config error of a grid point as one line naming the --grid value(s) that caused it."""
    for key, value in assignments.items():
        if exc.key == key or exc.key.startswith((key + ".", key + "[")):
            return TuinnError(f"--grid {key}={value}: {exc.problem}")
    point = ", ".join(f"{k}={v}" for k, v in assignments.items())
    return TuinnError(f"--grid point {point}: {exc}")


def _experiment(raw: dict[str, Any], source: str, assignments: dict[str, str], seed: int | None) -> Experiment:
    doc = copy.deepcopy(raw)
    try:
        apply_overrides(doc, [f"{k}={v}" for k, v in assignments.items()])
    except ConfigError as exc:  # a malformed key: apply_overrides names it as --set
        raise TuinnError(f"--grid {exc.problem}") from None
    if seed is not None:
        doc["seed"] = seed
    try:
        return from_dict(doc, source)
    except ConfigError as exc:
        raise _blame(exc, assignments) from None


def _refuse_unsupported(exp: Experiment) -> None:
    """What the sweep cannot train the way ``tuinn train`` would: refused, naming the key."""
    refuse_unstackable(exp)
    if exp.train.early_stopping is not None:
        raise TuinnError("train.early_stopping: tuinn sweep trains every run for train.epochs epochs; "
                         "sweep a spec without early stopping")


def plan(raw: dict[str, Any], source: str, axes: list[Axis], seeds: int) -> list[Run]:
    """Every run of the sweep, built and checked; raises before anything is trained or written."""
    n_points = math.prod(len(a.values) for a in axes)
    if n_points * seeds > MAX_RUNS:
        raise TuinnError(f"the grid has {n_points} points × {seeds} seeds = {n_points * seeds} runs; at most {MAX_RUNS}")
    if seeds > 1 and any(a.key == "seed" for a in axes):
        raise TuinnError("--grid seed: the seeds are the grid's own axis here; give --seeds 1 (or drop --seeds)")
    base = from_dict(copy.deepcopy(raw), source)
    _refuse_unsupported(base)  # the spec's own: not the fault of a grid value
    for axis in axes:  # each value alone first, so that an error names the one value at fault
        for value in axis.values:
            exp = _experiment(raw, source, {axis.key: value}, None)
            try:
                _refuse_unsupported(exp)
            except TuinnError as exc:
                raise TuinnError(f"--grid {axis.key}={value}: {exc}") from None
    base_seed = base.seed
    runs = []
    for point, combo in enumerate(itertools.product(*(a.values for a in axes))):
        assignments = {a.key: v for a, v in zip(axes, combo, strict=True)}
        for s in range(seeds):
            exp = _experiment(raw, source, assignments, base_seed + s if seeds > 1 else None)
            _refuse_unsupported(exp)
            try:
                trainer = Trainer(exp, backend="numpy")
            except ConfigError as exc:
                raise _blame(exc, assignments) from None
            run = Run(point, assignments, exp.seed, exp, trainer)
            if not len(trainer.test_idx) and not len(trainer.val_idx):
                raise TuinnError("a sweep ranks by held-out loss, but the experiment has no test or validation split "
                                 "(data.test_fraction = 0); give it one")
            runs.append(run)
    return runs


# --------------------------------------------------------------- training
def groups(runs: list[Run]) -> list[list[Run]]:
    """The runs that train together (one :func:`~tuinn.training.together.stack_key` and number of epochs), in order."""
    out: dict[tuple[Any, ...], list[Run]] = {}
    for run in runs:
        out.setdefault((run.exp.train.epochs, stack_key(run.trainer)), []).append(run)
    return list(out.values())


def train_group(runs: list[Run], on_epoch: Callable[[int], None] | None = None) -> None:
    """Train ``runs`` (one of :func:`groups`) together for their epochs, then evaluate each as ``tuinn train`` does.

    ``on_epoch(models)`` after each epoch.
    """
    epochs = runs[0].exp.train.epochs
    diverged = fit_together([r.trainer for r in runs], epochs, on_epoch)
    for run, epoch in zip(runs, diverged, strict=True):
        run.diverged_epoch = epoch
        if epoch is None:
            run.splits = run.trainer.evaluate_all()
            if not all(math.isfinite(s.get("loss", 0.0)) for s in run.splits.values()):
                run.diverged_epoch = epochs  # finite batch losses, but the last update made a split's loss non-finite


# ---------------------------------------------------------------- results
def _stats(values: list[float]) -> dict[str, float | None]:
    """Mean and sample standard deviation (n − 1; None for one value) of the finite values."""
    if not values:
        return {"mean": None, "std": None}
    arr = np.asarray(values, dtype=np.float64)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else None}


def summarize(runs: list[Run]) -> list[dict[str, Any]]:
    """One row per grid point, sorted by mean held-out loss (points with a diverged seed last)."""
    by_point: dict[int, list[Run]] = {}
    for run in runs:
        by_point.setdefault(run.point, []).append(run)
    rows = []
    for point, members in by_point.items():
        ok = [r for r in members if r.diverged_epoch is None]
        held = members[0].held_out
        score = "accuracy" if "accuracy" in (ok[0].splits.get(held, {}) if ok else {}) else "r2"
        rows.append({
            "point": point,
            "values": members[0].values,
            "held_out": held,
            "held_out_loss": _stats([r.splits[held]["loss"] for r in ok]),
            "train_loss": _stats([r.splits["train"]["loss"] for r in ok if "train" in r.splits]),
            f"held_out_{score}": _stats([r.splits[held][score] for r in ok if r.splits[held].get(score) is not None]),
            "diverged": [{"seed": r.seed, "epoch": r.diverged_epoch} for r in members if r.diverged_epoch is not None],
            "runs": [{"seed": r.seed, "diverged_epoch": r.diverged_epoch, "metrics": r.splits} for r in members],
        })
    rows.sort(key=lambda row: (bool(row["diverged"]), row["held_out_loss"]["mean"] if row["held_out_loss"]["mean"] is not None
                               else math.inf))
    return rows


@dataclass
class SweepResult:
    """What ``sweep.json`` holds (as :meth:`to_json`) and the table shows."""

    spec: dict[str, Any]
    axes: list[Axis]
    seeds: list[int]
    epochs: list[int]
    rows: list[dict[str, Any]]
    groups: list[int]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec, "grid": {a.key: list(a.values) for a in self.axes}, "seeds": self.seeds,
                "epochs": self.epochs, "engine": "numpy (batched)", "groups": self.groups, "seconds": round(self.seconds, 3),
                "sorted_by": "held_out_loss mean", "points": self.rows}


def sweep(runs: list[Run], axes: list[Axis], spec: dict[str, Any], on_group: Callable[[int, int, int, float], None] | None = None,
          on_epoch: Callable[[int], None] | None = None) -> SweepResult:
    """Train every group of ``runs`` (see :func:`plan`) and summarise; ``spec`` is the base experiment (``to_dict``) sweep.json records.

    ``on_group(number, of, models, seconds)`` after each group, ``on_epoch(models)`` after each of its epochs.
    """
    t0 = time.perf_counter()
    parts = groups(runs)
    for i, group in enumerate(parts, 1):
        g0 = time.perf_counter()
        train_group(group, on_epoch)
        if on_group is not None:
            on_group(i, len(parts), len(group), time.perf_counter() - g0)
    seeds = sorted({r.seed for r in runs})
    return SweepResult(spec, axes, seeds, sorted({r.exp.train.epochs for r in runs}), summarize(runs),
                       [len(g) for g in parts], time.perf_counter() - t0)


__all__ = ["MAX_RUNS", "Axis", "Run", "SweepResult", "groups", "parse_grid", "plan", "split_values", "summarize",
           "sweep", "train_group"]
