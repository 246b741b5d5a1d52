"""The experiment spec: TOML ⇄ dataclasses, with every bad value a ConfigError.

One file describes one experiment (data, model, training). Every part of tuinn —
``tuinn step``, ``tuinn train``, the playground — reads the same spec, so this module
is the contract. Validation happens here, once, and each error names the key
(``model.layers[2].units``; layers are counted from 1 like the lecture's superscripts)
and the problem, so that the CLI can print it on one line.

Checks that need the data (the width of the input, the number of classes) happen when
the model is built (``tuinn.training.build``) and raise the same ConfigError with the same keys.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tuinn.data import source_names
from tuinn.data.features import FEATURE_FUNCTIONS, needs_second_input
from tuinn.data.spec import DataSpec
from tuinn.data.synthetic import SOURCES
from tuinn.engine.activations import ACTIVATIONS
from tuinn.engine.initializers import INITS
from tuinn.engine.losses import LOSSES
from tuinn.engine.optimizers import OPTIMIZERS
from tuinn.errors import ConfigError

# ACTIVATIONS, LOSSES, OPTIMIZERS and INITS are the engine's own tuples, imported (and so
# still readable as tuinn.config.spec.ACTIVATIONS …): one list of names, so that an op the
# engine gains is accepted in a file without a second edit here. DataSpec lives in the
# data layer (tuinn.data.spec), which needs nothing from config.
NORMS = ("none", "batch", "layer")
FEATURES = tuple(FEATURE_FUNCTIONS)  # the data layer computes them; one list
BACKENDS = ("numpy", "torch", "auto")
DEVICES = ("cpu", "cuda", "auto")
DTYPES = ("float64", "float32")
TASKS = ("auto", "classification", "regression")
BALANCES = ("none", "undersample", "oversample", "weights")
MONITORS = ("test_loss", "validation_loss", "train_loss", "test_accuracy", "validation_accuracy")
SCHEDULES = ("constant", "step", "exponential", "cosine", "plateau")
THRESHOLD_MODES = ("rel", "abs")
#: The keys each learning-rate schedule reads, named as PyTorch's lr_scheduler arguments
#: (StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau), so a torch user's numbers carry over.
SCHEDULE_KEYS: dict[str, tuple[str, ...]] = {
    "constant": (),
    "step": ("step_size", "gamma"),
    "exponential": ("gamma",),
    "cosine": ("T_max", "eta_min"),
    "plateau": ("factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr"),
}
#: gamma when a file leaves it out: StepLR's own default; ExponentialLR has none, 0.95 halves α in about 14 epochs.
DEFAULT_GAMMA = {"step": 0.1, "exponential": 0.95}
MAX_SAMPLES = 10_000_000
#: The largest seed: np.random.RandomState (UMAP's random_state in the latent view) takes 0 … 2**32 − 1.
MAX_SEED = 2**32 - 1


@dataclass
class LayerSpec:
    """One ``[[model.layers]]`` table; the last one is the output layer."""

    units: int
    activation: str = "tanh"
    weights: list[list[float]] | None = None
    bias: list[float] | None = None
    dropout: float = 0.0
    norm: str = "none"
    pieces: int = 2
    slope: float = 0.1
    alpha: float = 1.0

    @property
    def rows(self) -> int:
        """Rows of W: units, or units·pieces for maxout."""
        return self.units * (self.pieces if self.activation == "maxout" else 1)


def _default_layers() -> list[LayerSpec]:
    # TensorFlow Playground's default network: two hidden tanh layers [4, 2], tanh out.
    return [LayerSpec(4, "tanh"), LayerSpec(2, "tanh"), LayerSpec(1, "tanh")]


@dataclass
class ModelSpec:
    """``[model]``: initialisation and the layers."""

    init: str = "xavier"
    init_scale: float | None = None
    bias_init: float = 0.0
    layers: list[LayerSpec] = field(default_factory=_default_layers)


@dataclass
class EarlyStopping:
    """``[train] early_stopping = {monitor = "test_loss", patience = 10}``."""

    monitor: str = "test_loss"
    patience: int = 10
    min_delta: float = 0.0


@dataclass
class Schedule:
    """``[train] schedule = {name = "step", step_size = 10, gamma = 0.5}`` (or just ``schedule = "cosine"``).

    One table with a ``name`` and PyTorch's argument names, not flat ``decay_*`` keys in
    ``[train]``: the parameters of one schedule stay together, a key another schedule
    reads is refused by name, and the numbers of a torch script carry over unchanged.
    ``T_max`` left out is ``train.epochs`` (resolved when the file is read, so that a run
    resumed with more epochs keeps its curve). ``mode`` is not a key: the schedule watches
    a loss, which is always minimised.
    """

    name: str = "constant"
    step_size: int = 30
    gamma: float = 0.1
    T_max: int = 100
    eta_min: float = 0.0
    factor: float = 0.1
    patience: int = 10
    threshold: float = 1e-4
    threshold_mode: str = "rel"
    cooldown: int = 0
    min_lr: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The name and the keys this schedule reads (what ``config.toml`` holds)."""
        return {"name": self.name, **{k: getattr(self, k) for k in SCHEDULE_KEYS[self.name]}}


