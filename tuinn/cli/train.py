"""``tuinn train``: the command, and the printer that shows a headless run to a person.

The run itself (folder, checkpoints, signals) is :class:`tuinn.training.run.TrainingRun`,
which never prints; :class:`Printer` receives its events and writes what a person reads:
the header line, a line per fold, a progress bar with Keras-style epoch lines, warnings,
the interruption line, the results table. Human output goes to stdout (to stderr with
``--json``, whose object is the last line of stdout). Bad input is a one-line error,
exit 2, before anything is written; divergence exits 3 and keeps the last finite weights;
Ctrl-C saves the last finished epoch and exits 130 (SIGTERM 143, SIGHUP 129).
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import Any

from tuinn.config.spec import Experiment
from tuinn.errors import TuinnError
from tuinn.training.run import Interruption, Trained, TrainingRun
from tuinn.training.run_folder import json_safe
from tuinn.training.trainer import EpochResult

SPLITS = ("train", "test", "validation")
#: The progress bar and the epoch lines are updated at most this often (the first and the last epoch always show).
SHOW_EVERY_S = 0.1
#: How often the bar redraws by itself (its clock ticks during a slow epoch); between, it is redrawn with each epoch line.
BAR_REFRESH_PER_S = 1.0
TABLE_METRICS = ("loss", "accuracy", "precision", "sensitivity", "specificity", "f1", "auc", "mse", "mae", "r2")


# ---------------------------------------------------------------- formats
def fmt(v: Any) -> str:
    """A metric in a table or a line: four decimals, "—" for a missing or non-finite value."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:.4f}" if isinstance(v, float) else str(v)


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
    """A rich table: one row per metric any split has, one column per split that has results."""
    from rich.table import Table

    splits = [s for s in (columns or SPLITS) if results.get(s)]
    keys = [k for k in TABLE_METRICS if any(k in results[s] for s in splits)]
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for s in splits:
        table.add_column(s, justify="right")
    for k in keys:
        table.add_row(k, *[fmt(results[s].get(k)) for s in splits])
    return table


def describe_model(exp: Experiment, n_inputs: int) -> str:
    """``2-4-1``: inputs, then the units of each layer."""
    return "-".join([str(n_inputs)] + [str(layer.units) for layer in exp.model.layers])


def fold_line(number: int, k: int, metrics: dict[str, Any]) -> str:
    return f"Fold {number}/{k} - " + " - ".join(f"{m}: {fmt(v)}" for m, v in metrics.items())


def interruption_line(stop: Interruption) -> str:
    """The one line on stderr after a stop signal: what was kept and how to go on."""
    resume = f"(continue with: tuinn train --resume {stop.run_dir})"
    if stop.folds_done is not None:
        return (f"tuinn: interrupted ({stop.signal}) in the k-fold phase; {stop.folds_done} of {stop.k} folds finished and kept in "
                f"{stop.folds} {resume}")
    if stop.save_error is not None:
        return f"tuinn: error: interrupted ({stop.signal}), and saving failed: {stop.save_error}"
    return f"tuinn: interrupted ({stop.signal}); epoch {stop.saved_epoch} saved to {stop.checkpoint} {resume}"


