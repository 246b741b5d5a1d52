"""Headless runs: ``tuinn train`` and ``tuinn eval``.

A run lives in a folder: ``config.toml`` (the fully resolved spec), ``metrics.jsonl``
(one JSON object per epoch), ``model.safetensors`` (weights and training state),
``results.json`` (the final metrics) and, with k-fold, ``cv.json``. Every file is
written atomically (temporary file + rename) except ``metrics.jsonl``, which is
appended one complete line at a time and trimmed back to the checkpoint on resume.

Human output goes to stdout (to stderr with ``--json``, whose object is the last
line of stdout). Bad input is a one-line error, exit 2, before anything is written;
divergence exits 3 and keeps the last finite weights; Ctrl-C saves the last finished
epoch and exits 130.
"""

from __future__ import annotations

import json
import math
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from tuinn.config.spec import Experiment, apply_overrides, from_dict, to_dict
from tuinn.errors import CheckpointError, ConfigError, DivergedError, TuinnError, attach_source
from tuinn.training import checkpoint
from tuinn.training.interrupts import Interrupted, SignalGuard, exit_code
from tuinn.training.paths import slug
from tuinn.training.trainer import EpochResult, FitResult, Trainer

CHECKPOINT = "model.safetensors"
SAVE_EVERY_S = 10.0
SPLITS = ("train", "test", "validation")


def json_safe(obj: Any) -> Any:
    """Plain JSON: NaN and ±inf become null (strict parsers reject NaN)."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


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
    try:
        return Trainer(exp, **kwargs)
    except ConfigError as exc:
        raise attach_source(exc, exp.source) from None


def describe_model(exp: Experiment, n_inputs: int) -> str:
    return "-".join([str(n_inputs)] + [str(layer.units) for layer in exp.model.layers])


# ---------------------------------------------------------------- output
class Output:
    """Where human-readable lines go (stdout, or stderr when stdout carries JSON)."""

    def __init__(self, json_mode: bool, quiet: bool) -> None:
        from rich.console import Console

        self.quiet = quiet
        self.console = Console(file=sys.stderr if json_mode else sys.stdout, highlight=False, soft_wrap=True)

    def line(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text, markup=False)


def keras_line(ep: EpochResult, total: int) -> str:
    """``Epoch 3/100 - 0.01s - loss: … - accuracy: … - test_loss: …`` (Keras' habit)."""
    parts = [f"Epoch {ep.epoch}/{total}", f"{ep.seconds:.2f}s"]
    for split, metrics in ep.splits.items():
        prefix = "" if split == "train" else f"{split}_"
        for key in ("loss", "accuracy", "auc", "r2"):
            if key in metrics and metrics[key] is not None:
                parts.append(f"{prefix}{key}: {metrics[key]:.4f}")
    return " - ".join(parts)


def results_table(results: dict[str, dict[str, Any]], title: str, columns: list[str] | None = None) -> Any:
    from rich.table import Table

    splits = [s for s in (columns or SPLITS) if results.get(s)]
    keys = [k for k in ("loss", "accuracy", "precision", "sensitivity", "specificity", "f1", "auc", "mse", "mae", "r2")
            if any(k in results[s] for s in splits)]
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for s in splits:
        table.add_column(s, justify="right")
    for k in keys:
        table.add_row(k, *[_fmt(results[s].get(k)) for s in splits])
    return table


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:.4f}" if isinstance(v, float) else str(v)


# ------------------------------------------------------------ run folder
def prepare_out(out: str | None, name: str) -> Path:
    """Create the run folder; refuse one that already holds files (nothing is touched)."""
    path = Path(out) if out else Path("runs") / f"{name}-{datetime.now():%Y%m%d-%H%M%S}"
    if path.exists() and not path.is_dir():
        raise TuinnError(f"--out {path}: exists and is not a folder")
    if path.is_dir() and any(path.iterdir()):
        raise TuinnError(f"--out {path}: already holds files; choose a new folder, or continue it with --resume {path}")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".tuinn-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise TuinnError(f"--out {path}: cannot write there ({exc.strerror or exc})") from None
    return path


