"""From a ``[data]`` spec to arrays a network can learn from.

A :class:`Dataset` keeps the raw points (for drawing them over the plane), the feature
matrix the network reads, the labels or targets, and the split indices. How targets are
encoded depends on the output layer, so that is asked for separately
(:meth:`Dataset.targets_for`). Standardisation is not done here: it must be fitted on
the training part only, and the training part changes from fold to fold, so the
trainer fits it (:func:`fit_standardization`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tuinn.data import features as feats
from tuinn.data.spec import DataSpec
from tuinn.data.split import split_indices
from tuinn.data.synthetic import SOURCES, generate
from tuinn.errors import ConfigError, DataError

#: A target column with at most this many distinct small integers is read as classes.
MAX_AUTO_CLASSES = 20


@dataclass
class Dataset:
    """Samples, their split, and what they mean."""

    name: str
    task: str  # "classification" or "regression"
    feature_names: list[str]
    points: np.ndarray  # raw inputs (n, dims): the plane for synthetic sources
    x: np.ndarray  # network inputs (n, features), not standardised
    labels: np.ndarray | None  # class indices (n,) for classification
    values: np.ndarray | None  # targets (n, k) for regression / inline data
    n_classes: int
    train: np.ndarray
    test: np.ndarray
    validation: np.ndarray
    class_names: list[str] = field(default_factory=list)
    target_name: str = "y"
    #: Where the targets were read, for messages: a CSV path, a dataset or source name, ``data.y``.
    where: str = ""
    #: The inputs are the Playground's features of the points (a synthetic source, or inline points
    #: given ``features``): the model over the plane is read through :meth:`features_of`.
    playground_features: bool = False

    @property
    def n_inputs(self) -> int:
        return self.x.shape[1]

    @property
    def synthetic(self) -> bool:
        return self.name in SOURCES

    def features_of(self, points: np.ndarray) -> np.ndarray:
        """Network inputs (before standardisation) for raw points, e.g. a grid over the plane."""
        return feats.expand(points, self.feature_names) if self.synthetic or self.playground_features else np.asarray(points, dtype=float)

    def describe_targets(self) -> str:
        """Which column holds the targets, as a message names it: ``column 'y' of data.csv``."""
        if self.where == "data.y":
            return "data.y"
        if self.synthetic:
            return f"the target of source {self.name!r}"
        return f"column {self.target_name!r} of {self.where or self.name}"

    def check_loss(self, loss: str) -> None:
        """Refuse targets that ``loss`` cannot learn, naming the column and the values found.

        Why: bce is −[y·log p + (1−y)·log(1−p)]; for a y outside 0…1 it has no minimum, so
        training drives it to −∞ (a CSV with targets 0 and 3.7 reached −257) and every
        number shown is meaningless. cce reads class indices 0 … C−1 (or rows that are
        probability distributions); anything else is the same mistake. Class labels are
        always valid here: they become 0/1 or one-hot, and their count is checked against
        the output layer by :meth:`targets_for`.
        """
        if self.labels is not None or self.values is None or loss not in ("bce", "cce"):
            return
        y = self.values
        found = _some_values(y)
        if loss == "bce":
            if np.all((y >= 0.0) & (y <= 1.0)):
                return
            integral = bool(np.all(y == np.round(y)))
            hint = ("map the classes to 0 and 1" if integral and len(np.unique(y)) == 2
                    else 'for numeric targets use loss = "mse" with a linear output layer')
            raise ConfigError("train.loss", f"bce needs targets 0 and 1 (or probabilities between them), but {self.describe_targets()} "
                                            f"holds {found}; {hint}")
        if y.shape[1] == 1:
            column = y[:, 0]
            if np.any(column != np.round(column)):
                problem = "values that are not whole numbers"
            elif column.min() < 0:
                problem = "negative values"
            else:
                raise ConfigError("train.loss", f"cce needs classes, but {self.describe_targets()} was read as numbers ({found}); "
                                                'set data.task = "classification" to read them as class indices')
            raise ConfigError("train.loss", f"cce needs class indices 0, 1, … but {self.describe_targets()} holds {problem}: {found}")
        bad = np.flatnonzero(np.any((y < 0.0) | (y > 1.0), axis=1) | (np.abs(y.sum(axis=1) - 1.0) > 1e-6))
        if len(bad):
            row = ", ".join(f"{v:g}" for v in y[bad[0]])
            raise ConfigError("train.loss", f"cce needs each target row to be one-hot or probabilities summing to 1, but row {bad[0] + 1} "
                                            f"of {self.describe_targets()} is [{row}]")

    def targets_for(self, units: int, activation: str, layer_key: str) -> np.ndarray:
        """Targets (n, units) as the output layer expects them.

        Classification: one unit → 0/1 (binary only); C units → one-hot. A tanh output
        gets −1/+1 instead of 0/1 (as in TensorFlow Playground). Regression: the values.
        """
        if self.labels is not None:
            # Classes are counted from 0 to the largest index found: a column holding 0, 1, 2
            # and 5 has 6 classes (whether 3 and 4 were meant is for the user to say).
            found = "" if self.synthetic else f" ({self.describe_targets()} holds {_some_values(self.labels)})"
            classes = f"the data has {self.n_classes} classes{found}"
            if units == 1:
                if self.n_classes != 2:
                    raise ConfigError(f"{layer_key}.units", f"{classes}: use {self.n_classes} output units with softmax")
                y = self.labels[:, None].astype(float)
            elif units == self.n_classes:
                y = np.eye(self.n_classes)[self.labels]
            else:
                raise ConfigError(f"{layer_key}.units", f"{classes}: use 1 output unit (binary) or {self.n_classes}")
            return 2.0 * y - 1.0 if activation == "tanh" else y
        assert self.values is not None
        if self.values.shape[1] != units:
            raise ConfigError(f"{layer_key}.units", f"the targets have {self.values.shape[1]} column(s) but the output layer has {units} unit(s)")
        return self.values


def _some_values(y: np.ndarray, most: int = 6) -> str:
    """The distinct values of ``y`` for a message: ``0, 3.7`` or ``0, 0.5, 1, … (40 distinct values)``."""
    distinct = np.unique(y)
    shown = ", ".join(f"{v:g}" for v in distinct[:most])
    return shown if len(distinct) <= most else f"{shown}, … ({len(distinct)} distinct values)"


def fit_standardization(x: np.ndarray, train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the training rows (a constant column gets std 1)."""
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0)
    std[std == 0] = 1.0
    return mean, std