@dataclass
class TrainSpec:
    """``[train]``: loss, optimizer and the loop."""

    loss: str = "mse"
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    batch_size: int | str = 10
    epochs: int = 100
    l1: float = 0.0
    l2: float = 0.0
    shuffle: bool = True
    backend: str = "numpy"
    device: str = "cpu"
    dtype: str = "float64"
    momentum: float = 0.9
    rho: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float | None = None
    kfold: int = 0  # 0: no cross-validation; K ≥ 2: stratified K-fold
    early_stopping: EarlyStopping | None = None
    schedule: Schedule = field(default_factory=Schedule)

    def optimizer_hyper(self) -> dict[str, float]:
        """Hyperparameters for ``make_optimizer`` (eps only when given)."""
        hyper = {"momentum": self.momentum, "alpha": self.rho, "beta1": self.beta1, "beta2": self.beta2}
        if self.eps is not None:
            hyper["eps"] = self.eps
        return hyper


@dataclass
class Experiment:
    """A whole experiment file."""

    seed: int = 0
    name: str = "experiment"
    description: str = ""
    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    source: str | None = None  # the file it was read from, for messages


# --------------------------------------------------------------------- checks
class Checker:
    """Small typed readers that raise ConfigError naming the key.

    Public because every TOML file tuinn reads (experiments here, labs and lessons in
    :mod:`tuinn.course`) is checked by the same readers, so a mistake in any of them reads
    the same: ``<file>: <key>: <problem>`` on one line.
    """

    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> ConfigError:
        """The error to raise for ``key``."""
        return ConfigError(key, problem, self.source)

    def table(self, raw: Any, key: str, known: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(key, f"must be a table, got {kind_of(raw)}")
        for k in raw:
            if k not in known:
                hint = difflib.get_close_matches(k, known, n=1)
                did = f" (did you mean {hint[0]!r}?)" if hint else f" (known: {', '.join(known)})"
                raise self.fail(f"{key}.{k}" if key else k, f"unknown key{did}")
        return raw

    def integer(self, value: Any, key: str, lo: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be an integer, got {kind_of(value)}")
        if lo is not None and value < lo:
            raise self.fail(key, f"must be ≥ {lo}, got {value}")
        return value

    def number(self, value: Any, key: str, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, hi_open: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"must be a number, got {kind_of(value)}")
        v = float(value)
        if not math.isfinite(v):
            raise self.fail(key, f"must be finite, got {value}")
        if lo is not None and (v <= lo if lo_open else v < lo):
            raise self.fail(key, f"must be {'>' if lo_open else '≥'} {lo:g}, got {value}")
        if hi is not None and (v >= hi if hi_open else v > hi):
            raise self.fail(key, f"must be {'<' if hi_open else '≤'} {hi:g}, got {value}")
        return v

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {kind_of(value)}")
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {kind_of(value)}")
        return value

    def choice(self, value: Any, key: str, choices: tuple[str, ...], what: str) -> str:
        s = self.string(value, key)
        if s not in choices:
            hint = difflib.get_close_matches(s, choices, n=1)
            did = f"; did you mean {hint[0]!r}?" if hint else ""
            raise self.fail(key, f"unknown {what} {s!r} (choose from {', '.join(choices)}){did}")
        return s

    def vector(self, value: Any, key: str) -> list[float]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, f"must be a non-empty list of numbers, got {kind_of(value)}")
        return [self.number(v, f"{key}[{i}]") for i, v in enumerate(value)]

    def matrix(self, value: Any, key: str) -> list[list[float]]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, f"must be a non-empty list of rows, got {kind_of(value)}")
        rows = []
        for i, row in enumerate(value):
            if not isinstance(row, list):
                raise self.fail(key, f"row {i + 1} must be a list of numbers, got {kind_of(row)}")
            rows.append(self.vector(row, f"{key}[{i}]"))
        widths = {len(r) for r in rows}
        if len(widths) != 1:
            raise self.fail(key, f"rows must all have the same length, got lengths {sorted(widths)}")
        return rows


