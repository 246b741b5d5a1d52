"""The training loop around the engine: seeded streams, batches, epochs, evaluation.

Randomness is split into independent streams drawn from the experiment's seed (data,
initial weights, shuffling, dropout, class balancing), so that changing e.g. the dropout
rate does not change the data or the initial weights, and the same file and seed give
bit-identical weights after any number of steps.

The whole mutable state of a run (parameters, norm statistics, optimizer buffers, the
shuffle and dropout generators, the epoch) can be captured with :meth:`Trainer.state`
and put back with :meth:`Trainer.restore`; that is what checkpoints, ``--resume``,
Ctrl-C, the NaN guard and early stopping are built on.
"""

from __future__ import annotations

import copy
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tuinn import metrics
from tuinn.backends import make_model
from tuinn.backends.base import Model
from tuinn.backends.numpy import NumpyModel
from tuinn.config.spec import Experiment
from tuinn.data.dataset import Dataset, build_dataset, fit_standardization
from tuinn.engine.network import Network
from tuinn.engine.trace import StepTrace
from tuinn.errors import ConfigError, DivergedError
from tuinn.training.build import build_network
from tuinn.training.early_stopping import EarlyStopper, monitored_value
from tuinn.training.schedules import LearningRateSchedule, monitored_loss

STREAMS = ("data", "init", "shuffle", "dropout", "balance", "kfold")
#: What each epoch reports (``--metrics``): ``basic`` the loss and accuracy of each split, ``all`` the full report.
EPOCH_METRICS = ("basic", "all")
#: Epochs kept in memory (``Trainer.history``, ``FitResult.history``); every epoch's line is in ``metrics.jsonl``.
HISTORY_KEPT = 1000
#: A training loss this many times its starting value, after :data:`BLOWUP_AFTER` epochs, gets a warning.
BLOWUP_FACTOR = 1000.0
BLOWUP_AFTER = 10
#: A split whose x, y and labels together take at most this many bytes is gathered once and
#: kept for evaluation (:meth:`Trainer.split_arrays`); a larger one is gathered per evaluation.
EVAL_GATHER_BYTES = 32 * 2**20


def seed_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for the uses of randomness (adding one never shifts the others)."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(STREAMS, children, strict=True)}


@dataclass
class EpochResult:
    """What one epoch produced: the mean batch loss and the per-split evaluation."""

    epoch: int
    batch_loss: float
    seconds: float
    splits: dict[str, dict[str, Any]]
    learning_rate: float | None = None  # the α this epoch trained with (the schedule's)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"epoch": self.epoch, "batch_loss": self.batch_loss, "seconds": round(self.seconds, 6)}
        if self.learning_rate is not None:
            out["learning_rate"] = self.learning_rate
        for split, values in self.splits.items():
            for key, value in values.items():
                out[f"{split}_{key}"] = value
        return out


class BlowupWatch:
    """Warns once when the training loss, after the first 10 epochs, is 1000× its starting value.

    A finite loss that keeps growing is not divergence (nothing is lost: the weights are
    finite and training goes on), but it almost always means the learning rate is far too
    large or the net is saturating, and a user watching 1000 epochs scroll by deserves to be
    told. ``tuinn train`` and the playground share this rule.
    """

    def __init__(self, start: float | None) -> None:
        self.start = start if start is not None and math.isfinite(start) and start > 0 else None
        self.warned = False

    def check(self, epoch: int, loss: float, learning_rate: float) -> str | None:
        """The warning, the first time ``loss`` at ``epoch`` qualifies; else None."""
        if self.warned or self.start is None or epoch <= BLOWUP_AFTER or not math.isfinite(loss):
            return None
        if loss <= BLOWUP_FACTOR * self.start:
            return None
        self.warned = True
        return (f"the training loss {loss:.4g} in epoch {epoch} is {loss / self.start:.3g}× its starting value {self.start:.4g}: "
                f"the learning rate ({learning_rate:g}) is probably too large, or the net saturates")


def nonfinite_losses(losses: dict[str, float | None]) -> dict[str, float]:
    """The splits whose loss is NaN or infinite (None and missing splits are fine)."""
    return {split: v for split, v in losses.items() if v is not None and not math.isfinite(v)}


@dataclass
class FitResult:
    """How a call to :meth:`Trainer.fit` ended."""

    epochs_run: int
    stopped_early: bool = False
    best_epoch: int | None = None
    #: The last :data:`HISTORY_KEPT` epochs (a million epochs of dicts would be gigabytes).
    history: deque[EpochResult] = field(default_factory=lambda: deque(maxlen=HISTORY_KEPT))