def _labels_from_column(y: np.ndarray, task: str, where: str, target: str = "y") -> tuple[np.ndarray | None, int]:
    """Class indices from a numeric target column, or (None, 0) for regression."""
    integral = bool(np.all(y == np.round(y))) and y.min() >= 0
    if task == "classification" or (task == "auto" and integral and len(np.unique(y)) <= MAX_AUTO_CLASSES):
        if not integral:
            raise DataError(f"{where}: a classification target must hold class indices 0, 1, …; column {target!r} holds {_some_values(y)}")
        labels = y.astype(np.int64)
        n_classes = int(labels.max()) + 1
        present = len(np.unique(labels))
        if present < 2:
            raise DataError(f"{where}: the target has only one class ({labels[0]}); a classifier needs at least two")
        return labels, max(n_classes, 2)
    return None, 0


def _tabular(spec: DataSpec) -> tuple[np.ndarray, np.ndarray, list[str], str, str, list[str], str]:
    """(x, y, feature names, target name, task hint, class names, where) of a CSV or registered source."""
    if spec.source == "csv":
        from tuinn.data.tabular import read_csv, split_target

        table = read_csv(spec.path)  # type: ignore[arg-type]
        x, y, names, target = split_target(table, spec.target)
        return x, y, names, target, spec.task, [], str(spec.path)
    from tuinn.data.registry import card, load

    c = card(spec.source)
    x, y, names = load(spec.source)
    task = spec.task if spec.task != "auto" else c.task
    return x, y.astype(float), names, c.target, task, list(c.class_names), spec.source


def _too_few(spec: DataSpec, where: str, n: int, split: str, fraction: float, stratified: bool) -> None:
    """Raise the error for a ``split`` that ``n`` samples leave empty, naming the key or file to change."""
    rounds = f"{split}_fraction = {fraction:g} of {n} rounds to no sample" + (" of any class" if stratified else "")
    fix = f"use more samples, or {split}_fraction = 0"
    if spec.source in SOURCES:
        raise ConfigError("data.samples", f"{n} sample(s) leave nothing for the {split} split ({rounds}); {fix}")
    if spec.source == "inline":
        raise ConfigError("data.x", f"{n} row(s) leave nothing for the {split} split ({rounds}); {fix}")
    raise DataError(f"{where}: {n} row(s) leave nothing for the {split} split ({rounds}); {fix}")


@dataclass
class _Samples:
    """What a source gives before the split: inputs, targets and what they are called."""

    points: np.ndarray
    x: np.ndarray
    names: list[str]
    labels: np.ndarray | None
    values: np.ndarray | None
    n_classes: int
    task: str
    where: str
    target_name: str = "y"
    class_names: list[str] = field(default_factory=list)


def _inline(spec: DataSpec) -> _Samples:
    """``data.x`` / ``data.y`` as given: regression, or one class index per row."""
    points = np.asarray(spec.x, dtype=float)
    raw_y = np.asarray(spec.y, dtype=float)
    names = [f"x{i + 1}" for i in range(points.shape[1])]
    x = points.copy()
    if spec.features is not None:  # points of the line or plane, given the Playground's features (checked by the spec)
        names = list(spec.features)
        x = feats.expand(points, names)
    if spec.task != "classification":
        return _Samples(points, x, names, None, raw_y, 0, "regression", "data.y")
    if raw_y.shape[1] != 1 or np.any(raw_y != np.round(raw_y)) or raw_y.min() < 0:
        raise ConfigError("data.y", "with task = 'classification' each row of y must be one class index 0, 1, …")
    labels = raw_y[:, 0].astype(np.int64)
    return _Samples(points, x, names, labels, None, max(int(labels.max()) + 1, 2), "classification", "data.y")


