"""A headless training run: open a run folder (new or resumed), train, and stop safely.

:class:`TrainingRun` is what ``tuinn train`` drives; it never prints. What a person
should see — a fold finished, an epoch finished, a warning, an interruption — is handed
to a :class:`RunEvents` object (``tuinn.cli.train.Printer`` on the command line), so the
same run can be driven by something else (the TUI) later.

Everything that can be refused is checked in :meth:`TrainingRun.open`, before the first
byte is written. Once training runs, every way it can stop keeps the last complete
checkpoint: a stop signal (:class:`Interruption`, exit 130 / 143 / 129, see
:mod:`tuinn.training.interrupts`), a non-finite loss (:class:`DivergedError`, exit 3), a
write that fails (:class:`~tuinn.training.run_folder.WriteError`, exit 2). The files and
how they are written are in :mod:`tuinn.training.run_folder`.
"""

from __future__ import annotations

import contextlib
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from tuinn.config.spec import Experiment, apply_overrides, from_dict, to_dict
from tuinn.errors import CheckpointError, ConfigError, DivergedError, TuinnError, attach_source
from tuinn.training import checkpoint
from tuinn.training.interrupts import Interrupted, SignalGuard, exit_code
from tuinn.training.paths import slug
from tuinn.training.run_folder import (
    CHECKPOINT,
    METRICS,
    RunFolder,
    WriteError,
    check_writable,
    metrics_lines,
    prepare_out,
    trim_metrics,
    write_config,
    writing,
)
from tuinn.training.trainer import EpochResult, FitResult, Trainer


# ------------------------------------------------------------------ spec
def read_spec(config: str, sets: list[str]) -> tuple[dict[str, Any], str]:
    """The raw TOML document of CONFIG (path or built-in) with ``--set`` applied."""
    from tuinn.config.experiments import resolve

    text, source = resolve(config)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"not valid TOML: {exc}", source) from None
    return apply_overrides(raw, sets), source


def make_trainer(exp: Experiment, **kwargs: Any) -> Trainer:
    """A Trainer for ``exp``; errors found when the model meets the data name the file."""
    try:
        return Trainer(exp, **kwargs)
    except ConfigError as exc:
        raise attach_source(exc, exp.source) from None


def _resume_spec(config: str | None, sets: list[str], resume: str, kfold: int | None) -> tuple[Path, dict[str, Any], str]:
    resume_dir = Path(resume)
    if config is not None and config != str(resume_dir):
        raise TuinnError("--resume continues a run with its own config.toml; give either CONFIG or --resume, not both")
    if sets or kfold is not None:
        raise TuinnError("--resume continues the run as it was configured; --set and --kfold cannot change it")
    cfg = resume_dir / "config.toml"
    if not cfg.is_file():
        raise CheckpointError(f"--resume {resume_dir}: no config.toml there (not a tuinn run folder)")
    raw, source = read_spec(str(cfg), [])
    return resume_dir, raw, source


# ---------------------------------------------------------------- events
class FoldEvents(Protocol):
    """What the k-fold phase reports."""

    def folds_resumed(self, folds: list[dict[str, Any]], k: int) -> None:
        """Folds 1..len(folds) of k were finished by an earlier invocation and are kept."""
        ...

    def fold_finished(self, number: int, k: int, metrics: dict[str, Any]) -> None:
        """Fold ``number`` of k is trained and written to ``folds.jsonl``."""
        ...


class RunEvents(FoldEvents, Protocol):
    """What a training run reports while it runs (called in the thread that runs it)."""

    def fit_started(self, total: int, completed: int) -> None:
        """The final model starts training at epoch ``completed`` of ``total``."""
        ...

    def epoch_finished(self, ep: EpochResult, total: int) -> None:
        """An epoch is done and its line is queued for ``metrics.jsonl`` (appended at the next flush: see ``RunFolder.append_epoch``)."""
        ...

    def fit_stopped(self) -> None:
        """The final model stopped training (finished, diverged or interrupted)."""
        ...

    def warning(self, text: str) -> None:
        """Something the user should know that does not stop the run."""
        ...

    def interrupted(self, stop: Interruption) -> None:
        """A stop signal ended the run; what was kept is in ``stop`` (signals are ignored while this runs)."""
        ...


@dataclass(frozen=True)
class Interruption:
    """A run stopped by a signal: which one, and what was kept."""

    signal: str
    exit_code: int
    run_dir: Path
    checkpoint: Path
    folds: Path
    k: int
    folds_done: int | None  # not None: stopped in the k-fold phase, with this many folds kept
    saved_epoch: int | None  # the epoch saved on the way out
    save_error: str | None  # the save on the way out failed: the error and where the last checkpoint is


@dataclass(frozen=True)
class Trained:
    """A run that finished: the cross-validation summary (with k-fold) and the fit."""

    cv: dict[str, Any] | None
    fit: FitResult