def kind_of(value: Any) -> str:
    """What a TOML value is, for messages: ``an integer (3)``, ``a table``."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


# --------------------------------------------------------------------- parsing
def parse_data(raw: Any, c: Checker, known_sources: tuple[str, ...]) -> DataSpec:
    """``[data]``, checked in the order a reader meets the keys: source, split, inline rows, CSV, balance."""
    t = c.table(raw, "data", _names(DataSpec))
    d = DataSpec()
    _data_source(t, c, d, known_sources)
    _data_features(t, c, d)
    _data_split(t, c, d)
    _data_inline(t, c, d)
    _data_csv(t, c, d)
    _data_balance(t, c, d)
    return d


def _data_source(t: dict[str, Any], c: Checker, d: DataSpec, known_sources: tuple[str, ...]) -> None:
    if "source" in t:
        d.source = c.choice(t["source"], "data.source", known_sources, "data source")
    if "samples" in t:
        d.samples = c.integer(t["samples"], "data.samples", lo=1)
        if d.samples > MAX_SAMPLES:
            raise c.fail("data.samples", f"must be ≤ {MAX_SAMPLES:,} (a synthetic set that large would not fit in memory), got {d.samples:,}")
    if "noise" in t:
        d.noise = c.number(t["noise"], "data.noise", 0.0, 0.5)


def _data_features(t: dict[str, Any], c: Checker, d: DataSpec) -> None:
    if "features" not in t:
        return
    feats = t["features"]
    if not isinstance(feats, list) or not feats:
        raise c.fail("data.features", f"must be a non-empty list of feature names, got {kind_of(feats)}")
    for i, f in enumerate(feats):
        if d.synthetic or d.source == "inline":  # inline points (1 or 2 columns) take the Playground's features too
            c.choice(f, f"data.features[{i}]", FEATURES, "feature")
        else:
            c.string(f, f"data.features[{i}]")  # column names, checked against the file
    if len(set(feats)) != len(feats):
        raise c.fail("data.features", "lists a feature twice")
    d.features = list(feats)


def _data_split(t: dict[str, Any], c: Checker, d: DataSpec) -> None:
    if "test_fraction" in t:
        d.test_fraction = c.number(t["test_fraction"], "data.test_fraction", 0.0, 1.0, hi_open=True)
    if "validation_fraction" in t:
        d.validation_fraction = c.number(t["validation_fraction"], "data.validation_fraction", 0.0, 1.0, hi_open=True)
    if d.resolved_test_fraction + d.validation_fraction >= 1.0:
        raise c.fail("data.validation_fraction", "test_fraction + validation_fraction must leave samples to train on (sum < 1)")
    if "standardize" in t:
        d.standardize = c.boolean(t["standardize"], "data.standardize")
    if "classes" in t:
        d.classes = c.integer(t["classes"], "data.classes", lo=2)
    if "task" in t:
        d.task = c.choice(t["task"], "data.task", TASKS, "task")


def _data_inline(t: dict[str, Any], c: Checker, d: DataSpec) -> None:
    if d.source == "inline":
        if "x" not in t or "y" not in t:
            raise c.fail("data.x" if "x" not in t else "data.y", "source = 'inline' needs both x (rows of inputs) and y (rows of targets)")
        d.x = c.matrix(t["x"], "data.x")
        d.y = c.matrix(t["y"], "data.y")
        if len(d.x) != len(d.y):
            raise c.fail("data.y", f"has {len(d.y)} rows but data.x has {len(d.x)}")
        _inline_features(c, d)
        _inline_rows(t, c, d)
    else:
        for key in ("x", "y", "test_rows", "validation_rows"):
            if key in t:
                raise c.fail(f"data.{key}", f"is only read when source = 'inline' (source is {d.source!r})")


def _inline_features(c: Checker, d: DataSpec) -> None:
    """Features of inline points are the Playground's, computed from a point of the line (x1) or the plane (x1, x2)."""
    if d.features is None or d.x is None:
        return
    width = len(d.x[0])
    if width > 2:
        raise c.fail("data.features", f"are computed from points of the plane (1 or 2 columns); data.x has {width} columns")
    for i, name in enumerate(d.features):
        if width == 1 and needs_second_input(name):
            raise c.fail(f"data.features[{i}]", f"{name!r} needs x2, but data.x has one column")


