"""The playground's model of the world: an experiment being trained, and what to show.

Pure Python + NumPy (no textual), so that it can be driven and tested headless. The TUI
owns one :class:`Playground`; a worker thread calls :meth:`Playground.run_epochs` while
playing, and everything that changes the experiment goes through :meth:`Playground.apply`
so that it happens between epochs, never in the middle of one. The UI never reads the
live arrays: it reads the latest immutable :class:`Snapshot`, published under a lock at
most ``fps`` times a second (DESIGN.md §4: a message per step cost ~30 % throughput).

Edits that keep the architecture (learning rate, L1/L2, batch size, a weight typed in)
apply live; edits that change it (features, layers, activations, data) restart at epoch 0
from the seed, as TensorFlow Playground does.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tuinn.config.spec import Experiment
from tuinn.errors import TuinnError
from tuinn.session.edits import PlaygroundEdits, problem_defaults
from tuinn.session.history import BestEpoch, Curve, Series
from tuinn.training.early_stopping import EarlyStopper, higher_is_better
from tuinn.training.trainer import BlowupWatch, Trainer

#: The plane TensorFlow Playground draws its data on.
PLANE = (-6.0, 6.0, -6.0, 6.0)
#: Epochs of loss history kept (the latest); older ones are dropped, amortised O(1) (:class:`Series`).
MAX_HISTORY = 100_000
#: Points per side of the grid each neuron's picture is computed on (TF Playground's
#: thumbnails are small: 16×16 values are more than a 10×10-pixel picture needs).
MAP_RESOLUTION = 16


@dataclass(frozen=True)
class Snapshot:
    """Everything the UI draws, copied out of the trainer at one moment."""

    version: int
    epoch: int
    running: bool
    #: Per-epoch losses, index 0 the untrained net's: read-only views of the session's history
    #: (:class:`~tuinn.session.history.Curve`: read like tuples, shared with the buffers, never copied).
    train_loss: Curve
    test_loss: Curve
    validation_loss: Curve
    train_accuracy: float | None
    test_accuracy: float | None
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    feature_names: tuple[str, ...]
    task: str
    n_classes: int
    kind: str  # boundary kind: binary | multiclass | regression | curve
    grid: np.ndarray | None
    extent: tuple[float, float, float, float]
    train_points: np.ndarray
    train_labels: np.ndarray
    test_points: np.ndarray
    test_labels: np.ndarray
    value_range: tuple[float, float]
    caption: str
    backend: str
    device: str
    learning_rate: float  # the α of the next epoch (the schedule's, not only train.learning_rate)
    message: str = ""
    best_epoch: int | None = None  # epoch of the best monitored value (lowest loss / highest accuracy); an epoch, not an index
    monitor: str = ""  # what best_epoch and early stopping watch, e.g. "test_loss"
    stopped_epoch: int | None = None  # where early stopping paused training
    #: Per layer 0..L (0: the network's inputs), each neuron's output over the plane:
    #: (units, rows, cols) on a MAP_RESOLUTION grid of pixel centres, row 0 at the top
    #: (1-D data: rows = 1). None when the session computes no maps.
    neuron_maps: tuple[np.ndarray, ...] | None = None
    #: The α each epoch trained with, the last ones aligned with the end of the loss histories (epochs 1 …).
    learning_rates: Sequence[float] = ()
    schedule: str = "constant"  # the name of train.schedule
    extra: dict[str, Any] = field(default_factory=dict)


class Playground(PlaygroundEdits):
    """An experiment, its trainer, the edits the user makes (typed, in :mod:`tuinn.session.edits`), and snapshots of it all."""

    def __init__(self, exp: Experiment) -> None:
        self.lock = threading.RLock()
        self.base = copy.deepcopy(exp)
        self.experiment = copy.deepcopy(exp)
        self.grid_shape = (60, 80)  # (rows2, cols), set by the UI from the boundary widget
        self.neuron: tuple[int, int] | None = None  # (layer from 1, index) shown instead of the output
        #: Side of the grid of every neuron's picture in the snapshot (0: no pictures).
        self.map_resolution = MAP_RESOLUTION
        self._map_net: tuple[object, Any] | None = None  # (trainer, engine copy) for backends without one
        self.message = ""
        self._version = 0
        self.spec_version = 0  # bumped by every applied edit: views redraw their controls from the experiment
        self._snapshot: Snapshot | None = None
        self._pending: list[Callable[[], None]] = []
        self.running = False
        #: The snapshot the training thread published last (read without the lock: a
        #: Python attribute read is atomic, and the lock is busy for whole epochs).
        self.latest: Snapshot | None = None
        self.publish_interval = 1.0 / 20
        self._published_at = 0.0
        self._build()

    # ------------------------------------------------------------ building
    def _build(self, keep: dict[str, np.ndarray] | None = None) -> None:
        """A new trainer for the current experiment (epoch 0), optionally with parameters."""
        self.trainer = Trainer(self.experiment)
        if keep is not None:
            self.trainer.model.set_parameters(keep)
        self._losses = {name: Series(limit=MAX_HISTORY) for name in ("train", "test", "validation")}
        self.accuracy_history: dict[str, Series] = {name: Series(limit=MAX_HISTORY) for name in ("train", "test", "validation")}
        #: The α each epoch trained with, aligned with the end of the loss histories (one fewer: epoch 0 trained with none).
        self.rate_history = Series(limit=MAX_HISTORY - 1)
        self._best = BestEpoch()
        self.stopped_epoch: int | None = None
        # Early stopping's running best (the rule tuinn train stops by) and the history epochs it has seen.
        self._stopper: EarlyStopper | None = None
        self._es_seen = 1
        self.last_good = self.trainer.state()
        ds = self.trainer.dataset
        #: The two input columns drawn as the plane (a slice when the data has more).
        self.axes = slice_axes(self.trainer)
        if ds.synthetic and ds.points.shape[1] == 2:
            self.extent = PLANE
        elif ds.playground_features and ds.points.shape[1] == 2:  # inline points with the Playground's features: its plane, grown to hold them
            lo, hi = ds.points.min(axis=0), ds.points.max(axis=0)
            self.extent = (min(PLANE[0], lo[0]), max(PLANE[1], hi[0]), min(PLANE[2], lo[1]), max(PLANE[3], hi[1]))
        elif ds.points.shape[1] >= 2:
            pts = ds.points[:, list(self.axes)]
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            pad = 0.1 * (hi - lo + 1e-9)
            self.extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
        else:
            lo, hi = float(ds.points[:, 0].min()), float(ds.points[:, 0].max())
            self.extent = (lo, hi, 0.0, 0.0)
        self._record_losses()
        self._blowup = BlowupWatch(self.train_loss[0] if self.train_loss else None)
        self._touch()

    def _touch(self) -> None:
        self._version += 1
        self._snapshot = None

    # ------------------------------------------------------------- history
    # The loss histories are :class:`Series`; assigning a list (a session loaded from a file
    # clears them so) keeps them Series, so the snapshot's views and the best epoch work alike.
    @property
    def train_loss(self) -> Series:
        return self._losses["train"]

    @train_loss.setter
    def train_loss(self, values: Sequence[float]) -> None:
        self._losses["train"] = _series(values)

    @property
    def test_loss(self) -> Series:
        return self._losses["test"]

    @test_loss.setter
    def test_loss(self, values: Sequence[float]) -> None:
        self._losses["test"] = _series(values)

    @property
    def validation_loss(self) -> Series:
        return self._losses["validation"]

    @validation_loss.setter
    def validation_loss(self, values: Sequence[float]) -> None:
        self._losses["validation"] = _series(values)

    # --------------------------------------------------------------- edits
    def apply(self, edit: Callable[[], None]) -> None:
        """Run ``edit`` now if paused, or between epochs if playing."""
        with self.lock:
            if self.running:
                self._pending.append(edit)
                return
        self._run(edit)

    def refresh(self) -> None:
        """Make the next snapshot new (a view setting changed: neuron, grid size, running)."""
        with self.lock:
            self._touch()
        if self.running:
            self._published_at = 0.0  # publish at the end of the current epoch

    def _run(self, edit: Callable[[], None]) -> None:
        with self.lock:
            try:
                edit()
                self.message = self.edit_error = ""
            except TuinnError as exc:
                self.message = self.edit_error = str(exc)
            self.spec_version += 1
            self._touch()

    def _drain(self) -> None:
        with self.lock:
            pending, self._pending = self._pending, []
        for edit in pending:
            self._run(edit)

    def restart(self) -> None:
        """Rebuild from the experiment at epoch 0 (after an edit of the architecture or data)."""
        self._build()

    def edit_spec(self, change: Callable[[Experiment], None], restart: bool = True) -> None:
        """Change the experiment; restart unless the change applies live."""

        def edit() -> None:
            trial = copy.deepcopy(self.experiment)
            change(trial)
            from tuinn.config.spec import from_dict, to_dict

            if to_dict(trial) == to_dict(self.experiment):
                return  # nothing changed (e.g. a control re-announcing its value): no restart
            checked = from_dict(to_dict(trial), self.experiment.source)  # validation, same rules as a file
            checked.data.path = trial.data.path
            old = self.experiment
            self.experiment = checked
            try:
                if restart:
                    self._build()
                else:
                    self._apply_live(old)
            except TuinnError:
                self.experiment = old
                raise

        self.apply(edit)

    def _apply_live(self, old: Experiment) -> None:
        tr, model = self.experiment.train, self.trainer.model
        self.trainer.experiment = self.experiment
        self.stopped_epoch = None
        model.learning_rate = tr.learning_rate
        if hasattr(model, "network"):
            model.network.l1, model.network.l2 = tr.l1, tr.l2
        else:
            model.l1, model.l2 = tr.l1, tr.l2  # type: ignore[attr-defined]

    # ------------------------------------------------------------ training
    def run_epochs(self, n: int = 1) -> None:
        """Train ``n`` epochs (pending edits first). A non-finite loss — of a batch, or of a
        split after the epoch's last update — restores the last finite weights, stops, and
        says why in ``message``; a loss 1000× its start gets a warning there (training goes on)."""
        for _ in range(n):
            self._drain()
            with self.lock:
                try:
                    self.trainer.run_epoch()
                    losses = self._losses_now()
                    self.trainer.finish_epoch(dict(losses))  # check_finite, then the schedule sees the losses
                except TuinnError as exc:  # DivergedError: the trainer put the weights back
                    self.message = f"paused: {exc}"
                    self.running = False
                    self._touch()
                    self.publish()
                    return
                self._record_losses(losses)
                warning = self._blowup.check(self.trainer.epoch, losses.get("train", float("nan")), self.experiment.train.learning_rate)
                if warning:
                    self.message = f"warning: {warning}"
                self._touch()
                if self._early_stop_due():
                    es = self.experiment.train.early_stopping
                    self.stopped_epoch = self.trainer.epoch
                    self.running = False
                    self.message = (f"early stopping: {es.monitor.replace('_', ' ')} has not improved for {es.patience} epochs;"  # type: ignore[union-attr]
                                    f" best epoch {self._stopper.best_epoch} (the weights of epoch {self.trainer.epoch} are shown)")  # type: ignore[union-attr]
                    self.publish()
                    return
            if time.monotonic() - self._published_at >= self.publish_interval:
                self.publish()

    # ------------------------------------------------------- overfitting
    def monitor(self) -> str:
        """What the best epoch is judged by: the early-stopping monitor, else the validation (or test) loss."""
        es = self.experiment.train.early_stopping
        if es is not None:
            return es.monitor
        return "validation_loss" if len(self.trainer.val_idx) else "test_loss" if len(self.trainer.test_idx) else ""

    def _monitored(self) -> Series:
        name = self.monitor()
        if not name:
            return Series()
        split, metric = name.split("_", 1)
        if metric == "loss":
            return self._losses[split]
        return self.accuracy_history[split]

    def best_epoch(self) -> int | None:
        """Epoch of the best monitored value so far (its index in the history plus the epochs the history dropped).

        As in ``tuinn train``'s early stopping, the untrained epoch 0 is not a candidate
        once there is a trained epoch, and the first of equal values wins. Followed one
        epoch at a time (:class:`BestEpoch`), not searched for in the whole history.
        """
        name = self.monitor()
        if not name:
            return None
        values = self._monitored()
        index = self._best.of(values, higher_is_better(name))
        return None if index is None else index + values.dropped

    def _early_stop_due(self) -> bool:
        """True when the monitor has not improved by min_delta for ``patience`` epochs (:class:`EarlyStopper`, as in ``tuinn train``).

        The stopper sees each history epoch once (O(1) per epoch); a new monitor or
        min_delta (edited live) replays the history into a fresh one. Epoch 0 is not fed.
        Epochs are counted from the history's start, including those dropped past
        :data:`MAX_HISTORY`, so the stopper goes on seeing new epochs once the history is full.
        """
        es = self.experiment.train.early_stopping
        values = self._monitored()
        if es is None or len(values) < 2:
            return False
        total = values.dropped + len(values)
        stopper = self._stopper
        if stopper is None or (stopper.monitor, stopper.min_delta) != (es.monitor, es.min_delta) or self._es_seen > total:
            stopper, self._es_seen = EarlyStopper.from_spec(es), 1
            self._stopper = stopper
        stopper.patience = es.patience  # a live edit of the patience applies to the running best
        stop = False
        for epoch in range(max(self._es_seen, values.dropped), total):
            stop = stopper.update(epoch, values[epoch - values.dropped])
        self._es_seen = total
        return stop

    def publish(self) -> Snapshot:
        """Build the current snapshot and make it ``latest`` (called by the training thread)."""
        snap = self.snapshot()
        self.latest = snap
        self._published_at = time.monotonic()
        return snap

    def _record_losses(self, losses: dict[str, float] | None = None) -> None:
        """Append the current losses (``losses`` when already computed) and the monitored accuracy to the history."""
        t = self.trainer
        losses = self._losses_now() if losses is None else losses
        for name, value in losses.items():
            self._losses[name].append(value)  # a Series drops what is past MAX_HISTORY itself
        if self.monitor().endswith("accuracy"):
            split = self.monitor().split("_", 1)[0]
            idx = getattr(t, f"{split if split != 'validation' else 'val'}_idx")
            self.accuracy_history[split].append(self._accuracy(idx) or 0.0)
        self._record_rate()

    def _record_rate(self) -> None:
        """Keep :attr:`rate_history` one shorter than the training loss: the α of the epoch just
        recorded (the trainer's last); NaN for epochs this trainer did not run (e.g. before a
        backend switch), which the loss plot leaves out. A re-recorded epoch keeps its α."""
        rates, target = self.rate_history, max(0, len(self.train_loss) - 1)
        while len(rates) > target:
            rates.pop()
        while len(rates) < target - 1:
            rates.append(float("nan"))
        if len(rates) < target:
            rates.append(self.trainer.rates[-1] if self.trainer.rates else float("nan"))

    def _losses_now(self) -> dict[str, float]:
        """The loss of the current weights on each non-empty split."""
        t = self.trainer
        out: dict[str, float] = {}
        with np.errstate(all="ignore"):
            for name, idx in (("train", t.train_idx), ("test", t.test_idx), ("validation", t.val_idx)):
                if len(idx):
                    out[name] = float(t.model.evaluate_loss(t.x[idx], t.y[idx]))
        return out

    # ------------------------------------------------------------ snapshot
    def snapshot(self) -> Snapshot:
        """The current state (cached until something changes)."""
        with self.lock:
            if self._snapshot is None:
                self._snapshot = self._make_snapshot()
            return self._snapshot

    def _accuracy(self, idx: np.ndarray) -> float | None:
        t = self.trainer
        if t.dataset.labels is None or not len(idx):
            return None
        out = t.probabilities(t.outputs(t.x[idx]))
        pred = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] >= 0.5).astype(int)
        return float((pred == t.dataset.labels[idx]).mean())

    def _grid(self) -> tuple[str, np.ndarray | None, tuple[float, float], str]:
        """(kind, values over the plane, value range, caption)."""
        t = self.trainer
        ds = t.dataset
        rows2, cols = self.grid_shape
        x0, x1, y0, y1 = self.extent
        one_d = ds.points.shape[1] == 1
        if one_d:
            xs = np.linspace(x0, x1, cols)[:, None]
            pts = xs
        else:
            xs = np.linspace(x0, x1, cols)
            ys = np.linspace(y1, y0, rows2)
            gx, gy = np.meshgrid(xs, ys)
            pts = np.column_stack([gx.ravel(), gy.ravel()])
        inputs = self._plane_inputs(pts)
        caption = ""
        if ds.points.shape[1] > 2:
            a, b = (ds.feature_names[i] for i in self.axes)
            caption = f"{a} (→) × {b} (↑); the other inputs at their training mean"
        with np.errstate(all="ignore"):
            if self.neuron is not None:
                layer, index = self.neuron
                values = self._neuron_output(inputs, layer, index)
                caption = f"output of neuron {index + 1} of layer {layer}" if layer else f"input {ds.feature_names[index]}"
                kind = "regression"
                lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
                m = max(abs(lo), abs(hi), 1e-12)
                vr = (-m, m)
                return ("curve" if one_d else kind), (values if one_d else values.reshape(rows2, cols)), vr, caption
            out = t.outputs(inputs)
        if one_d:
            lo, hi = self._value_range()
            return "curve", out[:, 0], (lo, hi), caption
        if ds.labels is None:
            lo, hi = self._value_range()
            return "regression", out[:, 0].reshape(rows2, cols), (lo, hi), caption
        probs = t.probabilities(out)
        if probs.shape[1] == 1:
            return "binary", probs[:, 0].reshape(rows2, cols), (0.0, 1.0), caption
        return "multiclass", probs.reshape(rows2, cols, -1), (0.0, 1.0), caption

    def _plane_inputs(self, pts: np.ndarray) -> np.ndarray:
        """The network's inputs at points of the drawn plane (or line), as training feeds them."""
        t = self.trainer
        ds = t.dataset
        if ds.points.shape[1] > 2:
            # A slice through the input space: the two drawn inputs vary, the others stay at
            # their training mean (raw units; standardised below like every input).
            full = np.tile(ds.points[t.train_idx].mean(axis=0), (len(pts), 1))
            full[:, list(self.axes)] = pts
            pts = full
        inputs = ds.features_of(pts)
        if t.mean is not None:
            inputs = (inputs - t.mean) / t.std
        return inputs.astype(t.x.dtype)

    def _map_network(self, params: dict[str, np.ndarray]) -> Any:
        """An engine network with the current parameters: the numpy backend's own, or (torch) a copy
        built once per trainer and given the parameters of this snapshot."""
        model = self.trainer.model
        if hasattr(model, "network"):
            return model.network
        if self._map_net is None or self._map_net[0] is not self.trainer:
            from tuinn.training.build import build_network
            from tuinn.training.trainer import seed_streams

            s = seed_streams(0)
            self._map_net = (self.trainer, build_network(self.experiment, self.trainer.x.shape[1], s["init"], s["dropout"]))
        net = self._map_net[1]
        net.set_parameters(params)  # type: ignore[attr-defined]
        return net

    def neuron_maps(self, params: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, ...] | None:
        """Every neuron's output over a ``map_resolution``² grid of pixel centres of the plane, per layer
        0..L (TF Playground's pictures in the network); 1-D data: ``map_resolution`` points, one row.

        Layer 0 holds the inputs as the network sees them (features, standardised when training
        standardises). One evaluation-mode forward pass per layer over res² points: ~0.1 ms for
        the default net, paid once per snapshot version, never per frame.
        """
        res = self.map_resolution
        if not res:
            return None
        ds = self.trainer.dataset
        x0, x1, y0, y1 = self.extent
        xs = x0 + (np.arange(res) + 0.5) * (x1 - x0) / res
        if ds.points.shape[1] == 1:
            pts, shape = xs[:, None], (1, res)
        else:
            ys = y1 - (np.arange(res) + 0.5) * (y1 - y0) / res
            gx, gy = np.meshgrid(xs, ys)
            pts, shape = np.column_stack([gx.ravel(), gy.ravel()]), (res, res)
        inputs = self._plane_inputs(pts)
        net = self._map_network(self.trainer.model.get_parameters() if params is None else params)
        maps = [inputs]
        with np.errstate(all="ignore"):
            maps += [net.forward(inputs, upto=layer) for layer in range(1, len(self.experiment.model.layers) + 1)]
        return tuple(np.ascontiguousarray(np.asarray(m, dtype=float).T).reshape(-1, *shape) for m in maps)

    def _value_range(self) -> tuple[float, float]:
        v = self.trainer.dataset.values
        if v is None:
            return (-1.0, 1.0)
        m = float(np.max(np.abs(v))) or 1.0
        return (-m, m)

    def _neuron_output(self, inputs: np.ndarray, layer: int, index: int) -> np.ndarray:
        """Activation of one neuron over the grid (layer 0: an input feature)."""
        if layer == 0:
            return inputs[:, index]
        from tuinn.training.build import build_network
        from tuinn.training.trainer import seed_streams

        s = seed_streams(0)
        net = build_network(self.experiment, inputs.shape[1], s["init"], s["dropout"])
        net.set_parameters(self.trainer.model.get_parameters())
        return net.forward(inputs, upto=layer)[:, index]

    def _make_snapshot(self) -> Snapshot:
        t = self.trainer
        ds = t.dataset
        params = t.model.get_parameters()
        L = len(self.experiment.model.layers)
        weights = tuple(params[f"{i}.W"] for i in range(1, L + 1))
        biases = tuple(params[f"{i}.b"] for i in range(1, L + 1))
        kind, grid, vrange, caption = self._grid()
        labels = ds.labels if ds.labels is not None else ds.values[:, 0]  # type: ignore[index]
        if ds.points.shape[1] == 1:
            train_pts = np.column_stack([ds.points[t.train_idx, 0], labels[t.train_idx]])
            test_pts = np.column_stack([ds.points[t.test_idx, 0], labels[t.test_idx]])
        else:
            cols = list(self.axes)
            train_pts, test_pts = ds.points[t.train_idx][:, cols], ds.points[t.test_idx][:, cols]
        return Snapshot(
            version=self._version,
            epoch=t.epoch,
            running=self.running,
            train_loss=self.train_loss.view(),
            test_loss=self.test_loss.view(),
            validation_loss=self.validation_loss.view(),
            train_accuracy=self._accuracy(t.train_idx),
            test_accuracy=self._accuracy(t.test_idx),
            weights=weights,
            biases=biases,
            layer_sizes=tuple([ds.n_inputs] + [layer.units for layer in self.experiment.model.layers]),
            activations=tuple(layer.activation for layer in self.experiment.model.layers),
            feature_names=tuple(ds.feature_names),
            task=ds.task,
            n_classes=ds.n_classes,
            kind=kind,
            grid=grid,
            extent=self.extent,
            train_points=train_pts,
            train_labels=labels[t.train_idx],
            test_points=test_pts,
            test_labels=labels[t.test_idx],
            value_range=vrange,
            caption=caption,
            backend=t.model.name,
            device=t.model.device,
            learning_rate=t.next_rate(),
            learning_rates=self.rate_history.view(),
            schedule=self.experiment.train.schedule.name,
            message=self.message,
            best_epoch=self.best_epoch(),
            monitor=self.monitor(),
            stopped_epoch=self.stopped_epoch,
            neuron_maps=self.neuron_maps(params),
        )


