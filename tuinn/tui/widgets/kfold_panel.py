"""K-fold cross-validation run from the app: progress, a line per fold, mean ± std at the end.

One test split is one roll of the dice; K models each judged on the fold they did not see
give a spread (:mod:`tuinn.crossval`). Training K models takes seconds to minutes, so it
runs in a thread worker: the UI stays live, a ProgressBar counts folds × epochs, and the
job is cancelled by raising :class:`JobCancelled` from the per-epoch callback (the only
point where a NumPy training loop can be stopped cleanly). The folds train copies of the
spec on the playground's own dataset; the playground itself is not touched.

:func:`job_epochs` is shared with the balance comparison so both train as long as the
playground has, which is what makes their numbers comparable with the ones on screen.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich import box
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ProgressBar, Select, Static
from textual.worker import get_current_worker

from tuinn.crossval import iter_folds, metric_names, summarize
from tuinn.tui.widgets.metrics_table import fmt_value

if TYPE_CHECKING:
    from tuinn.config import Experiment
    from tuinn.playground import Playground
    from tuinn.training import EpochResult, Trainer

#: The K offered (the lecture's usual choices).
KS = (3, 5, 10)
#: Column headers of the per-fold table.
LABELS = {"accuracy": "accuracy", "auc": "AUC", "sensitivity": "sens.", "specificity": "spec.", "loss": "loss",
          "mse": "MSE", "mae": "MAE", "r2": "R²"}
#: Progress is pushed to the UI at most this often (each push is a round trip to the event loop).
PROGRESS_INTERVAL = 0.1


class JobCancelled(Exception):
    """Raised from a training callback to stop a background job between two epochs."""


def job_epochs(pg: Playground) -> tuple[int, str]:
    """Epochs each background model trains, and why: as far as the playground has trained, else the spec's ``train.epochs``."""
    epoch = pg.trainer.epoch
    if epoch > 0:
        return epoch, f"{epoch} epochs (as far as the playground has trained)"
    n = pg.experiment.train.epochs
    return n, f"{n} epochs (train.epochs of the spec; the playground is at epoch 0)"


def default_k(exp: Experiment) -> int:
    """The spec's ``train.kfold`` when it is one of :data:`KS`, else 5."""
    return exp.train.kfold if exp.train.kfold in KS else 5


def post_to_ui(app: App[Any], fn: Callable[..., None], *args: Any) -> None:
    """Run ``fn(*args)`` on the UI thread from a worker thread; a closed app is not an error (the job just ends)."""
    try:
        app.call_from_thread(fn, *args)
    except RuntimeError:
        pass