def _inline_rows(t: dict[str, Any], c: Checker, d: DataSpec) -> None:
    """``test_rows`` / ``validation_rows``: distinct row numbers of data.x (from 1), in no two splits, some rows left to train."""
    n = len(d.x or [])
    taken: dict[int, str] = {}
    for key in ("test_rows", "validation_rows"):
        if key not in t:
            continue
        for fraction in ("test_fraction", "validation_fraction"):
            if fraction in t:
                raise c.fail(f"data.{fraction}", f"the split is given by data.{key}; leave out data.{fraction}")
        rows = t[key]
        if not isinstance(rows, list):
            raise c.fail(f"data.{key}", f"must be a list of row numbers of data.x (from 1), got {kind_of(rows)}")
        for i, row in enumerate(rows):
            c.integer(row, f"data.{key}[{i}]", lo=1)
            if row > n:
                raise c.fail(f"data.{key}[{i}]", f"row {row} does not exist: data.x has {n} rows")
            if row in taken:
                where = "twice" if taken[row] == key else f"in data.{taken[row]} too"
                raise c.fail(f"data.{key}[{i}]", f"row {row} is listed {where}")
            taken[row] = key
        setattr(d, key, sorted(rows))
    if len(taken) >= n and taken:
        key = "data.test_rows" if "test_rows" in t else "data.validation_rows"
        raise c.fail(key, f"every one of the {n} rows is held out; leave some to train on")
    if d.validation_rows is not None:
        d.validation_fraction = len(d.validation_rows) / max(1, n)


def _data_csv(t: dict[str, Any], c: Checker, d: DataSpec) -> None:
    if "path" in t:
        d.path = c.string(t["path"], "data.path")
    if "target" in t:
        tv = t["target"]
        if isinstance(tv, bool) or not isinstance(tv, (str, int)):
            raise c.fail("data.target", f"must be a column name or index, got {kind_of(tv)}")
        d.target = tv
    if d.source == "csv" and d.path is None:
        raise c.fail("data.path", "source = 'csv' needs a path to the CSV file")
    if d.source != "csv" and ("path" in t or "target" in t):
        raise c.fail("data.path" if "path" in t else "data.target", f"is only read when source = 'csv' (source is {d.source!r})")