def append_metrics(path: Path, ep: EpochResult, fold: int | None = None) -> None:
    record = ep.to_json()
    if fold is not None:
        record = {"fold": fold, **record}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(json_safe(record)) + "\n")
        fh.flush()


def metrics_lines(path: Path) -> list[tuple[int, str]]:
    """(epoch, line) of every record of ``metrics.jsonl``, checked before ``--resume`` touches anything.

    A line cut short by a kill while it was being written (the last one, without its
    newline) is dropped. Anything else that is not a JSON object with an integer ``epoch``
    (or a ``fold``) is a damaged file: one line naming it, exit 2, nothing changed.
    """
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    lines = text.split("\n")
    torn = lines.pop()  # "" when the file ends with a newline, else a line whose write was cut short
    out: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            epoch = record.get("epoch") if isinstance(record, dict) else None
            if "fold" in record:
                epoch = -1
        except json.JSONDecodeError:
            epoch = None
        if not isinstance(epoch, int) or isinstance(epoch, bool):
            raise CheckpointError(f"{path}: line {number} is not a metrics record ({line[:40]!r}); "
                                  f"repair or delete the line to resume")
        out.append((epoch, line))
    del torn
    return out


def trim_metrics(path: Path, epoch: int, lines: list[tuple[int, str]] | None = None) -> None:
    """Drop metrics lines of epochs after the checkpoint (they will be run again)."""
    if not path.exists():
        return
    lines = metrics_lines(path) if lines is None else lines
    checkpoint.atomic_write_text(path, "".join(line + "\n" for e, line in lines if e <= epoch))


# ---------------------------------------------------------------- k-fold
FOLDS = "folds.jsonl"


def read_finished_folds(path: Path, k: int) -> list[dict[str, Any]]:
    """The folds a k-fold phase finished before it stopped (``folds.jsonl``, one line per fold).

    A line cut short by a kill, or anything after a line that does not continue the
    sequence 1, 2, …, is dropped: that fold is trained again.
    """
    done: list[dict[str, Any]] = []
    if not path.exists():
        return done
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: cannot read the finished folds ({getattr(exc, 'strerror', None) or exc})") from None
    for line in lines:
        try:
            record = json.loads(line)
            ok = isinstance(record, dict) and record.get("fold") == len(done) + 1 and isinstance(record.get("metrics"), dict)
        except json.JSONDecodeError:
            ok = False
        if not ok or len(done) >= k:
            break
        done.append({m: float("nan") if v is None else float(v) for m, v in record["metrics"].items()})
    return done


def cross_validate(exp: Experiment, k: int, out: Output, run_dir: Path, guard: SignalGuard | None = None) -> dict[str, Any]:
    """Stratified K-fold over the learning set (everything but the validation split), with a line per fold.

    Each finished fold is appended to ``folds.jsonl`` at once, so an interrupted k-fold
    phase keeps its finished folds and ``--resume`` trains only the rest (the unfinished
    fold from its start: a fold depends on nothing but the spec, so the final ``cv.json``
    equals an uninterrupted run's).
    """
    from tuinn.training.kfold import iter_folds, summarize

    guard = guard if guard is not None else SignalGuard()  # not entered: its critical() only nests
    folds_path = run_dir / FOLDS
    per_fold = read_finished_folds(folds_path, k)
    if per_fold:
        out.line(f"k-fold: folds 1-{len(per_fold)} of {k} were finished before; going on with fold {len(per_fold) + 1}")
        for i, fold in enumerate(per_fold, 1):
            out.line(f"Fold {i}/{k} - " + " - ".join(f"{m}: {_fmt(v)}" for m, v in fold.items()))
        with guard.critical(), writing(folds_path):  # drop a torn last line before appending after it
            checkpoint.atomic_write_text(folds_path, "".join(
                json.dumps(json_safe({"fold": i, "metrics": f})) + "\n" for i, f in enumerate(per_fold, 1)))
    for fold in iter_folds(exp, k, start=len(per_fold) + 1):
        per_fold.append(fold)
        with guard.critical(), writing(folds_path), open(folds_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(json_safe({"fold": len(per_fold), "metrics": fold})) + "\n")
        out.line(f"Fold {len(per_fold)}/{k} - " + " - ".join(f"{m}: {_fmt(v)}" for m, v in fold.items()))
    cv = summarize(per_fold)
    with guard.critical(), writing(run_dir / "cv.json"):
        checkpoint.atomic_write_text(run_dir / "cv.json", json.dumps(json_safe(cv), indent=2))
    return cv