class KFoldPanel(Vertical):
    """K (a Select), progress, and the table of folds; :meth:`toggle` starts or cancels the job."""

    DEFAULT_CSS = """
    KFoldPanel { height: auto; padding: 0 1; }
    KFoldPanel .kfold-row { height: 1; }
    KFoldPanel .kfold-row Label { width: 2; }
    KFoldPanel .kfold-row Select { width: 8; }
    KFoldPanel #kfold-info { width: 1fr; padding-left: 1; }
    KFoldPanel ProgressBar { height: 1; }
    KFoldPanel #kfold-bar { width: 1fr; }
    KFoldPanel #kfold-results { height: auto; }
    """

    def __init__(self, playground: Playground, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ready = False
        self.pg = playground
        self.k = default_k(playground.experiment)
        self.epochs = 0
        #: idle, running, done, cancelled or failed.
        self.state = "idle"
        self.error = ""
        self.per_fold: list[dict[str, float]] = []
        #: :func:`crossval.summarize` of the finished folds, once all K are done.
        self.summary: dict[str, Any] | None = None
        self.names: tuple[str, ...] = metric_names(playground.trainer)
        #: Number of the current job: callbacks of an older (cancelled) one that arrive late are ignored.
        self.job = 0

    def compose(self) -> ComposeResult:
        with Horizontal(classes="kfold-row"):
            yield Label("K")
            yield Select([(str(k), k) for k in KS], value=self.k, allow_blank=False, compact=True, id="kfold-k")
            yield Static(id="kfold-info")
        yield ProgressBar(total=1, show_eta=False, id="kfold-progress")
        yield Static(id="kfold-results")

    def on_mount(self) -> None:
        self.ready = True  # the children exist from here on (is_mounted is only set after this handler)
        self.border_title = "K-fold cross-validation"
        self.redraw()

    @on(Select.Changed, "#kfold-k")
    def _k_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, int):
            self.k = event.value
            self.redraw()

    # ------------------------------------------------------------ the job
    @property
    def running(self) -> bool:
        return self.state == "running"

    def toggle(self) -> None:
        """Start the K-fold job, or cancel it when it runs (the `k` key)."""
        if self.running:
            self.cancel()
        else:
            self.start()

    def start(self) -> None:
        """Train K models on copies of the spec (the playground keeps its own) in a thread worker."""
        pg = self.pg
        with pg.lock:
            exp = copy.deepcopy(pg.experiment)
            base = pg.trainer
            self.epochs, _ = job_epochs(pg)
        self.names = metric_names(base)
        self.per_fold, self.summary, self.error = [], None, ""
        self.state = "running"
        self.job += 1
        self.query_one("#kfold-progress", ProgressBar).update(total=self.k * self.epochs, progress=0)
        self.redraw()
        self._run(self.app, self.job, exp, self.k, self.epochs, base)

    def cancel(self) -> None:
        """Ask the worker to stop; it raises at the end of the epoch it is in, and the panel says "cancelled" then."""
        if self.running:
            self.workers.cancel_group(self, "kfold")
            self.state = "cancelled"
            self.redraw()

    def forget(self) -> None:
        """Drop finished results (the spec changed under them, e.g. another balance method); a running job is left alone."""
        if not self.running:
            self.per_fold, self.summary, self.error, self.state = [], None, "", "idle"
            self.query_one("#kfold-progress", ProgressBar).update(total=1, progress=0)
            self.redraw()

    @work(thread=True, exclusive=True, group="kfold")
    def _run(self, app: App[Any], job: int, exp: Experiment, k: int, epochs: int, base: Trainer) -> None:
        worker = get_current_worker()
        done = 0
        last = time.monotonic()

        def on_epoch(_: EpochResult) -> None:
            nonlocal done, last
            if worker.is_cancelled:
                raise JobCancelled
            done += 1
            if time.monotonic() - last >= PROGRESS_INTERVAL:
                last = time.monotonic()
                post_to_ui(app, self._progress, job, done)

        try:
            for fold in iter_folds(exp, k, epochs, base=base, on_epoch=on_epoch):
                if worker.is_cancelled:
                    raise JobCancelled
                post_to_ui(app, self._fold_done, job, fold, done)
        except JobCancelled:
            post_to_ui(app, self._finish, job, "cancelled", "")
        except Exception as exc:  # a failed fold (diverged, K too large) is shown, not raised into the app
            post_to_ui(app, self._finish, job, "failed", str(exc))
        else:
            post_to_ui(app, self._finish, job, "done", "")

    # UI-thread callbacks: the panel may have gone with its screen by the time they run.
    def _current(self, job: int) -> bool:
        return self.is_attached and job == self.job

    def _progress(self, job: int, done: int) -> None:
        if self._current(job) and self.running:
            self.query_one("#kfold-progress", ProgressBar).update(progress=done)

    def _fold_done(self, job: int, fold: dict[str, float], done: int) -> None:
        if not self._current(job) or not self.running:
            return
        self.per_fold.append(fold)
        self.query_one("#kfold-progress", ProgressBar).update(progress=done)
        self.redraw()

    def _finish(self, job: int, state: str, error: str) -> None:
        if not self._current(job):
            return
        if self.state == "cancelled" or state == "cancelled":
            self.state = "cancelled"
        else:
            self.state, self.error = state, error
            if state == "done":
                self.summary = summarize(self.per_fold)
                self.query_one("#kfold-progress", ProgressBar).update(progress=self.k * self.epochs)
        self.redraw()

    # ------------------------------------------------------------ drawing
    def redraw(self) -> None:
        """The info line and the table of the folds so far (mean and std once all are in)."""
        if not self.ready:
            return
        epochs, why = job_epochs(self.pg) if self.state == "idle" else (self.epochs, f"{self.epochs} epochs")
        info = {
            "idle": f"k: run {self.k} folds × {why}",
            "running": f"fold {min(len(self.per_fold) + 1, self.k)} of {self.k} · {epochs} epochs each · k: cancel",
            "done": f"{self.k} folds × {epochs} epochs · k: run again",
            "cancelled": f"cancelled after {len(self.per_fold)} of {self.k} folds · k: run again",
            "failed": f"failed: {self.error}",
        }[self.state]
        self.query_one("#kfold-info", Static).update(Text(info, style="red" if self.state == "failed" else ""))
        self.query_one("#kfold-results", Static).update(self.table())

    def table(self) -> Table | Text:
        if not self.per_fold and self.summary is None:
            return Text("held-out metrics of each fold appear here; mean ± std when all K are done", style="dim")
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, show_edge=False)
        table.add_column(Text("fold", style="bold"), no_wrap=True)
        for m in self.names:
            table.add_column(Text(LABELS.get(m, m), style="bold"), justify="right", no_wrap=True)
        for i, fold in enumerate(self.per_fold, 1):
            table.add_row(Text(f"{i}/{self.k}"), *[Text(fmt_value(fold[m])) for m in self.names])
        if self.summary is not None:
            table.add_row(Text("mean", style="bold"), *[Text(fmt_value(self.summary[m]["mean"]), style="bold") for m in self.names])
            table.add_row(Text("± std", style="bold"), *[Text("± " + fmt_value(self.summary[m]["std"]), style="bold") for m in self.names])
        return table
