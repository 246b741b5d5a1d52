"""K-fold cross-validation run from the app: progress, a line per fold, mean ± std at the end.

One test split is one roll of the dice; K models each judged on the fold they did not see
give a spread (:mod:`tuinn.training.kfold`). The K models train in the background
(:class:`~tuinn.tui.training_job.TrainingJobPanel`: a ProgressBar counts folds × epochs, the
job can be cancelled between epochs; folds of one shape train together on the batched engine,
so they appear together at the end), on copies of the spec and the playground's own
dataset; the playground itself is not touched.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from rich import box
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar, Select, Static

from tuinn.training.kfold import iter_folds, metric_names, summarize
from tuinn.tui.training_job import TrainingJobPanel, epochs_text, job_epochs, per_model
from tuinn.tui.widgets.metrics_table import fmt_value

if TYPE_CHECKING:
    from tuinn.config.spec import Experiment
    from tuinn.session.playground import Playground

#: The K offered (the lecture's usual choices).
KS = (3, 5, 10)
#: Column headers of the per-fold table.
LABELS = {"accuracy": "accuracy", "auc": "AUC", "sensitivity": "sens.", "specificity": "spec.", "loss": "loss",
          "mse": "MSE", "mae": "MAE", "r2": "R²"}
def default_k(exp: Experiment) -> int:
    """The spec's ``train.kfold`` when it is one of :data:`KS`, else 5."""
    return exp.train.kfold if exp.train.kfold in KS else 5


class KFoldPanel(TrainingJobPanel):
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

    JOB_PROGRESS = "#kfold-progress"

    def __init__(self, playground: Playground, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ready = False
        self.pg = playground
        self.k = default_k(playground.experiment)
        self.per_fold: list[dict[str, float]] = []
        #: :func:`crossval.summarize` of the finished folds, once all K are done.
        self.summary: dict[str, Any] | None = None
        self.names: tuple[str, ...] = metric_names(playground.trainer)

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
        self.per_fold, self.summary = [], None
        k, epochs = self.k, self.epochs
        # on_progress, not on_epoch: the folds train together on the batched engine (a few runs' time instead of K)
        self.start_training(k * epochs, lambda on_epoch: iter_folds(exp, k, epochs, base=base, on_progress=per_model(on_epoch)))

    def cancel(self) -> None:
        """Cancel the job: the panel says "cancelled" at once, the worker stops at the end of the epoch it is in."""
        self.cancel_job()

    def forget(self) -> None:
        """Drop finished results (the spec changed under them, e.g. another balance method); a running job is left alone."""
        if not self.running:
            self.per_fold, self.summary, self.error, self.state = [], None, "", "idle"
            self.query_one("#kfold-progress", ProgressBar).update(total=1, progress=0)
            self.redraw()

    def job_item(self, item: dict[str, float]) -> None:
        self.per_fold.append(item)

    def job_done(self, result: None) -> None:
        self.summary = summarize(self.per_fold)

    # ------------------------------------------------------------ drawing
    def redraw(self) -> None:
        """The info line and the table of the folds so far (mean and std once all are in)."""
        if not self.ready:
            return
        epochs, why = job_epochs(self.pg) if self.state == "idle" else (self.epochs, epochs_text(self.epochs))
        info = {
            "idle": f"k: run {self.k} folds × {why}",
            "running": f"fold {min(len(self.per_fold) + 1, self.k)} of {self.k} · {epochs_text(epochs)} each · k: cancel",
            "done": f"{self.k} folds × {epochs_text(epochs)} · k: run again",
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
