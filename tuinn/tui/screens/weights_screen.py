"""Which inputs matter, read from the weights, and whether that reading survives a new seed.

Two bar charts read the current model: the first layer's mean |W| per input (what the
lecture's slide shows, cheap, but blind to everything after layer 1) and the mean
|∂ŷ/∂x| over the training split (the sensitivity of the prediction through the whole
network). One trained model is one draw: `n` trains N more that differ only in their
seed (same data, same split, see :func:`tuinn.analysis.importance.insight`) as a background
job (:mod:`tuinn.tui.jobs`), fills a row per model as each finishes, and then says how much their rankings agree. A
ranking that changes from seed to seed is not a property of the data.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Select, Static

from tuinn.analysis.importance import importances, insight
from tuinn.errors import TuinnError
from tuinn.session.playground import Playground
from tuinn.tui.jobs import BackgroundJob, JobReport
from tuinn.tui.widgets.importance_bars import ImportanceBars
from tuinn.tui.widgets.seed_table import TOP, SeedTable

SEED_CHOICES = (3, 5, 10)
DEFAULT_SEEDS = 5

WEIGHTS_TITLE = "first-layer |W| (mean over units)"
GRADIENT_TITLE = "gradient: mean |∂ŷ/∂x| (over the training split)"
WEIGHTS_WHY = ("What the slide shows, and cheap; but it ignores everything after layer 1: a big weight into a unit "
               "that later layers ignore still counts.")
GRADIENT_WHY = ("How much the prediction moves when the input moves, through the whole network; "
                "usually more stable across trainings than |W|.")


def agreement_lines(agree: dict[str, Any], n_models: int, features: list[str]) -> tuple[str, str]:
    """("glucose first in 5/5", "top-3 overlap 0.87 · Spearman ρ 0.76") for one method's agreement."""
    firsts = round(agree["top1_share"] * n_models)
    return (f"{features[agree['top1']]} first in {firsts}/{n_models}",
            f"top-{agree['k']} overlap {agree['topk_overlap']:.2f} · Spearman ρ {agree['spearman']:.2f}")


