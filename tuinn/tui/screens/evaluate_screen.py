"""Evaluate: judging the playground's model (issue "[F] Judging and understanding a model").

Every number comes from :func:`tuinn.analysis.evaluation.evaluation_report`, the function behind
``tuinn eval --json``, so the screen and the command cannot disagree. The screen shows:

* the metrics of every split side by side (the lecture's "different accuracies on
  different datasets"), at the current threshold;
* for the *selected* split (``s`` cycles; test by default): the ROC curve with the
  threshold's point and the confusion matrix (binary), the C×C matrix with per-class
  rates and one-vs-rest curves (multi-class), or predicted against true (regression);
* a threshold that moves (binary only): ←/→ by 0.01, [/] by 0.1, ``b`` to where
  sensitivity = specificity on the selected split, ``0``/home back to 0.5;
* K-fold cross-validation (``k``) and class balance (Select, and ``c`` to compare the
  methods), both as thread workers with progress, in their own panels.

The app pauses training before it pushes this screen; nothing here trains the playground
(the background jobs train copies). Escape cancels any job still running (it stops at the
end of its current epoch) and goes back at once: a job's result only means something on
this screen, so there is no point in keeping it alive.

Layout: everything fits 160×48 without scrolling; below 120 columns the boxes stack in one
column and the body scrolls (mouse, page up/down), so 80×24 works too. The body is a
scroll container *without* key bindings, and the focus rests on the (non-input) metrics
table, so the arrow keys move the threshold rather than scrolling or opening a Select.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tuinn import metrics
from tuinn.analysis.evaluation import evaluation_report, predicted_vs_true, present_splits, scores, split_index
from tuinn.session.playground import Playground
from tuinn.tui.widgets.balance_panel import BalancePanel
from tuinn.tui.widgets.confusion_view import ConfusionView
from tuinn.tui.widgets.kfold_panel import KFoldPanel
from tuinn.tui.widgets.metrics_table import MetricsTable, report_kind
from tuinn.tui.widgets.per_class_table import PerClassTable
from tuinn.tui.widgets.prediction_plot import PredictionPlot
from tuinn.tui.widgets.roc_plot import RocPlot

#: Keys of the playground (tuinn.tui.app) that act on it while this screen is up, shadowed here.
PLAYGROUND_KEYS = "space,n,r,g,e,o,w,t,d,ctrl+o"
#: Where the threshold starts and where ``0``/home puts it back.
DEFAULT_THRESHOLD = 0.5


class Body(VerticalScroll, inherit_bindings=False):
    """The scrolling body, with no key bindings: its arrows/home would otherwise shadow the threshold keys."""

    can_focus = False


class EvaluateScreen(Screen[None]):
    """Metrics per split, ROC and threshold, confusion matrix, K-fold and class balance of ``playground``."""

    AUTO_FOCUS = "MetricsTable"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        Binding("left", "move_threshold(-0.01)", "thr −.01", key_display="←", id="evaluate.threshold_down"),
        Binding("right", "move_threshold(0.01)", "thr +.01", key_display="→", id="evaluate.threshold_up"),
        Binding("left_square_bracket", "move_threshold(-0.1)", "−.1", key_display="[", id="evaluate.threshold_down_big"),
        Binding("right_square_bracket", "move_threshold(0.1)", "+.1", key_display="]", id="evaluate.threshold_up_big"),
        Binding("b", "equal_error", "sens = spec", id="evaluate.equal_error"),
        Binding("0,home", "reset_threshold", "thr 0.5", key_display="0", id="evaluate.threshold_reset"),
        Binding("s", "next_split", "split", id="evaluate.split"),
        Binding("k", "kfold", "k-fold", id="evaluate.kfold"),
        Binding("c", "compare_balance", "compare balance", id="evaluate.compare"),
        Binding("pageup", "scroll_body(-1)", "scroll up", show=False, id="evaluate.page_up"),
        Binding("pagedown", "scroll_body(1)", "scroll down", show=False, id="evaluate.page_down"),
        Binding("escape", "back", "back", id="evaluate.back"),
        # The playground's own keys would train, reset or reload the model under this screen (or look for the
        # playground's widgets, which are not here): they say where they work instead.
        Binding(PLAYGROUND_KEYS, "playground_only", "", show=False, id="evaluate.playground_keys"),
    ]

    DEFAULT_CSS = """
    EvaluateScreen { layout: vertical; }
    EvaluateScreen #evaluate-head { height: 1; padding: 0 1; background: $panel; }
    EvaluateScreen #evaluate-body { height: 1fr; }
    EvaluateScreen #evaluate-top { height: 1fr; min-height: 24; }
    EvaluateScreen #evaluate-left { width: 64; height: 100%; }
    EvaluateScreen #evaluate-bottom { height: auto; }
    EvaluateScreen MetricsTable, EvaluateScreen ConfusionView, EvaluateScreen PerClassTable {
        border: round $primary; padding: 0 1;
    }
    EvaluateScreen RocPlot, EvaluateScreen PredictionPlot { width: 1fr; height: 100%; border: round $primary; }
    EvaluateScreen KFoldPanel, EvaluateScreen BalancePanel { width: 1fr; height: auto; min-height: 18; border: round $secondary; }
    EvaluateScreen.-narrow #evaluate-top { layout: vertical; height: auto; }
    EvaluateScreen.-narrow #evaluate-left { width: 100%; height: auto; }
    EvaluateScreen.-narrow RocPlot, EvaluateScreen.-narrow PredictionPlot { height: 20; }
    EvaluateScreen.-narrow #evaluate-bottom { layout: vertical; }
    EvaluateScreen.-narrow KFoldPanel, EvaluateScreen.-narrow BalancePanel { min-height: 0; }
    """

    def __init__(self, playground: Playground) -> None:
        super().__init__()
        self.playground = playground
        self.threshold = DEFAULT_THRESHOLD
        #: The last :func:`evaluation_report` shown (at :attr:`threshold`).
        self.report: dict[str, Any] = {}
        with playground.lock:
            self.splits = present_splits(playground.trainer)
            self.regression = playground.trainer.dataset.labels is None
        self.split = "test" if "test" in self.splits else self.splits[0]

    # ----------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Static(id="evaluate-head")
        with Body(id="evaluate-body"):
            with Horizontal(id="evaluate-top"):
                with Vertical(id="evaluate-left"):
                    yield MetricsTable(id="evaluate-metrics")
                    yield ConfusionView(id="evaluate-confusion")
                    yield PerClassTable(id="evaluate-per-class")
                yield PredictionPlot(id="evaluate-plot") if self.regression else RocPlot(id="evaluate-plot")
            with Horizontal(id="evaluate-bottom"):
                yield KFoldPanel(self.playground, id="evaluate-kfold")
                yield BalancePanel(self.playground, id="evaluate-balance")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(MetricsTable).focus()
        self.refresh_report()

    # ----------------------------------------------------------- state → screen
    @property
    def kind(self) -> str:
        """``binary``, ``multiclass`` or ``regression``: what the screen shows for the selected split."""
        return report_kind(self.report) if self.report else ("regression" if self.regression else "binary")

    def refresh_report(self) -> None:
        """Recompute the report from the playground's current trainer and redraw everything that shows it."""
        pg = self.playground
        with pg.lock:
            trainer = pg.trainer
            self.splits = present_splits(trainer)
            if self.split not in self.splits:
                self.split = "test" if "test" in self.splits else self.splits[0]
            self.report = evaluation_report(trainer, self.threshold)
            true_pred = predicted_vs_true(trainer, self.split) if self.regression else None
            class_names = list(trainer.dataset.class_names)
            epoch, name = trainer.epoch, pg.experiment.name
        self.query_one(MetricsTable).show(self.report, self.split)
        r = self.report["splits"][self.split]
        kind = self.kind
        confusion = self.query_one(ConfusionView)
        per_class = self.query_one(PerClassTable)
        per_class.display = kind == "multiclass"
        if kind == "binary":
            confusion.show_binary(self.split, r["confusion"], class_names, self.threshold, r["sensitivity"], r["specificity"])
            roc = self.query_one(RocPlot)
            if "roc" in r:
                roc.show_binary(self.split, r["roc"], (1.0 - r["specificity"], r["sensitivity"]), self.threshold)
            else:
                roc.show_note(self.split, f"no ROC: the {self.split} split holds one class only")
        elif kind == "multiclass":
            confusion.show_matrix(self.split, r["confusion"], r["class_names"])
            per_class.show(self.split, r["per_class"], r["class_names"])
            self.query_one(RocPlot).show_classes(self.split, r["roc"], r["class_names"])
        else:
            confusion.show_note(f"Errors · {self.split}",
                                "regression: no classes, no confusion matrix and no threshold.\n"
                                "MSE = mean (y − ŷ)², MAE = mean |y − ŷ|, R² = 1 − SS_res / SS_tot "
                                "(1: perfect, 0: no better than the mean).\nThe plot puts each sample at (true, predicted); "
                                "a perfect model sits on y = x.")
            assert true_pred is not None
            self.query_one(PredictionPlot).show(self.split, true_pred[0], true_pred[1], r["r2"])
        head = Text.assemble(("Evaluate", "bold"), " · ", Text(name), f" · epoch {epoch} · ", (kind, "bold"),
                             " · split ", (f"▸{self.split}", "bold reverse"), " (s) · ")
        if kind == "binary":
            head.append(f"threshold {self.threshold:.4f}", style="bold")
            head.append(" (←/→ ±0.01, [/] ±0.1, b: sens = spec, 0: 0.5)", style="dim")
        elif kind == "multiclass":
            head.append("no threshold: the prediction is the most probable class", style="dim")
        else:
            head.append("no threshold: outputs are compared with the targets", style="dim")
        self.query_one("#evaluate-head", Static).update(head, layout=False)  # one line, always

    # ----------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Threshold keys only for a binary problem, balance only with classes: shown dimmed (None) otherwise."""
        if action in ("move_threshold", "equal_error", "reset_threshold") and self.kind != "binary":
            return None
        if action == "compare_balance" and self.regression:
            return None
        return True

    def set_threshold(self, value: float) -> None:
        """Clip to [0, 1] and redraw; rounding to 12 places removes the float noise of repeated ±0.01."""
        self.threshold = float(np.clip(round(value, 12), 0.0, 1.0))
        self.refresh_report()

    def action_move_threshold(self, delta: float) -> None:
        self.set_threshold(self.threshold + delta)

    def action_reset_threshold(self) -> None:
        self.set_threshold(DEFAULT_THRESHOLD)

    def action_equal_error(self) -> None:
        """Jump to the selected split's threshold where sensitivity and specificity are closest."""
        pg = self.playground
        with pg.lock:
            trainer = pg.trainer
            labels = trainer.dataset.labels
            assert labels is not None
            y = labels[split_index(trainer, self.split)]
            if y.min() == y.max():
                self.notify(f"the {self.split} split holds one class only: sensitivity or specificity is undefined",
                            severity="warning", markup=False)
                return
            threshold = metrics.equal_error_threshold(y, scores(trainer, self.split))
        self.threshold = float(threshold)  # exact: a score, not to be rounded off the ROC point
        self.refresh_report()

    def action_next_split(self) -> None:
        self.split = self.splits[(self.splits.index(self.split) + 1) % len(self.splits)]
        self.refresh_report()

    def action_kfold(self) -> None:
        self.query_one(KFoldPanel).toggle()

    def action_compare_balance(self) -> None:
        self.query_one(BalancePanel).toggle_compare()

    def action_scroll_body(self, direction: int) -> None:
        body = self.query_one(Body)
        if direction < 0:
            body.scroll_page_up()
        else:
            body.scroll_page_down()

    def action_playground_only(self) -> None:
        self.notify("that key works on the playground: escape goes back to it", timeout=2, markup=False)

    def action_back(self) -> None:
        """Cancel any background job (it ends at its next epoch) and return to the playground."""
        self.query_one(KFoldPanel).cancel()
        balance = self.query_one(BalancePanel)
        if balance.running:
            balance.toggle_compare()
        self.dismiss(None)

    # ----------------------------------------------------------- messages
    def on_balance_panel_applied(self, event: BalancePanel.Applied) -> None:
        """The playground restarted with another balance method: its numbers (now at epoch 0) replace the old ones."""
        self.refresh_report()
        self.query_one(KFoldPanel).forget()  # its folds were trained with the old method
        self.notify(f"playground restarted with balance = {event.method} (epoch 0)", timeout=3, markup=False)