def _synthetic(spec: DataSpec, rng: np.random.Generator) -> _Samples:
    """A generated source, thinned by ``imbalance``, expanded into the chosen features."""
    source = SOURCES[spec.source]
    task = source.task
    if spec.task != "auto" and spec.task != task:
        raise ConfigError("data.task", f"source {spec.source!r} is a {task} dataset")
    points, y = generate(spec.source, spec.samples, spec.noise, rng, classes=spec.classes)
    if spec.imbalance < 1.0 and task == "classification":
        # Thin out every class but 0; drawn after the samples, so imbalance = 1 leaves
        # the random stream (and every earlier dataset) unchanged.
        keep = (y == 0) | (rng.random(len(y)) < spec.imbalance)
        points, y = points[keep], y[keep]
    names = spec.features if spec.features is not None else ["x1", "x2"][: source.dims]
    if source.dims == 1:
        for i, name in enumerate(names):
            if feats.needs_second_input(name):
                raise ConfigError(f"data.features[{i}]", f"{name!r} needs a 2-D source; {spec.source!r} has one input x1")
    x = feats.expand(points, list(names))
    if task == "classification":
        n_classes = int(spec.classes) if source.multiclass else 2
        return _Samples(points, x, list(names), y.astype(np.int64), None, n_classes, task, spec.source)
    return _Samples(points, x, list(names), None, y.reshape(-1, 1).astype(float), 0, task, spec.source)


def _from_table(spec: DataSpec) -> _Samples:
    """A CSV file or a registered dataset: the chosen columns, and a target read as classes or values."""
    x, y, names, target_name, task_hint, class_names, where = _tabular(spec)
    if spec.features is not None:
        missing = [f for f in spec.features if f not in names]
        if missing:
            raise ConfigError("data.features", f"no column {missing[0]!r} in {where} (columns: {', '.join(names)})")
        x = x[:, [names.index(f) for f in spec.features]]
        names = list(spec.features)
    labels, n_classes = _labels_from_column(y, task_hint, where, target_name)
    if labels is not None:
        return _Samples(x, x, names, labels, None, n_classes, "classification", where, target_name, class_names)
    if task_hint == "classification":
        raise DataError(f"{where}: the target column {target_name!r} does not hold class indices")
    return _Samples(x, x, names, None, y.reshape(-1, 1), n_classes, "regression", where, target_name, class_names)


def _split(spec: DataSpec, s: _Samples, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, test, validation) indices; a split asked for but left empty is refused.

    Inline data may give its split row by row (``test_rows`` / ``validation_rows``, counted
    from 1): those rows are used as they are, and no random split is drawn.
    """
    if spec.split_by_rows:
        test = np.asarray(spec.test_rows or [], dtype=np.int64) - 1
        val = np.asarray(spec.validation_rows or [], dtype=np.int64) - 1
        train = np.setdiff1d(np.arange(len(s.x)), np.concatenate([test, val])).astype(np.int64)
        return train, np.sort(test), np.sort(val)
    train, test, val = split_indices(len(s.x), spec.resolved_test_fraction, spec.validation_fraction, rng, s.labels)
    if len(train) == 0:
        raise DataError(f"data: no samples left to train on ({len(s.x)} samples, test_fraction {spec.resolved_test_fraction})")
    for split, fraction, part in (("test", spec.resolved_test_fraction, test), ("validation", spec.validation_fraction, val)):
        if fraction > 0 and len(part) == 0:
            # Asked for, but round(fraction · size) is 0 (of every class): nothing to split off.
            # Refused rather than run with a split that silently is not there.
            _too_few(spec, s.where, len(s.x), split, fraction, s.labels is not None)
    return train, test, val


def build_dataset(spec: DataSpec, rng: np.random.Generator) -> Dataset:
    """Generate or read the samples named by ``spec`` and split them."""
    if spec.source == "inline":
        s = _inline(spec)
    elif spec.source in SOURCES:
        s = _synthetic(spec, rng)
    else:
        s = _from_table(spec)
    train, test, val = _split(spec, s, rng)
    labels = s.labels
    # Classes present counted with bincount: np.unique would import numpy.ma (~15 ms of `tuinn`'s startup).
    if spec.source in SOURCES and labels is not None and np.count_nonzero(np.bincount(labels)) < 2:
        one = "no sample" if not len(labels) else f"only class {labels[0]}"
        raise ConfigError("data.samples", f"{len(labels)} sample(s) of {spec.source!r} hold {one}; a classifier needs at least two classes")
    class_names = s.class_names if labels is None or s.class_names else [str(c) for c in range(s.n_classes)]
    return Dataset(
        name=spec.source, task=s.task, feature_names=list(s.names), points=s.points, x=s.x, labels=labels, values=s.values,
        n_classes=s.n_classes, train=train, test=test, validation=val, class_names=class_names, target_name=s.target_name,
        where=s.where, playground_features=spec.playground_features,
    )