# ------------------------------------------------------------ write errors
class WriteError(TuinnError):
    """A file of the run could not be written (full disk, read-only folder, …)."""


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into one line naming the path and the OS error."""
    try:
        yield
    except OSError as exc:
        raise WriteError(f"{path}: cannot write ({exc.strerror or exc})") from None


def check_writable(folder: Path) -> None:
    """Refuse a run folder we cannot write to, before anything in it changes."""
    probe = folder / ".tuinn-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise WriteError(f"{folder}: cannot write there ({exc.strerror or exc})") from None


# ---------------------------------------------------------------- train
def _resume_spec(args: Any) -> tuple[Path, dict[str, Any], str]:
    resume_dir = Path(args.resume)
    if args.config is not None and args.config != str(resume_dir):
        raise TuinnError("--resume continues a run with its own config.toml; give either CONFIG or --resume, not both")
    if args.set or args.kfold is not None:
        raise TuinnError("--resume continues the run as it was configured; --set and --kfold cannot change it")
    cfg = resume_dir / "config.toml"
    if not cfg.is_file():
        raise CheckpointError(f"--resume {resume_dir}: no config.toml there (not a tuinn run folder)")
    raw, source = read_spec(str(cfg), [])
    return resume_dir, raw, source


def train(args: Any) -> int:
    """``tuinn train``: see the module docstring.

    Everything that can be refused is checked before the first byte is written. Once
    training runs, every way it can stop keeps the last complete checkpoint and says
    what happened in one line: a stop signal (130 / 143 / 129, see
    :mod:`tuinn.training.interrupts`), a non-finite loss (3), a write that fails (2).
    """
    out = Output(args.json, args.quiet)
    resume_dir: Path | None = None
    if args.resume:
        resume_dir, raw, source = _resume_spec(args)
    else:
        if args.config is None:
            raise TuinnError("tuinn train needs CONFIG (a TOML file or built-in name) or --resume RUN_DIR")
        raw, source = read_spec(args.config, args.set)
    if args.epochs is not None:
        raw.setdefault("train", {})["epochs"] = args.epochs
    if args.kfold is not None:
        raw.setdefault("train", {})["kfold"] = args.kfold
    exp = from_dict(raw, source)
    trainer = make_trainer(exp)
    early = None
    started_at = 0  # the epoch this invocation starts from
    if resume_dir is not None:
        run_dir = resume_dir
        ckpt = run_dir / CHECKPOINT
        if ckpt.exists() or not exp.train.kfold:
            saved = checkpoint.load(ckpt)
            state, early = saved.state, saved.early
            try:
                trainer.restore(state)
            except (KeyError, ValueError, TypeError, RuntimeError) as exc:  # RuntimeError: torch's generator state of another device
                raise CheckpointError(f"{ckpt}: does not match {run_dir / 'config.toml'} ({exc})") from None
        # else: stopped in the k-fold phase before the first checkpoint; start the final run at epoch 0
        started_at = trainer.epoch
        records = metrics_lines(run_dir / "metrics.jsonl")
        if exp.train.epochs <= trainer.epoch:
            how = f"--epochs {args.epochs}" if args.epochs is not None else f"train.epochs = {exp.train.epochs}"
            raise TuinnError(f"--resume {run_dir}: {how}, but the run has already trained {trainer.epoch} epochs; "
                             f"give --epochs N with N > {trainer.epoch} to train on")
        check_writable(run_dir)
        with writing(run_dir / "metrics.jsonl"):
            trim_metrics(run_dir / "metrics.jsonl", trainer.epoch, records)
        if args.epochs is not None:
            import tomli_w

            with writing(run_dir / "config.toml"):
                checkpoint.atomic_write_text(run_dir / "config.toml", tomli_w.dumps(to_dict(exp)))
    else:
        learning = len(trainer.dataset.train) + len(trainer.dataset.test)
        if exp.train.kfold and learning < exp.train.kfold:
            k = exp.train.kfold
            raise TuinnError(f"train.kfold = {k}: {learning} samples cannot be split into {k} folds (fewer samples than folds)")
        run_dir = prepare_out(args.out, slug(exp.name))
        # config.toml first: a run folder always says what it is.
        import tomli_w

        with writing(run_dir / "config.toml"):
            checkpoint.atomic_write_text(run_dir / "config.toml", tomli_w.dumps(to_dict(exp)))
    ds = trainer.dataset
    out.line(
        f"tuinn train · {exp.name} · {ds.name}: train {len(trainer.train_idx)} / test {len(trainer.test_idx)}"
        f" / validation {len(trainer.val_idx)} · {describe_model(exp, ds.n_inputs)} · {exp.train.optimizer}"
        f" α={exp.train.learning_rate:g} · batch {trainer.batch_size} · {trainer.model.name} on {trainer.model.device} · run {run_dir}"
    )
    if getattr(trainer.model, "notice", ""):
        out.line(trainer.model.notice)  # type: ignore[attr-defined]
    if trainer.balance_report:
        b = trainer.balance_report
        out.line(f"balance ({b['method']}): class counts {b['before']} → {b['after']}"
                 + (f", class weights {[round(w, 4) for w in b['class_weights']]}" if "class_weights" in b else ""))
    metrics_path = run_dir / "metrics.jsonl"
    ckpt_path = run_dir / CHECKPOINT
    spec_dict = to_dict(exp)
    saved_epoch = [started_at if resume_dir is not None and ckpt_path.exists() else None]
    last_save = [time.monotonic()]
    guard = SignalGuard()

    def save(state: dict[str, Any]) -> None:
        with guard.critical(), writing(ckpt_path):
            checkpoint.save(ckpt_path, spec_dict, state, getattr(trainer, "early", None), trainer.input_info())
        saved_epoch[0] = state["epoch"]
        last_save[0] = time.monotonic()

    def kept() -> str:
        return (f"the last complete checkpoint (epoch {saved_epoch[0]}) is {ckpt_path}" if saved_epoch[0] is not None
                else "no checkpoint was written yet")

    with guard:
        try:
            cv, fit = _train_phases(args, exp, trainer, early, run_dir, resume_dir, out, guard, save, saved_epoch, last_save)
        except KeyboardInterrupt as exc:
            code = exit_code(exc)
            with guard.shutting_down():
                what = exc.name if isinstance(exc, Interrupted) else "SIGINT"
                if getattr(trainer, "last_good", None) is None:  # stopped in the k-fold phase
                    done = len(read_finished_folds(run_dir / FOLDS, exp.train.kfold or 0))
                    print(f"tuinn: interrupted ({what}) in the k-fold phase; {done} of {exp.train.kfold} folds finished and kept in "
                          f"{run_dir / FOLDS} (continue with: tuinn train --resume {run_dir})", file=sys.stderr)
                    return code
                state = trainer.last_good
                try:
                    save(state)
                    with writing(metrics_path):
                        trim_metrics(metrics_path, state["epoch"])
                except WriteError as werr:
                    print(f"tuinn: error: interrupted ({what}), and saving failed: {werr}; {kept()}", file=sys.stderr)
                    return code
            print(f"tuinn: interrupted ({what}); epoch {state['epoch']} saved to {ckpt_path} "
                  f"(continue with: tuinn train --resume {run_dir})", file=sys.stderr)
            return code
        except DivergedError as exc:
            if getattr(trainer, "last_good", None) is None:
                raise  # a fold diverged: the final model has not started, there is nothing of it to keep
            with guard.shutting_down():
                save(trainer.state())  # the trainer put back the last weights whose losses were all finite
            raise DivergedError(f"{exc}, in {ckpt_path}") from None
        except WriteError as exc:
            raise WriteError(f"{exc}; {kept()}") from None
    return _finish(args, exp, trainer, fit, run_dir, out, cv)


def _train_phases(args: Any, exp: Experiment, trainer: Trainer, early: dict[str, Any] | None, run_dir: Path,
                  resume_dir: Path | None, out: Output, guard: SignalGuard, save: Any, saved_epoch: list[int | None],
                  last_save: list[float]) -> tuple[dict[str, Any] | None, FitResult]:
    """The k-fold phase (when asked for and not finished) and the training of the final model."""
    trainer.last_good = None  # type: ignore[assignment]  # set by fit; None tells an interrupt in the k-fold phase
    cv = None
    if exp.train.kfold:
        cv_path = run_dir / "cv.json"
        if resume_dir is not None and cv_path.exists():
            cv = json.loads(cv_path.read_text(encoding="utf-8"))
        else:
            cv = cross_validate(exp, exp.train.kfold, out, run_dir, guard)
    metrics_path = run_dir / "metrics.jsonl"
    total = exp.train.epochs
    if saved_epoch[0] is None:
        save(trainer.state())  # epoch 0: the folder is resumable from the start

    progress = None
    if not args.quiet:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                            TimeElapsedColumn(), console=out.console, transient=True)
        task = progress.add_task("train", total=total, completed=trainer.epoch, info="")

    def on_epoch(ep: EpochResult) -> None:
        with guard.critical(), writing(metrics_path):
            append_metrics(metrics_path, ep)
        if progress is not None:
            train_loss = ep.splits.get("train", {}).get("loss", float("nan"))
            test_loss = ep.splits.get("test", {}).get("loss")
            info = f"loss {train_loss:.4f}" + (f" · test {test_loss:.4f}" if test_loss is not None else "")
            progress.update(task, completed=ep.epoch, info=info)
            progress.console.print(keras_line(ep, total), markup=False, highlight=False)
        # The first finished epoch is saved at once, then at most every SAVE_EVERY_S seconds:
        # a SIGKILL loses at most that much.
        if saved_epoch[0] is None or saved_epoch[0] == 0 or time.monotonic() - last_save[0] > SAVE_EVERY_S:
            save(trainer.last_good)

    def on_warning(text: str) -> None:
        if progress is not None:
            progress.console.print(f"tuinn: warning: {text}", markup=False, highlight=False)
        else:
            print(f"tuinn: warning: {text}", file=sys.stderr)

    if progress is not None:
        progress.start()
    try:
        fit = trainer.fit(total, on_epoch=on_epoch, early=early, on_warning=on_warning)
    finally:
        if progress is not None:
            progress.stop()
    save(trainer.state())
    return cv, fit


def _finish(args: Any, exp: Experiment, trainer: Trainer, fit: FitResult, run_dir: Path, out: Output, cv: dict[str, Any] | None) -> int:
    """The final table, ``results.json`` and the JSON line."""
    results = trainer.evaluate_all()
    if fit.stopped_early:
        out.line(f"early stopping: no improvement of {exp.train.early_stopping.monitor} for "  # type: ignore[union-attr]
                 f"{exp.train.early_stopping.patience} epochs; best epoch {fit.best_epoch} restored")  # type: ignore[union-attr]
    if not args.quiet or not args.json:
        out.console.print(results_table(results, f"{exp.name} · weights of epoch {trainer.epoch}"))
        if cv is not None:
            out.console.print("cross-validation: " + " · ".join(
                f"{m} {cv[m]['mean']:.4f} ± {cv[m]['std']:.4f}" for m in cv if m != "folds"), markup=False)
    payload = {
        "epochs_run": trainer.history[-1].epoch if trainer.history else trainer.epoch,
        "train": results.get("train", {}),
        "test": results.get("test", {}),
        "validation": results.get("validation") or None,
        "cv": cv,
        "best_epoch": fit.best_epoch,
        "run_dir": str(run_dir),
    }
    if trainer.balance_report:
        payload["balance"] = trainer.balance_report
    with writing(run_dir / "results.json"):
        checkpoint.atomic_write_text(run_dir / "results.json", json.dumps(json_safe(payload), indent=2))
    if args.json:
        sys.stdout.write(json.dumps(json_safe(payload)) + "\n")
    return 0


# ----------------------------------------------------------------- eval
def evaluate(args: Any) -> int:
    """``tuinn eval RUN_DIR_OR_CHECKPOINT [--data CONFIG_OR_CSV] [--threshold T] [--latent LAYER] [--json]``.

    Per split (train, test, validation, whole): the metrics at the threshold, for a binary
    problem the point where sensitivity = specificity, and the ROC points (``roc``, by split).
    ``--latent LAYER`` adds the 2-D PCA coordinates of that layer's activations (all samples).
    The report is :func:`tuinn.analysis.evaluation.evaluation_report`, the same the app's Evaluate
    screen shows.
    """
    from tuinn.analysis.evaluation import evaluation_report

    threshold = getattr(args, "threshold", 0.5)
    if not 0.0 <= threshold <= 1.0:
        raise TuinnError(f"--threshold {threshold:g}: must be between 0 and 1")
    target = Path(args.run)
    ckpt = target / CHECKPOINT if target.is_dir() else target
    saved = checkpoint.load(ckpt)
    try:
        exp = from_dict(saved.spec, None)
    except ConfigError as exc:
        raise CheckpointError(f"{ckpt}: its spec is not valid here ({exc})") from None
    latent_layer = getattr(args, "latent", None)
    if latent_layer is not None and not 0 <= latent_layer <= len(exp.model.layers):
        raise TuinnError(f"--latent {latent_layer}: the model has layers 0 (inputs) to {len(exp.model.layers)}")
    if args.data is not None and latent_layer is not None:
        raise TuinnError("--latent works on the model's own data; it cannot be combined with --data")
    payload: dict[str, Any] = {"checkpoint": str(ckpt)}
    if args.data is None:
        trainer = make_trainer(exp)
        _load_weights(trainer.model, saved, ckpt)
        with np.errstate(over="ignore", invalid="ignore"):
            report = evaluation_report(trainer, threshold)
        splits = report["splits"]
        payload.update(task=report["task"], threshold=threshold)
        roc = {name: r.pop("roc") for name, r in splits.items() if "roc" in r}
        payload.update(splits)
        payload["roc"] = roc
        if latent_layer is not None:
            payload["latent"] = _latent_json(trainer, latent_layer)
        title = f"{exp.name} · {ckpt}" + (f" · threshold {threshold:g}" if trainer.dataset.labels is not None else "")
    else:
        splits = {"data": evaluate_other(exp, saved, ckpt, args.data, threshold)}
        payload["threshold"] = threshold
        roc = {"data": splits["data"].pop("roc")} if "roc" in splits["data"] else {}
        payload.update(data=splits["data"], roc=roc)
        title = f"{exp.name} · {ckpt} on {args.data}"
    if args.json:
        sys.stdout.write(json.dumps(json_safe(payload)) + "\n")
        return 0
    from rich.console import Console

    console = Console(highlight=False)
    console.print(results_table(splits, title, columns=[*SPLITS, "whole", "data"]))
    for name, r in splits.items():
        eq = r.get("equal_error")
        if eq:
            console.print(f"{name}: sensitivity = specificity at threshold {eq['threshold']:.4f}: "
                          f"sensitivity {eq['sensitivity']:.4f}, specificity {eq['specificity']:.4f}", markup=False)
    if "latent" in payload:
        lat = payload["latent"]
        console.print(f"latent space of {lat['layer_name']}: PCA, explained variance "
                      + ", ".join(f"{v:.1%}" for v in lat["explained"]) + " (the coordinates are in --json)", markup=False)
    return 0


def _latent_json(trainer: Trainer, layer: int) -> dict[str, Any]:
    from tuinn.analysis.latent import latent_view

    view = latent_view(trainer, layer, "pca", split="whole")
    out: dict[str, Any] = {"layer": layer, "layer_name": view.layer_name, "method": view.method, "split": "whole",
                           "explained": view.explained.tolist() if view.explained is not None else None,
                           "coords": view.coords.tolist()}
    if view.labels is not None:
        out["labels"] = view.labels.tolist()
        out["class_names"] = view.class_names
        out["separation"] = view.separation
    else:
        out["values"] = view.values.tolist() if view.values is not None else None
    return out


def _load_weights(network: Any, saved: checkpoint.Checkpoint, ckpt: Path) -> None:
    try:
        network.set_parameters(saved.state["params"])
    except (KeyError, ValueError) as exc:
        raise CheckpointError(f"{ckpt}: the weights do not match the spec stored with them ({exc})") from None


def evaluate_other(exp: Experiment, saved: checkpoint.Checkpoint, ckpt: Path, data: str, threshold: float = 0.5) -> dict[str, Any]:
    """Metrics of a saved model on other data: a CSV file, a registered dataset, or an experiment's [data].

    Needs only the checkpoint (weights, standardisation, classes), not the data the
    model was trained on.
    """
    from dataclasses import replace

    from tuinn import metrics
    from tuinn.config.experiments import resolve
    from tuinn.config.spec import DataSpec, loads
    from tuinn.data import source_names
    from tuinn.data.dataset import build_dataset
    from tuinn.training.build import build_network
    from tuinn.training.trainer import seed_streams

    try:
        if data.lower().endswith(".csv"):
            spec = DataSpec(source="csv", path=data, test_fraction=0.0)
        elif data in source_names() and data not in ("csv", "inline") and not Path(data).exists():
            spec = DataSpec(source=data, test_fraction=0.0)
        else:
            text, source = resolve(data)
            spec = replace(loads(text, source).data, test_fraction=0.0, validation_fraction=0.0)
        ds = build_dataset(spec, np.random.default_rng(exp.seed))
    except TuinnError as exc:
        raise TuinnError(f"--data {data}: {exc}") from None
    params = saved.state["params"]
    if "1.W" not in params:
        raise CheckpointError(f"{ckpt}: no first-layer weights (1.W)")
    n_inputs = params["1.W"].shape[1]
    if ds.n_inputs != n_inputs:
        raise TuinnError(f"--data {data}: {ds.n_inputs} input columns but the model reads {n_inputs}")
    streams = seed_streams(exp.seed)
    try:
        network = build_network(exp, n_inputs, streams["init"], streams["dropout"])
    except ConfigError as exc:
        raise CheckpointError(f"{ckpt}: the stored spec does not build ({exc})") from None
    _load_weights(network, saved, ckpt)
    x = ds.x
    if saved.inputs.get("mean") is not None:
        x = (x - np.asarray(saved.inputs["mean"])) / np.asarray(saved.inputs["std"])
    x = x.astype(exp.train.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        out = network.predict(x)
    last = exp.model.layers[-1]
    trained_task = saved.inputs.get("task", ds.task)
    if ds.task != trained_task:
        raise TuinnError(f"--data {data}: a {ds.task} dataset, but the model was trained for {trained_task}")
    result: dict[str, Any] = {}
    try:
        y = ds.targets_for(last.units, last.activation, "model").astype(x.dtype)
    except ConfigError as exc:
        raise TuinnError(f"--data {data}: does not fit the model ({exc.problem})") from None
    result["loss"] = network.evaluate_loss(x, y)
    if ds.labels is not None:
        probs = (out + 1.0) / 2.0 if last.activation == "tanh" else out
        result.update(metrics.classification_report(ds.labels, probs, threshold=threshold))
        if probs.shape[1] <= 2 and ds.labels.min() != ds.labels.max():
            from tuinn.analysis.evaluation import roc_points

            score = probs[:, -1]
            result["roc"] = roc_points(ds.labels, score)
            result["equal_error"] = metrics.threshold_metrics(ds.labels, score, metrics.equal_error_threshold(ds.labels, score))
    else:
        result.update(metrics.regression_report(y, out))
    return result