# ---------------------------------------------------------------- k-fold
def cross_validate(exp: Experiment, k: int, folder: RunFolder, events: FoldEvents) -> dict[str, Any]:
    """Stratified K-fold over the learning set (everything but the validation split), reported fold by fold.

    Each finished fold is appended to ``folds.jsonl`` at once, so an interrupted k-fold
    phase keeps its finished folds and ``--resume`` trains only the rest (the unfinished
    fold from its start: a fold depends on nothing but the spec, so the final ``cv.json``
    equals an uninterrupted run's).
    """
    from tuinn.training.kfold import iter_folds, summarize

    per_fold = folder.finished_folds(k)
    if per_fold:
        events.folds_resumed(per_fold, k)
        folder.rewrite_folds(per_fold)
    for fold in iter_folds(exp, k, start=len(per_fold) + 1):
        per_fold.append(fold)
        folder.append_fold(len(per_fold), fold)
        events.fold_finished(len(per_fold), k, fold)
    cv = summarize(per_fold)
    folder.write_cv(cv)
    return cv


# ----------------------------------------------------------------- the run
class TrainingRun:
    """An experiment, its trainer and its run folder, ready to train (see the module docstring)."""

    def __init__(self, exp: Experiment, trainer: Trainer, run_dir: Path, resumed: bool, early: dict[str, Any] | None) -> None:
        self.exp = exp
        self.trainer = trainer
        self.resumed = resumed
        self.early = early
        self.started_at = trainer.epoch  # the epoch this invocation starts from
        self.guard = SignalGuard()
        saved = trainer.epoch if resumed and (run_dir / CHECKPOINT).exists() else None
        self.folder = RunFolder(run_dir, self.guard, saved)
        self.spec = to_dict(exp)

    @property
    def run_dir(self) -> Path:
        return self.folder.path

    # ------------------------------------------------------------ opening
    @classmethod
    def open(cls, config: str | None, sets: list[str], resume: str | None = None, epochs: int | None = None,
             kfold: int | None = None, out: str | None = None, check: Callable[[Experiment, Trainer], None] | None = None,
             on_spec: Callable[[Experiment], None] | None = None) -> TrainingRun:
        """Read the spec, build the trainer and prepare the folder; refuse bad input before writing anything.

        ``on_spec`` sees the experiment as soon as it is read (the other ranks of a distributed
        run build their trainers meanwhile); ``check`` may refuse the experiment and its
        trainer (by raising) before the folder is touched.
        """
        resume_dir: Path | None = None
        if resume:
            resume_dir, raw, source = _resume_spec(config, sets, resume, kfold)
        else:
            if config is None:
                raise TuinnError("tuinn train needs CONFIG (a TOML file or built-in name) or --resume RUN_DIR")
            raw, source = read_spec(config, sets)
        if epochs is not None:
            raw.setdefault("train", {})["epochs"] = epochs
        if kfold is not None:
            raw.setdefault("train", {})["kfold"] = kfold
        exp = from_dict(raw, source)
        if on_spec is not None:
            on_spec(exp)
        trainer = make_trainer(exp)
        if check is not None:
            check(exp, trainer)
        if resume_dir is not None:
            early = _reopen(exp, trainer, resume_dir, epochs)
            return cls(exp, trainer, resume_dir, True, early)
        return cls(exp, trainer, _create(exp, trainer, out), False, None)

    # ----------------------------------------------------------- training
    def train(self, events: RunEvents) -> Trained | Interruption:
        """The k-fold phase (when asked for and not finished), then the final model, to the last epoch.

        A stop signal saves the last finished epoch and returns an :class:`Interruption`
        (after ``events.interrupted``); divergence and write errors are raised, naming
        the checkpoint that was kept.
        """
        with self.guard:
            try:
                return self._phases(events)
            except KeyboardInterrupt as exc:
                stop = self._stop(exc)
                events.interrupted(stop)
                return stop
            except DivergedError as exc:
                if getattr(self.trainer, "last_good", None) is None:
                    raise  # a fold diverged: the final model has not started, there is nothing of it to keep
                with self.guard.shutting_down():
                    self.save(self.trainer.state())  # the trainer put back the last weights whose losses were all finite
                raise DivergedError(f"{exc}, in {self.folder.checkpoint}") from None
            except WriteError as exc:
                raise WriteError(f"{exc}; {self.folder.kept()}") from None
            except Exception:  # anything else (a bug): the buffered metrics lines still reach the file, then the error
                with contextlib.suppress(WriteError):
                    self.folder.flush_metrics()
                raise

    def save(self, state: dict[str, Any]) -> None:
        """Checkpoint ``state`` with the spec, the early-stopping bookkeeping and the input standardisation."""
        self.folder.save(self.spec, state, getattr(self.trainer, "early", None), self.trainer.input_info())

    def _phases(self, events: RunEvents) -> Trained:
        trainer, folder = self.trainer, self.folder
        trainer.last_good = None  # type: ignore[assignment]  # set by fit; None tells an interrupt in the k-fold phase
        cv = self._kfold_phase(events) if self.exp.train.kfold else None
        total = self.exp.train.epochs
        if folder.saved_epoch is None:
            self.save(trainer.state())  # epoch 0: the folder is resumable from the start

        def on_epoch(ep: EpochResult) -> None:
            folder.append_epoch(ep)
            events.epoch_finished(ep, total)
            if folder.save_due():
                self.save(trainer.last_good)

        events.fit_started(total, trainer.epoch)
        try:
            fit = trainer.fit(total, on_epoch=on_epoch, early=self.early, on_warning=events.warning)
        finally:
            events.fit_stopped()
        self.save(trainer.state())
        return Trained(cv, fit)

    def _kfold_phase(self, events: RunEvents) -> dict[str, Any]:
        """The cross-validation summary: read back when a resumed run had finished it, else trained (the rest of it)."""
        if self.resumed and self.folder.cv.exists():
            return json.loads(self.folder.cv.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        return cross_validate(self.exp, self.exp.train.kfold or 0, self.folder, events)

    def _stop(self, exc: KeyboardInterrupt) -> Interruption:
        """Save the last finished epoch after a stop signal; further signals wait for the save."""
        folder = self.folder
        what = exc.name if isinstance(exc, Interrupted) else "SIGINT"
        k = self.exp.train.kfold or 0
        stop = Interruption(what, exit_code(exc), folder.path, folder.checkpoint, folder.folds, k, None, None, None)
        with self.guard.shutting_down():
            if getattr(self.trainer, "last_good", None) is None:  # stopped in the k-fold phase
                return replace(stop, folds_done=len(folder.finished_folds(k)))
            state = self.trainer.last_good
            # A signal between an epoch's end (last_good) and its on_epoch left that epoch's
            # line unqueued: queue it from the history, so the checkpoint's epochs all have lines.
            for ep in self.trainer.history:
                if folder.last_queued < ep.epoch <= state["epoch"]:
                    folder.append_epoch(ep)
            try:
                self.save(state)
                folder.trim_metrics(state["epoch"])
            except WriteError as werr:
                return replace(stop, save_error=f"{werr}; {folder.kept()}")
        return replace(stop, saved_epoch=state["epoch"])

    # ------------------------------------------------------------ results
    def results(self, trained: Trained) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """The metrics of the final weights per split, and the ``results.json`` object (not yet written)."""
        trainer = self.trainer
        results = trainer.evaluate_all()
        payload = {
            "epochs_run": trainer.history[-1].epoch if trainer.history else trainer.epoch,
            "train": results.get("train", {}),
            "test": results.get("test", {}),
            "validation": results.get("validation") or None,
            "cv": trained.cv,
            "best_epoch": trained.fit.best_epoch,
            "run_dir": str(self.run_dir),
        }
        if trainer.balance_report:
            payload["balance"] = trainer.balance_report
        return results, payload


def _reopen(exp: Experiment, trainer: Trainer, run_dir: Path, epochs: int | None) -> dict[str, Any] | None:
    """Restore a run folder's checkpoint into ``trainer`` and trim its metrics back to it; the early-stopping state."""
    early = None
    ckpt = run_dir / CHECKPOINT
    if ckpt.exists() or not exp.train.kfold:
        saved = checkpoint.load(ckpt)
        state, early = saved.state, saved.early
        try:
            trainer.restore(state)
        except (KeyError, ValueError, TypeError, RuntimeError) as exc:  # RuntimeError: torch's generator state of another device
            raise CheckpointError(f"{ckpt}: does not match {run_dir / 'config.toml'} ({exc})") from None
    # else: stopped in the k-fold phase before the first checkpoint; start the final run at epoch 0
    records = metrics_lines(run_dir / METRICS)
    if exp.train.epochs <= trainer.epoch:
        how = f"--epochs {epochs}" if epochs is not None else f"train.epochs = {exp.train.epochs}"
        raise TuinnError(f"--resume {run_dir}: {how}, but the run has already trained {trainer.epoch} epochs; "
                         f"give --epochs N with N > {trainer.epoch} to train on")
    check_writable(run_dir)
    with writing(run_dir / METRICS):
        trim_metrics(run_dir / METRICS, trainer.epoch, records)
    if epochs is not None:
        write_config(run_dir, to_dict(exp))
    return early


def _create(exp: Experiment, trainer: Trainer, out: str | None) -> Path:
    """A new run folder holding ``config.toml`` first: a run folder always says what it is."""
    learning = len(trainer.dataset.train) + len(trainer.dataset.test)
    if exp.train.kfold and learning < exp.train.kfold:
        k = exp.train.kfold
        raise TuinnError(f"train.kfold = {k}: {learning} samples cannot be split into {k} folds (fewer samples than folds)")
    run_dir = prepare_out(out, slug(exp.name))
    write_config(run_dir, to_dict(exp))
    return run_dir