def _data_balance(t: dict[str, Any], c: Checker, d: DataSpec) -> None:
    if "balance" in t:
        d.balance = c.choice(t["balance"], "data.balance", BALANCES, "balance")
    if "imbalance" in t:
        d.imbalance = c.number(t["imbalance"], "data.imbalance", 0.0, 1.0, lo_open=True)
        if d.imbalance < 1.0 and (d.source not in SOURCES or SOURCES[d.source].task != "classification"):
            raise c.fail("data.imbalance", f"thins out classes of a synthetic classification source; {d.source!r} is not one")


def parse_layer(raw: Any, key: str, c: Checker) -> LayerSpec:
    t = c.table(raw, key, _names(LayerSpec))
    if "units" not in t:
        raise c.fail(f"{key}.units", "is required (the number of neurons of the layer)")
    spec = LayerSpec(units=c.integer(t["units"], f"{key}.units", lo=1))
    if "activation" in t:
        spec.activation = c.choice(t["activation"], f"{key}.activation", ACTIVATIONS, "activation")
    if "dropout" in t:
        spec.dropout = c.number(t["dropout"], f"{key}.dropout", 0.0, 1.0, hi_open=True)
    if "norm" in t:
        spec.norm = c.choice(t["norm"], f"{key}.norm", NORMS, "norm")
    if "pieces" in t:
        spec.pieces = c.integer(t["pieces"], f"{key}.pieces", lo=2)
    if "slope" in t:
        spec.slope = c.number(t["slope"], f"{key}.slope", 0.0, 1.0)
    if "alpha" in t:
        spec.alpha = c.number(t["alpha"], f"{key}.alpha", 0.0, lo_open=True)
    if "weights" in t:
        spec.weights = c.matrix(t["weights"], f"{key}.weights")
        if len(spec.weights) != spec.rows:
            expect = f"{spec.units}·{spec.pieces} = {spec.rows}" if spec.activation == "maxout" else str(spec.units)
            raise c.fail(f"{key}.weights", f"has {len(spec.weights)} rows but the layer needs {expect} (W is units × inputs)")
    if "bias" in t:
        spec.bias = c.vector(t["bias"], f"{key}.bias")
        if len(spec.bias) != spec.rows:
            raise c.fail(f"{key}.bias", f"has {len(spec.bias)} values but the layer needs {spec.rows}")
    return spec


def parse_model(raw: Any, c: Checker) -> ModelSpec:
    t = c.table(raw, "model", _names(ModelSpec))
    m = ModelSpec()
    if "init" in t:
        m.init = c.choice(t["init"], "model.init", INITS, "init")
    if "init_scale" in t:
        m.init_scale = c.number(t["init_scale"], "model.init_scale", 0.0, lo_open=True)
    if "bias_init" in t:
        m.bias_init = c.number(t["bias_init"], "model.bias_init")
    if "layers" in t:
        layers = t["layers"]
        if not isinstance(layers, list) or not layers:
            raise c.fail("model.layers", "must be one or more [[model.layers]] tables")
        m.layers = [parse_layer(layer, f"model.layers[{i + 1}]", c) for i, layer in enumerate(layers)]
    return m


def parse_train(raw: Any, c: Checker) -> TrainSpec:
    """``[train]``: the loop, where it runs, the optimizer's hyperparameters, k-fold and early stopping."""
    t = c.table(raw, "train", _names(TrainSpec))
    s = TrainSpec()
    _train_loop(t, c, s)
    _train_device(t, c, s)
    _train_hyper(t, c, s)
    if "kfold" in t:
        s.kfold = c.integer(t["kfold"], "train.kfold", lo=0)
        if s.kfold == 1:
            raise c.fail("train.kfold", "must be 0 (off) or at least 2 folds")
    if "early_stopping" in t:
        s.early_stopping = parse_early_stopping(t["early_stopping"], c)
    s.schedule = parse_schedule(t.get("schedule", "constant"), c, s.epochs)
    return s