# ---------------------------------------------------------------- printer
class Printer:
    """Shows a :class:`TrainingRun` to a person (a :class:`tuinn.training.run.RunEvents`).

    Lines go to stdout, or to stderr when stdout carries the JSON object; ``quiet``
    drops the progress bar and every line but errors, warnings and the final table
    (kept unless ``--json`` too).

    The bar is drawn only on an interactive terminal (rich draws nothing of it on a pipe
    or a file, where the epoch lines alone are printed), and it redraws by itself once a
    second, not rich's default ten times: its redraw thread competes with training for
    the GIL, which cost ~5-10 % of an epoch of a small net when it woke ten times a second
    (and as much on a pipe, where it drew nothing).
    """

    def __init__(self, json_mode: bool, quiet: bool) -> None:
        from rich.console import Console

        self.json_mode = json_mode
        self.quiet = quiet
        self.console = Console(file=sys.stderr if json_mode else sys.stdout, highlight=False, soft_wrap=True)
        self.progress: Any = None  # the bar: on an interactive terminal only
        self._task: Any = None
        self._fitting = False  # between fit_started and fit_stopped, not quiet: epochs are shown
        self._last: tuple[EpochResult, int] | None = None  # the last epoch finished, and the total
        self._shown = 0  # the last epoch shown
        self._shown_at = -math.inf

    def line(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text, markup=False)

    def header(self, run: TrainingRun) -> None:
        """The data, split sizes, model, optimizer, backend and folder; the backend's notice; the class balance."""
        exp, trainer = run.exp, run.trainer
        ds = trainer.dataset
        world = getattr(run, "world", None)
        procs = f" × {world.size} processes" if world is not None and world.distributed else ""
        self.line(
            f"tuinn train · {exp.name} · {ds.name}: train {len(trainer.train_idx)} / test {len(trainer.test_idx)}"
            f" / validation {len(trainer.val_idx)} · {describe_model(exp, ds.n_inputs)} · {exp.train.optimizer}"
            f" α={exp.train.learning_rate:g} · batch {trainer.batch_size} · {trainer.model.name} on {trainer.model.device}{procs}"
            f" · run {run.run_dir}"
        )
        if getattr(trainer.model, "notice", ""):
            self.line(trainer.model.notice)  # type: ignore[attr-defined]
        if trainer.balance_report:
            b = trainer.balance_report
            self.line(f"balance ({b['method']}): class counts {b['before']} → {b['after']}"
                      + (f", class weights {[round(w, 4) for w in b['class_weights']]}" if "class_weights" in b else ""))

    # RunEvents
    def folds_resumed(self, folds: list[dict[str, Any]], k: int) -> None:
        self.line(f"k-fold: folds 1-{len(folds)} of {k} were finished before; going on with fold {len(folds) + 1}")
        for i, fold in enumerate(folds, 1):
            self.line(fold_line(i, k, fold))

    def fold_finished(self, number: int, k: int, metrics: dict[str, Any]) -> None:
        self.line(fold_line(number, k, metrics))

    def fit_started(self, total: int, completed: int) -> None:
        if self.quiet:
            return
        self._fitting = True
        if not self.console.is_interactive:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                                 TimeElapsedColumn(), console=self.console, transient=True, refresh_per_second=BAR_REFRESH_PER_S)
        self._task = self.progress.add_task("train", total=total, completed=completed, info="")
        self.progress.start()

    def epoch_finished(self, ep: EpochResult, total: int) -> None:
        """Show the epoch when SHOW_EVERY_S has passed since the last one shown, or it is the last.

        Why at most ~10 a second: a line and a bar per epoch cost more than the epoch of
        a small net (~0.5 ms on a terminal), and a thousand lines a second are unreadable.
        The epochs not shown are all in ``metrics.jsonl``.
        """
        if not self._fitting:
            return
        self._last = (ep, total)
        now = time.monotonic()
        if ep.epoch >= total or now - self._shown_at >= SHOW_EVERY_S:
            self._show(ep, total)
            self._shown_at = now

    def _show(self, ep: EpochResult, total: int) -> None:
        if self.progress is not None:
            train_loss = ep.splits.get("train", {}).get("loss", float("nan"))
            test_loss = ep.splits.get("test", {}).get("loss")
            info = f"loss {train_loss:.4f}" + (f" · test {test_loss:.4f}" if test_loss is not None else "")
            self.progress.update(self._task, completed=ep.epoch, info=info, refresh=True)
        self.console.print(keras_line(ep, total), markup=False, highlight=False)
        self._shown = ep.epoch

    def fit_stopped(self) -> None:
        """The last epoch trained is always shown (early stopping, a divergence or a stop signal ended the run)."""
        if not self._fitting:
            return
        if self._last is not None and self._last[0].epoch != self._shown:
            self._show(*self._last)
        self._fitting = False
        if self.progress is not None:
            self.progress.stop()
        else:
            self.console.print()  # what rich's Progress.stop prints off a terminal: a blank line before the table

    def warning(self, text: str) -> None:
        if self._fitting:  # among the epoch lines (above the bar)
            self.console.print(f"tuinn: warning: {text}", markup=False, highlight=False)
        else:
            print(f"tuinn: warning: {text}", file=sys.stderr)

    def interrupted(self, stop: Interruption) -> None:
        print(interruption_line(stop), file=sys.stderr)

    # the end
    def summary(self, run: TrainingRun, trained: Trained, results: dict[str, dict[str, Any]]) -> None:
        """Early stopping, the table of the final weights and the cross-validation line."""
        exp, fit, cv = run.exp, trained.fit, trained.cv
        if fit.stopped_early:
            self.line(f"early stopping: no improvement of {exp.train.early_stopping.monitor} for "  # type: ignore[union-attr]
                      f"{exp.train.early_stopping.patience} epochs; best epoch {fit.best_epoch} restored")  # type: ignore[union-attr]
        if not self.quiet or not self.json_mode:
            self.console.print(results_table(results, f"{exp.name} · weights of epoch {run.trainer.epoch}"))
            if cv is not None:
                self.console.print("cross-validation: " + " · ".join(
                    f"{m} {cv[m]['mean']:.4f} ± {cv[m]['std']:.4f}" for m in cv if m != "folds"), markup=False)