class WeightsScreen(BackgroundJob, Screen[None]):
    """Input importance from |W¹| and from the gradient, and its agreement across N seeds."""

    BINDINGS = [
        Binding("n", "seeds", "train N seeds / cancel", id="weights.seeds"),
        Binding("escape", "leave", "back", id="weights.back"),
    ]
    DEFAULT_CSS = """
    WeightsScreen #weights-bars { height: auto; }
    WeightsScreen ImportanceBars { width: 1fr; border: round $primary; }
    WeightsScreen #seeds-controls { height: 3; }
    WeightsScreen #seeds-controls > Static { width: auto; height: 3; content-align: left middle; padding: 0 1; }
    WeightsScreen #seeds-n { width: 14; }
    WeightsScreen #seeds-progress { width: 1fr; height: 3; padding: 1 1; }
    WeightsScreen #seeds-results { height: 1fr; }
    WeightsScreen #seeds-table { width: 3fr; height: 1fr; border: round $primary; }
    WeightsScreen #seeds-agreement { width: 2fr; height: 1fr; border: round $primary; padding: 0 1; }
    """

    JOB_GROUP = "seeds"
    JOB_PROGRESS = "#seeds-progress"
    #: A model that diverges or cannot be built fails the run (shown); anything else is a bug and crashes as one.
    JOB_ERRORS = (TuinnError, ValueError, FloatingPointError)

    def __init__(self, playground: Playground) -> None:
        super().__init__()
        self.playground = playground
        self.features: list[str] = list(playground.trainer.dataset.feature_names)
        self.task_kind = playground.trainer.dataset.task
        self.importance: dict[str, np.ndarray] = {}
        #: The last finished ``insight`` result (None before one finished).
        self.result: dict[str, Any] | None = None

    @property
    def is_modal(self) -> bool:
        """Modal for key bindings: the playground's keys must not train or reset the model shown
        here (and its `n`, one epoch, would be confused with this screen's `n`)."""
        return True

    def compose(self) -> ComposeResult:
        with Vertical():
            with Horizontal(id="weights-bars"):
                yield ImportanceBars(id="bars-weights")
                yield ImportanceBars(id="bars-gradient")
            with Horizontal(id="seeds-controls"):
                yield Static("models to train", id="seeds-label")
                yield Select([(str(n), n) for n in SEED_CHOICES], value=DEFAULT_SEEDS, allow_blank=False, id="seeds-n")
                yield Static(id="seeds-epochs")
                yield ProgressBar(total=1, show_eta=False, id="seeds-progress")
            with Horizontal(id="seeds-results"):
                yield SeedTable(id="seeds-table")
                yield Static(id="seeds-agreement")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#bars-weights").border_title = WEIGHTS_TITLE
        self.query_one("#bars-gradient").border_title = GRADIENT_TITLE
        self.query_one("#seeds-table").border_title = "One model per seed"
        self.query_one("#seeds-agreement").border_title = "Do the models agree?"
        self.set_focus(None)  # the Select must not catch the keys
        self.query_one(SeedTable).reset(self.task_kind, self.top_k)
        self.redraw_bars()
        self.redraw_status()

    # ---------------------------------------------------------------- bars
    def redraw_bars(self) -> None:
        """Both importances of the playground's current model."""
        pg = self.playground
        with pg.lock:
            self.importance = importances(pg.trainer, "train")
        self.query_one("#bars-weights", ImportanceBars).show(self.features, self.importance["weights"], WEIGHTS_WHY)
        self.query_one("#bars-gradient", ImportanceBars).show(self.features, self.importance["gradient"], GRADIENT_WHY)

    # -------------------------------------------------------------- seeds
    @property
    def top_k(self) -> int:
        """How many top inputs are compared: 3, or all of them when there are fewer (as ``agreement`` does)."""
        return min(TOP, len(self.features))

    @property
    def n_seeds(self) -> int:
        value = self.query_one("#seeds-n", Select).value
        return int(value) if isinstance(value, int) else DEFAULT_SEEDS

    def epochs(self) -> tuple[int, str]:
        """(epochs per model, where that number comes from)."""
        pg = self.playground
        if pg.trainer.epoch > 0:
            return pg.trainer.epoch, "the playground's current epoch"
        return pg.experiment.train.epochs, "train.epochs: the playground is at epoch 0"

    def redraw_status(self) -> None:
        epochs, why = self.epochs()
        n = self.n_seeds
        state = {"idle": "n: train them", "running": "training … n: cancel", "done": "done · n: again",
                 "cancelled": "cancelled · n: again", "failed": "failed · n: again"}[self.state]
        self.query_one("#seeds-epochs", Static).update(Text(f"× {epochs} epochs ({why}) · seeds {self.playground.experiment.seed}"
                                                            f"…{self.playground.experiment.seed + n - 1} · {state}"))

    def on_select_changed(self, event: Select.Changed) -> None:
        self.redraw_status()
        self.set_focus(None)

    def action_seeds(self) -> None:
        """Start "train N seeds", or cancel the run in progress."""
        if self.running:
            self.cancel_job()
            return
        pg = self.playground
        with pg.lock:
            exp = copy.deepcopy(pg.experiment)
        n, (epochs, _), k = self.n_seeds, self.epochs(), self.top_k
        self.result = None
        self.query_one(SeedTable).reset(self.task_kind, self.top_k)
        self.query_one("#seeds-agreement", Static).update(Text(f"training {n} models …", style="italic"))
        self.query_one("#seeds-n", Select).disabled = True

        def work(report: JobReport) -> dict[str, Any]:
            return insight(exp, n, epochs=epochs, k=k, on_seed=lambda i, seed: report.item(seed, (i + 1) * epochs), on_epoch=report.epoch)

        self.start_job(work, n * epochs)

    def job_item(self, item: dict[str, Any]) -> None:
        self.query_one(SeedTable).add_result(item, self.features, self.top_k)

    def job_done(self, result: dict[str, Any]) -> None:
        self.result = result

    def job_changed(self) -> None:
        """The status line; once the run has ended, the agreement box and the N select too."""
        if self.state in ("done", "cancelled", "failed"):
            self.query_one("#seeds-n", Select).disabled = False
            box = self.query_one("#seeds-agreement", Static)
            if self.result is not None:
                box.update(self.agreement_text(self.result))
            elif self.state == "cancelled":
                box.update(Text("cancelled: the rows above are the models that finished", style="italic"))
            else:
                box.update(Text(f"failed: {self.error}", style="red"))
        self.redraw_status()

    def agreement_text(self, result: dict[str, Any]) -> Text:
        """For both methods: the most frequent top input and its share, mean top-k overlap, mean Spearman ρ."""
        n = len(result["seeds"])
        text = Text()
        for method, label in (("gradient", "gradient |∂ŷ/∂x|"), ("weights", "first-layer |W|")):
            first, rest = agreement_lines(result["agreement"][method], n, result["features"])
            text.append(label + "\n", style="bold")
            text.append(f"  {first}\n  {rest}\n")
        k = result["agreement"]["gradient"]["k"]
        text.append(f"\nfirst in: how many models rank that input first. top-{k} overlap: the share of their top {k} that "
                    "two models share, averaged over the pairs. Spearman ρ: how alike two whole orders are "
                    "(1 = identical, 0 = unrelated), averaged over the pairs.", style="dim")
        return text

    def action_leave(self) -> None:
        """Back to the playground, cancelling a run in progress first."""
        self.cancel_job()
        self.dismiss(None)