def _train_loop(t: dict[str, Any], c: Checker, s: TrainSpec) -> None:
    if "loss" in t:
        s.loss = c.choice(t["loss"], "train.loss", LOSSES, "loss")
    if "optimizer" in t:
        s.optimizer = c.choice(t["optimizer"], "train.optimizer", OPTIMIZERS, "optimizer")
    if "learning_rate" in t:
        s.learning_rate = c.number(t["learning_rate"], "train.learning_rate", 0.0, lo_open=True)
    if "batch_size" in t:
        b = t["batch_size"]
        if isinstance(b, str):
            if b != "full":
                raise c.fail("train.batch_size", f"must be a positive integer or \"full\", got {b!r}")
            s.batch_size = b
        else:
            s.batch_size = c.integer(b, "train.batch_size", lo=1)
    if "epochs" in t:
        s.epochs = c.integer(t["epochs"], "train.epochs", lo=1)
    if "l1" in t:
        s.l1 = c.number(t["l1"], "train.l1", 0.0)
    if "l2" in t:
        s.l2 = c.number(t["l2"], "train.l2", 0.0)
    if "shuffle" in t:
        s.shuffle = c.boolean(t["shuffle"], "train.shuffle")


def _train_device(t: dict[str, Any], c: Checker, s: TrainSpec) -> None:
    if "backend" in t:
        s.backend = c.choice(t["backend"], "train.backend", BACKENDS, "backend")
    if "device" in t:
        d = c.string(t["device"], "train.device")
        if d not in DEVICES and not (d.startswith("cuda:") and d[5:].isdigit()):
            raise c.fail("train.device", f"unknown device {d!r} (choose from cpu, cuda, cuda:N, auto)")
        s.device = d
    if "dtype" in t:
        s.dtype = c.choice(t["dtype"], "train.dtype", DTYPES, "dtype")


def _train_hyper(t: dict[str, Any], c: Checker, s: TrainSpec) -> None:
    if "momentum" in t:
        s.momentum = c.number(t["momentum"], "train.momentum", 0.0, 1.0, hi_open=True)
    if "rho" in t:
        s.rho = c.number(t["rho"], "train.rho", 0.0, 1.0, lo_open=True, hi_open=True)
    if "beta1" in t:
        s.beta1 = c.number(t["beta1"], "train.beta1", 0.0, 1.0, hi_open=True)
    if "beta2" in t:
        s.beta2 = c.number(t["beta2"], "train.beta2", 0.0, 1.0, hi_open=True)
    if "eps" in t:
        s.eps = c.number(t["eps"], "train.eps", 0.0, lo_open=True)


def parse_early_stopping(raw: Any, c: Checker) -> EarlyStopping:
    """``train.early_stopping = {monitor, patience, min_delta}``."""
    es = c.table(raw, "train.early_stopping", _names(EarlyStopping))
    stop = EarlyStopping()
    if "monitor" in es:
        stop.monitor = c.choice(es["monitor"], "train.early_stopping.monitor", MONITORS, "monitor")
    if "patience" in es:
        stop.patience = c.integer(es["patience"], "train.early_stopping.patience", lo=1)
    if "min_delta" in es:
        stop.min_delta = c.number(es["min_delta"], "train.early_stopping.min_delta", 0.0)
    return stop


