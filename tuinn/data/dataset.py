"""From a ``[data]`` spec to arrays a network can learn from.

A :class:`Dataset` keeps the raw points (for drawing them over the plane), the feature
matrix the network reads, the labels or targets, the split indices and the
standardisation fitted on the training part only (no leakage from test/validation).
How targets are encoded depends on the output layer, so that is asked for separately
(:meth:`Dataset.targets_for`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuinn.config import DataSpec
from tuinn.data import features as feats
from tuinn.data.split import split_indices
from tuinn.data.synthetic import SOURCES, generate
from tuinn.errors import ConfigError, DataError


@dataclass
class Dataset:
    """Samples, their split, and what they mean."""

    name: str
    task: str  # "classification" or "regression"
    feature_names: list[str]
    points: np.ndarray  # raw inputs (n, dims): the plane for synthetic sources
    x: np.ndarray  # network inputs (n, features), standardised if asked
    labels: np.ndarray | None  # class indices (n,) for classification
    values: np.ndarray | None  # targets (n, k) for regression / inline data
    n_classes: int
    train: np.ndarray
    test: np.ndarray
    validation: np.ndarray
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    @property
    def n_inputs(self) -> int:
        return self.x.shape[1]

    def transform(self, points: np.ndarray) -> np.ndarray:
        """Network inputs for arbitrary raw points (e.g. a grid over the plane)."""
        x = feats.expand(points, self.feature_names) if self.name in SOURCES else np.asarray(points, dtype=float)
        if self.mean is not None:
            x = (x - self.mean) / self.std
        return x

    def targets_for(self, units: int, activation: str, layer_key: str) -> np.ndarray:
        """Targets (n, units) as the output layer expects them.

        Classification: one unit → 0/1 (binary only); C units → one-hot. A tanh output
        gets −1/+1 instead of 0/1 (as in TensorFlow Playground). Regression: the values.
        """
        if self.labels is not None:
            if units == 1:
                if self.n_classes != 2:
                    raise ConfigError(f"{layer_key}.units", f"the data has {self.n_classes} classes: use {self.n_classes} output units with softmax")
                y = self.labels[:, None].astype(float)
            elif units == self.n_classes:
                y = np.eye(self.n_classes)[self.labels]
            else:
                raise ConfigError(f"{layer_key}.units", f"the data has {self.n_classes} classes: use 1 output unit (binary) or {self.n_classes}")
            return 2.0 * y - 1.0 if activation == "tanh" else y
        assert self.values is not None
        if self.values.shape[1] != units:
            raise ConfigError(f"{layer_key}.units", f"the targets have {self.values.shape[1]} column(s) but the output layer has {units} unit(s)")
        return self.values


def build_dataset(spec: DataSpec, rng: np.random.Generator) -> Dataset:
    """Generate or read the samples named by ``spec``, split and standardise them."""
    if spec.source == "inline":
        points = np.asarray(spec.x, dtype=float)
        raw_y = np.asarray(spec.y, dtype=float)
        names = [f"x{i + 1}" for i in range(points.shape[1])]
        x = points.copy()
        if spec.task == "classification":
            if raw_y.shape[1] != 1 or np.any(raw_y != np.round(raw_y)) or raw_y.min() < 0:
                raise ConfigError("data.y", "with task = 'classification' each row of y must be one class index 0, 1, …")
            labels, values = raw_y[:, 0].astype(np.int64), None
            n_classes = max(int(labels.max()) + 1, 2)
            task = "classification"
        else:
            labels, values, n_classes, task = None, raw_y, 0, "regression"
    else:
        source = SOURCES[spec.source]
        task = source.task
        if spec.task != "auto" and spec.task != task:
            raise ConfigError("data.task", f"source {spec.source!r} is a {task} dataset")
        points, y = generate(spec.source, spec.samples, spec.noise, rng, classes=spec.classes)
        names = spec.features if spec.features is not None else ["x1", "x2"][: source.dims]
        if source.dims == 1:
            for i, name in enumerate(names):
                if feats.needs_second_input(name):
                    raise ConfigError(f"data.features[{i}]", f"{name!r} needs a 2-D source; {spec.source!r} has one input x1")
        x = feats.expand(points, list(names))
        if task == "classification":
            labels, values = y.astype(np.int64), None
            n_classes = int(spec.classes) if source.multiclass else 2
        else:
            labels, values, n_classes = None, y.reshape(-1, 1).astype(float), 0
    train, test, val = split_indices(len(x), spec.resolved_test_fraction, spec.validation_fraction, rng, labels)
    if len(train) == 0:
        raise DataError(f"data: no samples left to train on ({len(x)} samples, test_fraction {spec.resolved_test_fraction})")
    mean = std = None
    if spec.standardize:
        mean = x[train].mean(axis=0)
        std = x[train].std(axis=0)
        std[std == 0] = 1.0
        x = (x - mean) / std
    return Dataset(
        name=spec.source, task=task, feature_names=list(names), points=points, x=x, labels=labels, values=values,
        n_classes=n_classes, train=train, test=test, validation=val, mean=mean, std=std,
    )