class Bystander:
    """The events of a rank other than 0 of a distributed run: it shows nothing (rank 0 speaks for the run)."""

    def folds_resumed(self, folds: list[dict[str, Any]], k: int) -> None:
        return None

    def fold_finished(self, number: int, k: int, metrics: dict[str, Any]) -> None:
        return None

    def fit_started(self, total: int, completed: int) -> None:
        return None

    def epoch_finished(self, ep: EpochResult, total: int) -> None:
        return None

    def fit_stopped(self) -> None:
        return None

    def warning(self, text: str) -> None:
        return None

    def interrupted(self, stop: Interruption) -> None:
        return None


# ---------------------------------------------------------------- command
def train_command(args: Any) -> int:
    """``tuinn train``: open the run (or refuse, exit 2), show it while it trains, write ``results.json``.

    Under torchrun (``WORLD_SIZE`` > 1) this process is one rank of a distributed run;
    with ``--nproc N`` it starts N of them through torch's launcher.
    """
    from tuinn.backends.world import World

    world = World.from_env()
    if args.nproc is not None and args.nproc > 1:
        if world.distributed:
            raise TuinnError("--nproc starts torchrun's launcher itself: under torchrun, leave it out")
        return launch_command(args)
    if world.distributed:
        return distributed_command(args, world)
    run = TrainingRun.open(args.config, args.set, resume=args.resume, epochs=args.epochs, kfold=args.kfold, out=args.out)
    run.trainer.epoch_metrics = getattr(args, "metrics", "basic")
    return finish(run, Printer(args.json, args.quiet), args.json)


def finish(run: TrainingRun, printer: Printer, json_mode: bool) -> int:
    """Train an opened run, show it, write ``results.json`` (and the JSON line); the exit status."""
    printer.header(run)
    trained = run.train(printer)
    if isinstance(trained, Interruption):
        return trained.exit_code
    results, payload = run.results(trained)
    printer.summary(run, trained, results)
    run.folder.write_results(payload)
    if json_mode:
        sys.stdout.write(json.dumps(json_safe(payload)) + "\n")
    return 0


def worker_argv(args: Any) -> list[str]:
    """The ``tuinn train`` arguments each of the ``--nproc`` processes gets (all but ``--nproc``)."""
    argv = ["train"] + ([args.config] if args.config is not None else [])
    for item in args.set:
        argv += ["--set", item]
    for flag, value in (("--epochs", args.epochs), ("--kfold", args.kfold), ("--out", args.out), ("--resume", args.resume),
                        ("--metrics", getattr(args, "metrics", None))):
        if value is not None:
            argv += [flag, str(value)]
    return argv + [flag for flag, on in (("--json", args.json), ("--quiet", args.quiet)) if on]


def launch_command(args: Any) -> int:
    """``tuinn train --nproc N``: refuse what the spec alone shows is wrong, then run torch's launcher."""
    from tuinn.backends import torch_available
    from tuinn.training.distributed_run import precheck

    if not torch_available():
        raise TuinnError(f"--nproc {args.nproc} trains with PyTorch's DistributedDataParallel, which is not installed "
                         f"(pip install 'tuinn[torch]')")
    precheck(args.config, args.set, args.resume, args.nproc)
    from tuinn.backends.distributed import launch

    return launch(args.nproc, worker_argv(args))


def distributed_command(args: Any, world: Any) -> int:
    """One rank of a torchrun run: rank 0 opens, prints and writes; the others train alongside in silence."""
    from tuinn.backends import distributed as dd
    from tuinn.training.distributed_run import DistributedRun, RankError, precheck

    precheck(args.config, args.set, args.resume, world.size, strict=False)  # every rank, before any waits for another
    dd.start(world)
    run = None
    try:
        run = DistributedRun.open_world(world, args.config, args.set, resume=args.resume, epochs=args.epochs,
                                        kfold=args.kfold, out=args.out)
        if run is None:
            return 2  # rank 0 refused the run and said why
        run.trainer.epoch_metrics = getattr(args, "metrics", "basic")
        if world.main:
            return finish(run, Printer(args.json, args.quiet), args.json)
        trained = run.train(Bystander())
        if isinstance(trained, Interruption):
            return trained.exit_code
        run.results(trained)  # the evaluation of the final weights is shared out: take part in it as rank 0 does
        return 0
    except RankError:
        raise
    except TuinnError as exc:
        if world.main:
            raise
        return int(getattr(exc, "exit_code", 2))  # the same error as rank 0's (divergence, a refusal): rank 0 says it once
    except Exception as exc:
        if world.main or not dd.peer_lost(exc):
            raise
        raise TuinnError(f"rank {world.rank}: the other processes of this run stopped ({str(exc).splitlines()[0][:120]}); "
                         f"rank 0 says why") from None
    finally:
        dd.stop(run.trainer.model if run is not None else None)