def parse_schedule(raw: Any, c: Checker, epochs: int) -> Schedule:
    """``train.schedule``: a name, or a table of a name and the keys that schedule reads (no others)."""
    key = "train.schedule"
    t = {"name": raw} if isinstance(raw, str) else c.table(raw, key, ("name", *_names(Schedule)[1:]))
    if "name" not in t:
        raise c.fail(f"{key}.name", f"is required (one of {', '.join(SCHEDULES)})")
    s = Schedule(name=c.choice(t["name"], f"{key}.name", SCHEDULES, "schedule"), T_max=epochs)
    s.gamma = DEFAULT_GAMMA.get(s.name, s.gamma)
    reads = SCHEDULE_KEYS[s.name]
    for k in t:
        if k != "name" and k not in reads:
            what = f"it reads {', '.join(reads)}" if reads else "it has no parameters"
            raise c.fail(f"{key}.{k}", f"is not read by the {s.name} schedule ({what})")
    for k in ("step_size", "T_max"):
        if k in t:
            setattr(s, k, c.integer(t[k], f"{key}.{k}", lo=1))
    for k in ("patience", "cooldown"):
        if k in t:
            setattr(s, k, c.integer(t[k], f"{key}.{k}", lo=0))
    if "gamma" in t:
        s.gamma = c.number(t["gamma"], f"{key}.gamma", 0.0, 1.0, lo_open=True)
    if "factor" in t:
        s.factor = c.number(t["factor"], f"{key}.factor", 0.0, 1.0, lo_open=True, hi_open=True)
    for k in ("eta_min", "threshold", "min_lr"):
        if k in t:
            setattr(s, k, c.number(t[k], f"{key}.{k}", 0.0))
    if "threshold_mode" in t:
        s.threshold_mode = c.choice(t["threshold_mode"], f"{key}.threshold_mode", THRESHOLD_MODES, "threshold mode")
    return s


def check_consistency(e: Experiment, c: Checker) -> None:
    """Rules that involve more than one key."""
    layers = e.model.layers
    last = len(layers)
    for i, layer in enumerate(layers, 1):
        key = f"model.layers[{i}]"
        if layer.activation == "softmax" and i != last:
            raise c.fail(f"{key}.activation", "softmax is only allowed on the output layer")
        if i == last and layer.dropout > 0:
            raise c.fail(f"{key}.dropout", "dropout on the output layer would drop predictions; put it on a hidden layer")
    out = layers[-1]
    key = f"model.layers[{last}].activation"
    if out.activation == "softmax" and e.train.loss != "cce":
        raise c.fail(key, f"softmax output needs loss = \"cce\" (train.loss is {e.train.loss!r})")
    if out.activation == "softmax" and out.units < 2:
        raise c.fail(f"model.layers[{last}].units", "a softmax output needs at least 2 units (one per class)")
    if e.train.loss == "cce" and out.activation != "softmax":
        raise c.fail("train.loss", f"cce needs a softmax output layer (the output activation is {out.activation!r})")
    if e.train.loss == "bce" and out.activation != "sigmoid":
        raise c.fail("train.loss", f"bce needs probabilities: use a sigmoid output layer (the output activation is {out.activation!r})")
    if e.train.batch_size == 1 and any(layer.norm == "batch" for layer in layers):
        raise c.fail("train.batch_size", "batch norm needs at least 2 samples per batch")
    es = e.train.early_stopping
    if es is not None:
        split = es.monitor.split("_")[0]
        if split == "validation" and e.data.validation_fraction == 0:
            raise c.fail("train.early_stopping.monitor", f"{es.monitor!r} needs data.validation_fraction > 0")
        if split == "test" and e.data.resolved_test_fraction == 0:
            raise c.fail("train.early_stopping.monitor", f"{es.monitor!r} needs data.test_fraction > 0")


def from_dict(raw: dict[str, Any], source: str | None = None) -> Experiment:
    """Validate a parsed TOML document and build an :class:`Experiment`."""
    c = Checker(source)
    c.table(raw, "", ("seed", "name", "description", "data", "model", "train"))
    e = Experiment(source=source)
    if "seed" in raw:
        e.seed = c.integer(raw["seed"], "seed", lo=0)
        if e.seed > MAX_SEED:
            raise c.fail("seed", f"must be ≤ {MAX_SEED} (2**32 − 1, the largest seed every random generator tuinn uses takes), got {e.seed}")
    if "name" in raw:
        e.name = c.string(raw["name"], "name")
    elif source:
        e.name = Path(source).stem
    if "description" in raw:
        e.description = c.string(raw["description"], "description")
    e.data = parse_data(raw.get("data", {}), c, source_names())
    if e.data.path is not None and source and Path(source).is_file() and not Path(e.data.path).is_absolute():
        # A CSV path in an experiment file is relative to that file, not to the shell.
        e.data.path = str(Path(source).resolve().parent / e.data.path)
    e.model = parse_model(raw.get("model", {}), c)
    e.train = parse_train(raw.get("train", {}), c)
    check_consistency(e, c)
    return e