def _series(values: Sequence[float]) -> Series:
    """``values`` as a history (a Series as it is; a list or tuple copied into one)."""
    return values if isinstance(values, Series) else Series(values, limit=MAX_HISTORY)


def slice_axes(trainer: Trainer) -> tuple[int, int]:
    """The two input columns to draw as the plane: (0, 1) for 2-D data; with more inputs, the
    two most correlated (in absolute value) with the target on the training split, so that a
    slice through Pima shows glucose and the next most telling column rather than pregnancies."""
    ds = trainer.dataset
    n = ds.points.shape[1]
    if n <= 2:
        return (0, 1)
    idx = trainer.train_idx
    target = (ds.labels if ds.labels is not None else ds.values[:, 0])[idx].astype(float)  # type: ignore[index]
    x = ds.points[idx].astype(float)
    with np.errstate(all="ignore"):
        xc, yc = x - x.mean(axis=0), target - target.mean()
        corr = np.abs(xc.T @ yc) / np.sqrt((xc**2).sum(axis=0) * (yc**2).sum())
    order = np.argsort(-np.nan_to_num(corr), kind="stable")
    return (int(order[0]), int(order[1]))


def default_experiment() -> Experiment:
    """TensorFlow Playground's default (the built-in ``playground`` experiment)."""
    from tuinn.config.experiments import resolve
    from tuinn.config.spec import loads

    text, source = resolve("playground")
    return loads(text, source)


__all__ = ["MAP_RESOLUTION", "PLANE", "Playground", "Snapshot", "default_experiment", "problem_defaults"]
