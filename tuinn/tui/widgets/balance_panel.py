"""Class balance: counts per split, what the model trains on, and the effect of each balance method.

The lecture's warning about 65 % negatives is only convincing with the counts beside the
metrics, so this panel shows the class counts of every split, the current method's
trained-on counts (and class weights), a Select that applies a method to the playground
(which restarts it at epoch 0: the model has to learn again on the new training order),
and a comparison that trains the spec once per method (:func:`tuinn.analysis.balance.compare_balance`)
in a thread worker and tabulates accuracy, balanced accuracy, sensitivity, specificity and
AUC: that table is where the effect of balancing is visible.

Class names are user data: every cell is rich Text, never markup.
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
from textual.message import Message
from textual.widgets import Label, ProgressBar, Select, Static

from tuinn.analysis.balance import class_counts, compare_balance
from tuinn.config.spec import BALANCES
from tuinn.tui.training_job import TrainingJobPanel, epochs_text, job_epochs, per_model
from tuinn.tui.widgets.metrics_table import fmt_value

if TYPE_CHECKING:
    from tuinn.session.playground import Playground

#: (header, key) of the comparison table after "method" and "trained on".
COMPARE = (("accuracy", "accuracy"), ("bal. acc.", "balanced_accuracy"), ("sens.", "sensitivity"), ("spec.", "specificity"),
           ("AUC", "auc"))


class BalancePanel(TrainingJobPanel):
    """Counts, the balance Select (applies to the playground), and the per-method comparison (:meth:`toggle_compare`)."""

    DEFAULT_CSS = """
    BalancePanel { height: auto; padding: 0 1; }
    BalancePanel .balance-row { height: 1; }
    BalancePanel .balance-row Label { width: 8; }
    BalancePanel .balance-row Select { width: 16; }
    BalancePanel #balance-info { width: 1fr; padding-left: 1; }
    BalancePanel ProgressBar { height: 1; }
    BalancePanel #balance-counts, BalancePanel #balance-compare, BalancePanel #balance-status { height: auto; }
    """

    class Applied(Message):
        """The playground restarted with balance ``method``: everything computed from it is stale."""

        def __init__(self, method: str) -> None:
            super().__init__()
            self.method = method

    JOB_PROGRESS = "#balance-progress"

    def __init__(self, playground: Playground, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ready = False
        self.pg = playground
        self.classification = playground.trainer.dataset.labels is not None
        self.message = ""
        #: One dict per method from :func:`compare_balance`, as they finish.
        self.rows: list[dict[str, Any]] = []
        #: The counts shown (:func:`balance.class_counts` of the playground's trainer).
        self.counts: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        if not self.classification:
            yield Static(Text("no classes: balance applies to classification (this is a regression problem)", style="dim"),
                         id="balance-none")
            return
        yield Static(id="balance-counts")
        with Horizontal(classes="balance-row"):
            yield Label("balance")
            yield Select([(m, m) for m in BALANCES], value=self.pg.experiment.data.balance, allow_blank=False, compact=True,
                         id="balance-method")
            yield Static(id="balance-info")
        yield Static(id="balance-status")
        yield ProgressBar(total=1, show_eta=False, id="balance-progress")
        yield Static(id="balance-compare")

    def on_mount(self) -> None:
        self.ready = True  # the children exist from here on (is_mounted is only set after this handler)
        self.border_title = "Class balance"
        self.redraw()

    # ------------------------------------------------------------ applying a method
    @on(Select.Changed, "#balance-method")
    def _method_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.apply(event.value)

    def apply(self, method: str) -> None:
        """Restart the playground with ``data.balance = method`` (nothing to do if it already is)."""
        pg = self.pg
        if method == pg.experiment.data.balance:
            return
        queued = pg.running
        pg.edit_spec(lambda e: setattr(e.data, "balance", method))
        if pg.message:
            self.message = f"balance = {method} failed: {pg.message}"
            self.query_one("#balance-method", Select).value = pg.experiment.data.balance
        elif queued:
            self.message = f"balance = {method} applies after the epoch in progress"
        else:
            self.message = f"playground restarted with balance = {method}"
        self.redraw()
        self.post_message(self.Applied(method))

    # ------------------------------------------------------------ the comparison
    def toggle_compare(self) -> None:
        """Start the comparison, or cancel it when it runs (the `c` key)."""
        if not self.classification:
            return
        if self.running:
            self.cancel_job()
            return
        pg = self.pg
        with pg.lock:
            exp = copy.deepcopy(pg.experiment)
            base = pg.trainer
            self.epochs, _ = job_epochs(pg)
        self.rows = []
        epochs = self.epochs
        self.start_training(len(BALANCES) * epochs, lambda on_epoch: compare_balance(exp, epochs, base=base, on_progress=per_model(on_epoch)))

    def job_item(self, item: dict[str, Any]) -> None:
        self.rows.append(item)

    # ------------------------------------------------------------ drawing
    def redraw(self) -> None:
        """Counts of the playground's current trainer, the status line and the comparison so far."""
        if not self.ready or not self.classification:
            return
        with self.pg.lock:
            self.counts = class_counts(self.pg.trainer)
        self.query_one("#balance-counts", Static).update(self.counts_table())
        select = self.query_one("#balance-method", Select)
        if select.value != self.counts["method"] and not self.pg.running:
            select.value = self.counts["method"]
        _, why = job_epochs(self.pg)
        status = {
            "idle": f"c: compare the 4 methods, {why}",
            "running": f"comparing: method {min(len(self.rows) + 1, len(BALANCES))} of {len(BALANCES)}, {epochs_text(self.epochs)} each · c: cancel",
            "done": f"compared on the {self.rows[0]['split'] if self.rows else 'test'} split, {epochs_text(self.epochs)} each · c: run again",
            "cancelled": f"comparison cancelled after {len(self.rows)} of {len(BALANCES)} · c: run again",
            "failed": f"comparison failed: {self.error}",
        }[self.state]
        self.query_one("#balance-info", Static).update(Text(self.message, style="bold"))
        self.query_one("#balance-status", Static).update(Text(status, style="red" if self.state == "failed" else ""))
        self.query_one("#balance-compare", Static).update(self.compare_table())

    def counts_table(self) -> Table:
        c = self.counts
        names = [str(n) for n in c["classes"]]
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, show_edge=False)
        table.add_column(Text("samples", style="bold"), no_wrap=True)
        for name in names:
            table.add_column(Text(name, style="bold"), justify="right", no_wrap=True)
        table.add_column(Text("total", style="bold"), justify="right", no_wrap=True)
        for split, counts in c["splits"].items():
            if sum(counts):
                table.add_row(Text(split), *[Text(str(n)) for n in counts], Text(str(sum(counts)), style="dim"))
        table.add_row(Text(f"trained on ({c['method']})", style="bold"), *[Text(str(n), style="bold") for n in c["trained_on"]],
                      Text(str(sum(c["trained_on"])), style="dim"))
        if c.get("class_weights") is not None:
            table.add_row(Text("class weight", style="bold"), *[Text(f"{w:.3f}") for w in c["class_weights"]], Text(""))
        return table

    def compare_table(self) -> Table | Text:
        if not self.rows:
            return Text("one model per method, same data and split, judged on the test split: press c", style="dim")
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, show_edge=False)
        table.add_column(Text("method", style="bold"), no_wrap=True)
        table.add_column(Text("trained on", style="bold"), justify="right", no_wrap=True)
        for label, _ in COMPARE:
            table.add_column(Text(label, style="bold"), justify="right", no_wrap=True)
        current = self.pg.experiment.data.balance
        for row in self.rows:
            style = "bold" if row["method"] == current else ""
            table.add_row(Text(("▸" if row["method"] == current else " ") + row["method"], style=style),
                          Text("/".join(str(n) for n in row["trained_on"]), style=style),
                          *[Text(fmt_value(row.get(key)), style=style) for _, key in COMPARE])
        return table