def apply_overrides(raw: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """Apply ``--set KEY=VALUE`` assignments to a parsed TOML document (in place).

    KEY is dotted (``train.learning_rate``); ``model.layers[2].units`` addresses a layer
    (counted from 1). VALUE is read as a TOML value (``0.1``, ``true``, ``[1, 2]``,
    ``"x"``); a bare word that is not valid TOML is taken as a string, so
    ``--set data.source=xor`` works without quotes.
    """
    import re

    for item in assignments:
        if "=" not in item:
            raise ConfigError("--set", f"expected KEY=VALUE, got {item!r}")
        key, text = item.split("=", 1)
        key = key.strip()
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        parts = key.split(".")
        node: Any = raw
        for depth, part in enumerate(parts):
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?", part)
            if not m:
                raise ConfigError("--set", f"{key!r} is not a dotted key like train.learning_rate or model.layers[2].units")
            name, index = m.group(1), m.group(2)
            last = depth == len(parts) - 1
            if index is not None:
                seq = node.get(name)
                if name != "layers" or not isinstance(seq, list):
                    raise ConfigError("--set", f"{key}: only model.layers[N] can be indexed")
                i = int(index)
                if not 1 <= i <= len(seq):
                    raise ConfigError("--set", f"{key}: there are {len(seq)} layers (counted from 1)")
                if last:
                    raise ConfigError("--set", f"{key}: set a key of the layer, e.g. {key}.units")
                node = seq[i - 1]
            elif last:
                node[name] = value
            else:
                child = node.setdefault(name, {})
                if not isinstance(child, dict):
                    raise ConfigError("--set", f"{key}: {name!r} is not a table")
                node = child
    return raw


def load(path: str | Path) -> Experiment:
    """Read and validate an experiment file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("", f"no such experiment file: {p}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ConfigError("", f"cannot read experiment file {p}: {exc}") from None
    return loads(text, str(p))


def loads(text: str, source: str | None = None) -> Experiment:
    """Parse and validate experiment TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"not valid TOML: {exc}", source) from None
    return from_dict(raw, source)


def to_dict(e: Experiment) -> dict[str, Any]:
    """The fully resolved spec as plain data (what ``config.toml`` of a run holds)."""

    def clean(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items() if v is not None}
        if isinstance(obj, list):
            return [clean(v) for v in obj]
        return obj

    data = {f.name: getattr(e.data, f.name) for f in fields(DataSpec)}
    data["test_fraction"] = e.data.resolved_test_fraction
    if e.data.split_by_rows:  # the rows are the split: a fraction beside them would be refused when read back
        del data["test_fraction"], data["validation_fraction"]
    model = {"init": e.model.init, "init_scale": e.model.init_scale, "bias_init": e.model.bias_init,
             "layers": [{f.name: getattr(layer, f.name) for f in fields(LayerSpec)} for layer in e.model.layers]}
    train = {f.name: getattr(e.train, f.name) for f in fields(TrainSpec)}
    if e.train.early_stopping is not None:
        train["early_stopping"] = {f.name: getattr(e.train.early_stopping, f.name) for f in fields(EarlyStopping)}
    # A constant rate is written as nothing, so that the config.toml of a run without a schedule reads as before.
    train["schedule"] = e.train.schedule.to_dict() if e.train.schedule.name != "constant" else None
    return clean({"seed": e.seed, "name": e.name, "description": e.description, "data": data, "model": model, "train": train})