class Trainer:
    """Holds the data, the network and the optimizer of one experiment (or one fold)."""

    def __init__(
        self,
        exp: Experiment,
        dataset: Dataset | None = None,
        split: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        backend: str | None = None,
        device: str | None = None,
    ) -> None:
        self.experiment = exp
        streams = seed_streams(exp.seed)
        self.shuffle_rng = streams["shuffle"]
        self.dataset = dataset if dataset is not None else build_dataset(exp.data, streams["data"])
        ds = self.dataset
        self.train_idx, self.test_idx, self.val_idx = split if split is not None else (ds.train, ds.test, ds.validation)
        self._gathered: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]] = {}  # see split_arrays
        dtype = np.dtype(exp.train.dtype)
        self.mean = self.std = None
        x = ds.x
        if exp.data.standardize:
            self.mean, self.std = fit_standardization(ds.x, self.train_idx)
            x = (x - self.mean) / self.std
        # The engine network is always built: it draws the initial parameters, which a
        # torch model copies, so both backends start from the same numbers.
        network: Network = build_network(exp, ds.n_inputs, streams["init"], streams["dropout"], data=ds)
        out = exp.model.layers[-1]
        y = ds.targets_for(out.units, out.activation, f"model.layers[{len(exp.model.layers)}]")
        self.x = x.astype(dtype)
        self.y = y.astype(dtype)
        self.train_order, self.sample_weight, self.balance_report = self._balance(streams["balance"])
        self.model: Model = make_model(exp, network, backend=backend, device=device, n_train=len(self.train_order))
        self.epoch = 0
        self.steps = 0
        #: The last :data:`HISTORY_KEPT` epochs this object trained (bounded: ``metrics.jsonl`` holds them all).
        self.history: deque[EpochResult] = deque(maxlen=HISTORY_KEPT)
        #: What :meth:`fit` evaluates each epoch (:data:`EPOCH_METRICS`); :meth:`evaluate` always gives the full report.
        self.epoch_metrics = "basic"
        self.schedule = LearningRateSchedule(exp.train.schedule)
        #: ``rates[i]``: the α epoch ``rates_dropped + i + 1`` trained with (NaN for epochs this object did not run,
        #: e.g. before a checkpoint); bounded as :attr:`history` is: at most ``2 × HISTORY_KEPT``, then the last
        #: ``HISTORY_KEPT`` (:meth:`record_rate`). A million epochs' α was a 30 MB list nobody read.
        self.rates: list[float] = []
        self.rates_dropped = 0
        self.model.bind(self.x, self.y, self.sample_weight)
        if self.uses_batch_norm and len(self.train_order) < 2:
            raise ConfigError("model.layers", "batch norm needs at least 2 training samples")

    # -------------------------------------------------------------- balance
    def _balance(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None, dict[str, Any] | None]:
        """Training order and sample weights after ``data.balance``, and its report."""
        method = self.experiment.data.balance
        idx = self.train_idx
        labels = self.dataset.labels
        if method == "none" or labels is None:
            if method != "none":
                raise ConfigError("data.balance", "class balancing needs a classification dataset")
            return idx, None, None
        counts = np.bincount(labels[idx], minlength=self.dataset.n_classes)
        present = counts[counts > 0]
        weights = None
        if method == "undersample":
            keep = [rng.choice(idx[labels[idx] == c], size=present.min(), replace=False) for c in range(len(counts)) if counts[c]]
            order = np.sort(np.concatenate(keep))
        elif method == "oversample":
            parts = []
            for c in range(len(counts)):
                members = idx[labels[idx] == c]
                if len(members):
                    extra = rng.choice(members, size=present.max() - len(members), replace=True)
                    parts.append(np.concatenate([members, extra]))
            order = np.sort(np.concatenate(parts))
        else:  # weights: n / (C · n_c), so that the mean weight over the training set is 1
            class_w = np.where(counts > 0, len(idx) / (len(present) * np.maximum(counts, 1)), 0.0)
            weights = np.zeros(len(self.x))
            weights[idx] = class_w[labels[idx]]
            order = idx
        after = np.bincount(labels[order], minlength=self.dataset.n_classes)
        report: dict[str, Any] = {"method": method, "before": counts.tolist(), "after": after.tolist()}
        if weights is not None:
            report["class_weights"] = [float(v) for v in class_w]
            report["after"] = counts.tolist()
        return order, weights, report

    # -------------------------------------------------------------- batches
    @property
    def uses_batch_norm(self) -> bool:
        return any(layer.norm == "batch" for layer in self.experiment.model.layers)

    @property
    def batch_size(self) -> int:
        b = self.experiment.train.batch_size
        n = len(self.train_order)
        return n if b == "full" else min(int(b), n)

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the ``train``, ``test`` or ``validation`` split."""
        idx = {"train": self.train_idx, "test": self.test_idx, "validation": self.val_idx}[name]
        return self.x[idx], self.y[idx]

    def split_arrays(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """x, y and the labels (None without classes) of a split, for evaluation (shared: never write to them).

        Why kept: a training loop evaluates the same rows every epoch, and gathering them
        (three fancy-index copies per split) cost about as much as the accuracy it feeds.
        A split up to :data:`EVAL_GATHER_BYTES` is gathered on first use and kept; a larger
        one is gathered on every call (no second copy of big data). A Trainer's data and
        splits never change after it is built (a new dataset is a new Trainer).
        """
        got = self._gathered.get(name)
        if got is not None:
            return got
        idx = {"train": self.train_idx, "test": self.test_idx, "validation": self.val_idx}[name]
        labels = self.dataset.labels
        got = (self.x[idx], self.y[idx], None if labels is None else labels[idx])
        if sum(a.nbytes for a in got if a is not None) <= EVAL_GATHER_BYTES:
            # Not marked read-only: torch warns about every non-writable array it wraps.
            self._gathered[name] = got
        return got

    def epoch_batches(self) -> list[np.ndarray]:
        """Index arrays of the batches of the next epoch (draws the shuffle).

        With batch norm a trailing batch of one sample is dropped: its variance is zero
        and PyTorch refuses it too.
        """
        idx = self.train_order
        if self.experiment.train.shuffle:
            idx = self.shuffle_rng.permutation(idx)
        size = self.batch_size
        batches = [idx[i : i + size] for i in range(0, len(idx), size)]
        if len(batches[-1]) < 2 and self.uses_batch_norm:
            batches.pop()
        return batches

    @property
    def network(self) -> Network:
        """The engine network (NumPy backend only: the torch backend has its own module)."""
        if not isinstance(self.model, NumpyModel):
            raise TypeError(f"the {self.model.name} backend has no engine network")
        return self.model.network

    def step(self, batch: np.ndarray) -> float:
        """One optimizer step on the training samples ``batch``; returns the loss."""
        self.steps += 1
        return self.model.step(batch)

    def traced_step(self, batch: np.ndarray) -> StepTrace:
        """Like :meth:`step`, recording every chain-rule term."""
        self.steps += 1
        return self.model.traced_step(batch)

    def run_epoch(self, start: dict[str, Any] | None = None) -> float:
        """One pass over the training data; returns the mean of the batch losses.

        ``start`` is :meth:`state` as it is now, when the caller holds one already
        (:meth:`fit` passes ``last_good``: one copy of the state per epoch instead of two).

        Raises :class:`DivergedError` at the first non-finite loss, with the parameters
        put back as they were at the end of the previous epoch. The batch losses are
        those *before* each update, so the epoch's last update is not checked here: the
        caller evaluates the splits after the epoch and calls :meth:`check_finite`, which
        puts back ``epoch_start`` (the state this epoch began from) in turn.
        """
        before = self.state() if start is None else start
        self.epoch_start = before
        rate = self.model.learning_rate = self.next_rate()
        losses = []
        step = self.model.step  # not self.step: two calls fewer per batch (the count is kept below)
        with np.errstate(over="ignore", invalid="ignore"):
            for batch in self.epoch_batches():
                self.steps += 1
                loss = step(batch)
                if not math.isfinite(loss):
                    self.restore(before)
                    raise DivergedError(
                        f"training diverged in epoch {self.epoch + 1}: the loss became {loss} "
                        f"(learning rate {rate:g} is probably too large); "
                        f"the weights of epoch {self.epoch} are kept"
                    )
                losses.append(loss)
        self.epoch += 1
        self.record_rate(rate)
        return math.fsum(losses) / len(losses) if losses else math.nan  # exact sum: no rounding that depends on NumPy's pairing

    def record_rate(self, rate: float) -> None:
        """Log the α of the epoch just run (:attr:`epoch`): NaN for the epochs before it this object did not run
        (a resume), the entries of epochs a restore undid dropped, and the log kept to its bound."""
        before = self.epoch - 1 - self.rates_dropped  # entries the epochs before this one should have
        if before < 0:  # restored to an epoch older than what is kept
            self.rates.clear()
            self.rates_dropped = self.epoch - 1
        elif len(self.rates) > before:
            del self.rates[before:]
        elif before - len(self.rates) >= HISTORY_KEPT:  # a resume far along: none of the NaNs would be kept
            self.rates.clear()
            self.rates_dropped = self.epoch - 1
        else:
            self.rates.extend([math.nan] * (before - len(self.rates)))
        self.rates.append(rate)
        if len(self.rates) > 2 * HISTORY_KEPT:  # amortised: one move per HISTORY_KEPT epochs
            cut = len(self.rates) - HISTORY_KEPT
            del self.rates[:cut]
            self.rates_dropped += cut

    def next_rate(self) -> float:
        """The α of the next epoch: ``train.schedule`` applied to ``train.learning_rate`` (a schedule edited
        in the playground is picked up here; a new one starts fresh)."""
        spec = self.experiment.train.schedule
        if spec is not self.schedule.spec and spec != self.schedule.spec:  # `is not` first: a dataclass == compares every field
            self.schedule = LearningRateSchedule(spec)
        return self.schedule.rate(self.experiment.train.learning_rate, self.epoch)

    def finish_epoch(self, losses: dict[str, float | None]) -> None:
        """After :meth:`run_epoch` and evaluating the splits: :meth:`check_finite`, then the schedule sees the
        monitored loss (``plateau``: validation, else train)."""
        self.check_finite(losses)
        self.schedule.observe(monitored_loss(losses), self.experiment.train.learning_rate)

    def check_finite(self, losses: dict[str, float | None]) -> None:
        """After :meth:`run_epoch`: when a split's loss of the new weights is not finite,
        put back the weights the epoch started from and raise :class:`DivergedError`."""
        bad = nonfinite_losses(losses)
        if not bad:
            return
        epoch = self.epoch
        self.restore(self.epoch_start)
        what = ", ".join(f"{split} loss {v}" for split, v in bad.items())
        raise DivergedError(
            f"training diverged in epoch {epoch}: after its last update the {what} "
            f"(learning rate {self.model.learning_rate:g} is probably too large); "
            f"the weights of epoch {self.epoch} are kept"
        )

    def train_loss(self) -> float:
        """The loss of the current weights on the training split (evaluation mode)."""
        if len(self.train_idx) == 0:
            return float("nan")
        with np.errstate(over="ignore", invalid="ignore"):
            return float(self.model.evaluate_loss(self.x[self.train_idx], self.y[self.train_idx]))

    # ----------------------------------------------------------- evaluation
    def outputs(self, x: np.ndarray) -> np.ndarray:
        """Network outputs in evaluation mode."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self.model.predict(x)

    def probabilities(self, out: np.ndarray) -> np.ndarray:
        """Class scores from outputs: a tanh output's −1…1 is mapped to 0…1."""
        if self.experiment.model.layers[-1].activation == "tanh":
            return (out + 1.0) / 2.0
        return out

    def loss_and_outputs(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The data loss and the outputs of one evaluation-mode forward (the loss pass's outputs are the metrics').

        On the NumPy engine the output layer's ẑ feeds both the (fused) loss and ŷ; another
        backend is asked twice (its loss and its outputs).
        """
        with np.errstate(over="ignore", invalid="ignore"):
            return self._loss_and_outputs(x, y)

    def _loss_and_outputs(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """:meth:`loss_and_outputs` inside the caller's ``np.errstate``."""
        if not isinstance(self.model, NumpyModel):
            return float(self.model.evaluate_loss(x, y)), self.model.predict(x)
        net = self.model.network
        zn = net.logits(x)
        out = net.layers[-1].activation.forward(zn)
        return float(net.loss.fused_value(zn, y) if net.fused else net.loss.value(out, y)), out

    def evaluate(self, name: str, threshold: float = 0.5, full: bool = True) -> dict[str, Any]:
        """Loss and metrics of one split ({} when the split is empty); ``full=False``: the loss and accuracy only."""
        # Overflow on the way to a huge loss is reported as that loss, not as a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            return self._evaluate(name, threshold, full)

    def _evaluate(self, name: str, threshold: float, full: bool) -> dict[str, Any]:
        """:meth:`evaluate` inside the caller's ``np.errstate`` (one for all splits: entering one costs ~1 µs)."""
        x, y, labels = self.split_arrays(name)
        if len(x) == 0:
            return {}
        loss, out = self._loss_and_outputs(x, y)
        result: dict[str, Any] = {"loss": loss}
        if labels is not None:
            probs = self.probabilities(out)
            if full:
                result.update(metrics.classification_report(labels, probs, threshold=threshold))
            else:
                result["accuracy"] = metrics.quick_accuracy(labels, probs, threshold)
        elif full:
            result.update(metrics.regression_report(y, out))
        return result

    def evaluate_all(self, full: bool = True) -> dict[str, dict[str, Any]]:
        """:meth:`evaluate` of every split that has samples."""
        with np.errstate(over="ignore", invalid="ignore"):
            return {name: r for name in ("train", "test", "validation") if (r := self._evaluate(name, 0.5, full))}

    def input_info(self) -> dict[str, Any]:
        """How raw data becomes this model's inputs (stored with checkpoints)."""
        ds = self.dataset
        return {
            "source": ds.name,
            "feature_names": ds.feature_names,
            "target_name": ds.target_name,
            "task": ds.task,
            "n_classes": ds.n_classes,
            "class_names": ds.class_names,
            "mean": None if self.mean is None else self.mean.tolist(),
            "std": None if self.std is None else self.std.tolist(),
        }

    # ----------------------------------------------------------------- state
    def state(self) -> dict[str, Any]:
        """A deep copy of everything that changes while training."""
        return {
            "epoch": self.epoch,
            "steps": self.steps,
            "params": self.model.get_parameters(),
            "optimizer": self.model.optimizer_state(),
            "rng": {"shuffle": self.shuffle_rng.bit_generator.state, "dropout": self.model.rng_state()},  # fresh dicts
            "schedule": self.schedule.state(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Put back a :meth:`state` (or one read from a checkpoint)."""
        self.epoch = int(state["epoch"])
        self.steps = int(state["steps"])
        self.model.set_parameters(state["params"])
        self.model.load_optimizer_state(state["optimizer"])
        self.shuffle_rng.bit_generator.state = copy.deepcopy(state["rng"]["shuffle"])
        self.model.set_rng_state(state["rng"]["dropout"])
        self.schedule.load_state(state.get("schedule"))

    # -------------------------------------------------------------------- fit
    #: The early-stopping rule of the current (or last) :meth:`fit`; None without ``train.early_stopping``.
    early_stopper: EarlyStopper | None = None

    @property
    def early(self) -> dict[str, Any] | None:
        """The early-stopping record a checkpoint stores (``{best, best_epoch, best_state}``), None without early stopping."""
        return self.early_stopper.record() if self.early_stopper is not None else None

    def fit(
        self,
        epochs: int,
        on_epoch: Callable[[EpochResult], None] | None = None,
        early: dict[str, Any] | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> FitResult:
        """Train until epoch ``epochs`` (counting epochs already run), with early stopping.

        ``early`` carries the early-stopping bookkeeping across a resume: best value,
        best epoch, best state. With early stopping the best weights are restored at
        the end. ``self.last_good`` is the state at the end of the last finished epoch
        whose losses were all finite (what Ctrl-C saves). A non-finite batch loss, or a
        non-finite train, test or validation loss after an epoch (its last update
        included), raises :class:`DivergedError` with the weights of ``last_good`` back
        in place. ``on_warning`` gets :class:`BlowupWatch`'s one-line warning.
        """
        es = self.experiment.train.early_stopping
        self.early_stopper = EarlyStopper.from_spec(es, early) if es is not None else None
        self.last_good = self.state()
        watch = BlowupWatch(self.train_loss() if on_warning is not None else None)
        result = FitResult(epochs_run=0)
        while self.epoch < epochs:
            t0 = time.perf_counter()
            batch_loss = self.run_epoch(self.last_good)  # last_good: the state now (nothing below changes it)
            splits = self.evaluate_all(full=self.epoch_metrics == "all")
            self.finish_epoch({name: r.get("loss") for name, r in splits.items()})
            ep = EpochResult(self.epoch, batch_loss, time.perf_counter() - t0, splits, self.rates[-1])
            if on_warning is not None and (warning := watch.check(self.epoch, splits.get("train", {}).get("loss", math.nan),
                                                                   self.rates[-1])):
                on_warning(warning)
            self.history.append(ep)
            result.history.append(ep)
            result.epochs_run += 1
            self.last_good = self.state()
            stopper = self.early_stopper
            stop = stopper is not None and stopper.update(self.epoch, monitored_value(stopper.monitor, splits), self.last_good)
            if on_epoch is not None:
                on_epoch(ep)
            if stop:
                result.stopped_early = True
                break
        if self.early_stopper is not None and self.early_stopper.best_state is not None:
            self.restore(self.early_stopper.best_state)
            result.best_epoch = self.early_stopper.best_epoch
        return result
